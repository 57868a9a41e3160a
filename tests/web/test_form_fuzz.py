"""Every workbench form with whatever a browser, or something posing as one, may send.

Each form of the workbench is posted, signed in and with the session's form token so that the
handler itself reads the values, with generated values in its own fields and in fields it
does not have: text of any character (NUL, lone surrogates, control characters), numbers past
64 bits, digits that are not ASCII, dates no form carries, padded dates. Whatever arrives, the
answer is a page or a redirect, never a server error (500), and the log names no value sent.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.support import FUZZ
from tests.web.support import HOSTILE_VALUES as KNOWN
from tests.web.support import PLANTED, csrf_of, sign_in

from openimr.web.forms import APPLICATION_FIELDS

HOSTILE = st.one_of(st.text(max_size=40), st.sampled_from(KNOWN))

#: Each form: its address (``{main}`` and ``{intake}`` are seeded cases), who posts it, and its
#: own fields.
FORMS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "determination": (
        "/workbench/cases/{main}/determination",
        "dr-a",
        (
            "version",
            "summary",
            *(
                f"item-{i}-{name}"
                for i in range(2)
                for name in (
                    "decision",
                    "family",
                    "title",
                    "chapter",
                    "sections",
                    "pages",
                    "edition",
                    "rationale",
                )
            ),
        ),
    ),
    "sign": ("/workbench/cases/{main}/sign", "dr-a", ("version", "confirm")),
    "screening": ("/workbench/cases/{intake}/screening", "intake", APPLICATION_FIELDS),
    "assignment": ("/workbench/cases/{intake}/assignment", "intake", ("reviewer",)),
    "records-complete": ("/workbench/cases/{intake}/records-complete", "intake", ()),
    "documents": (
        "/workbench/cases/{intake}/documents",
        "intake",
        ("record_kind", "record_date", "author", "specialty"),
    ),
    "intake": ("/workbench/intake", "intake", ("signed", "received_on", "employer")),
}


def _posted_ok(response: Any) -> None:
    assert response.status_code < 500, (response.request.method, response.request.url)


@pytest.mark.parametrize("form", sorted(FORMS))
def test_a_form_never_fails_whatever_is_posted(
    client: TestClient, seeded: Any, form: str, caplog: pytest.LogCaptureFixture
) -> None:
    address, user, names = FORMS[form]
    url = address.format(**seeded.cases)
    sign_in(client, seeded.tokens[user])
    csrf = csrf_of(client.get("/workbench/").text)
    caplog.set_level(logging.INFO)

    @given(
        values=st.fixed_dictionaries({name: HOSTILE for name in names}),
        extra=st.dictionaries(st.text(min_size=1, max_size=12), HOSTILE, max_size=3),
        upload=st.one_of(st.none(), st.binary(max_size=200)),
    )
    @settings(FUZZ, suppress_health_check=list(HealthCheck), database=None)
    def post(values: dict[str, str], extra: dict[str, str], upload: bytes | None) -> None:
        data = {**extra, **values, "csrf": csrf}
        files = None
        if upload is not None and form in ("documents", "intake"):
            files = {"file" if form == "documents" else "case_file": ("x.txt", upload)}
        try:
            response = client.post(url, data=data, files=files)
        except UnicodeEncodeError:  # a lone surrogate cannot be sent at all: nothing to answer
            return
        _posted_ok(response)

    for name in names:  # each known value in each field, the others ticked ("on")
        for value in KNOWN:
            data = {**dict.fromkeys(names, "on"), name: value, "csrf": csrf}
            with contextlib.suppress(UnicodeEncodeError):
                _posted_ok(client.post(url, data=data))
    post()
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert PLANTED not in logged and "Zebulon" not in logged


@given(
    document=st.one_of(st.integers(), st.sampled_from(["9" * 25, "-9" * 20, "x"])),
    page=st.one_of(st.integers(), st.sampled_from(["9" * 25, "0"])),
    span=st.tuples(st.integers(), st.integers(), st.integers()),
)
@settings(FUZZ, suppress_health_check=list(HealthCheck), database=None)
def test_document_and_page_addresses_never_fail(
    client: TestClient, seeded: Any, document: object, page: object, span: tuple[int, ...]
) -> None:
    """Ids, pages and offsets in an address, past 64 bits or negative: a 4xx page."""
    if client.cookies.get("openimr_session") is None:
        sign_in(client, seeded.tokens["dr-a"])
    base = f"/workbench/cases/{seeded.cases['main']}/documents/{document}"
    for url in (
        base,
        f"{base}/pages/{page}",
        f"{base}/pages/{page}?record={span[0]}&start={span[1]}&end={span[2]}",
    ):
        _posted_ok(client.get(url))
