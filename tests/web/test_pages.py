"""The workbench's pages through HTTP (no browser): sign-in, access, editing, sign-off, intake."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from tests.web.support import ADMIN, Seeded, case_file, csrf_of, sign_in

from openimr.store.models import User


def _form_fields(html: str, form_id: str) -> dict[str, str]:
    """The fields a browser would send for the form with ``form_id`` (as first rendered)."""
    start = html.index(f'id="{form_id}"')
    body = html[start : html.index("</form>", start)]
    fields: dict[str, str] = {}
    for tag in re.findall(r"<input[^>]*>", body):
        name = re.search(r'name="([^"]+)"', tag)
        if not name:
            continue
        kind = re.search(r'type="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if kind and kind.group(1) in {"radio", "checkbox"} and "checked" not in tag:
            continue
        fields[name.group(1)] = _unescape(value.group(1) if value else "")
    for name, value in re.findall(
        r'<textarea[^>]*name="([^"]+)"[^>]*>\n(.*?)</textarea>', body, re.S
    ):
        fields[name] = _unescape(value)
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', body, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', options)
        fields[name] = chosen.group(1) if chosen else ""
    return fields


def _unescape(text: str) -> str:
    import html

    return html.unescape(text)


def _open(client: TestClient, seeded: Seeded, key: str = "main") -> tuple[str, str]:
    url = f"/workbench/cases/{seeded.cases[key]}"
    page = client.get(url)
    assert page.status_code == 200, page.text
    return url, page.text


def test_pages_need_a_session_and_sign_in_returns_to_the_page(client, seeded) -> None:
    assert client.get("/").headers["location"] == "/workbench/"
    response = client.get(f"/workbench/cases/{seeded.cases['main']}")
    assert response.status_code == 303
    assert response.headers["location"] == (
        f"/workbench/login?next=/workbench/cases/{seeded.cases['main']}"
    )
    login = client.get(response.headers["location"])
    assert "Access token" in login.text and 'autocomplete="off"' in login.text
    posted = client.post(
        "/workbench/login",
        data={
            "csrf": csrf_of(login.text),
            "token": seeded.tokens["dr-a"],
            "next": f"/workbench/cases/{seeded.cases['main']}",
        },
    )
    assert posted.status_code == 303
    assert posted.headers["location"] == f"/workbench/cases/{seeded.cases['main']}"
    cookie = posted.headers["set-cookie"]
    assert "openimr_session=" in cookie
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/workbench" in cookie
    assert seeded.tokens["dr-a"] not in cookie  # the token itself never goes to the browser


def test_bad_tokens_forged_forms_and_foreign_redirects_are_refused(client, seeded) -> None:
    login = client.get("/workbench/login")
    wrong = client.post(
        "/workbench/login", data={"csrf": csrf_of(login.text), "token": "oimr_nope", "next": ""}
    )
    assert wrong.status_code == 401 and "not recognised" in wrong.text
    forged = client.post(
        "/workbench/login", data={"csrf": "guessed", "token": seeded.tokens["dr-a"], "next": ""}
    )
    assert forged.status_code == 400 and "openimr_session" not in forged.headers.get(
        "set-cookie", ""
    )
    login = client.get("/workbench/login")
    away = client.post(
        "/workbench/login",
        data={
            "csrf": csrf_of(login.text),
            "token": seeded.tokens["dr-a"],
            "next": "https://elsewhere.example/workbench/",
        },
    )
    assert away.headers["location"] == "/workbench/"


def test_a_tampered_cookie_or_a_deactivated_user_ends_the_session(client, seeded, workflow):
    sign_in(client, seeded.tokens["dr-a"])
    assert client.get("/workbench/").status_code == 200
    good = client.cookies.get("openimr_session")
    body, mac = good.split(".")
    client.cookies.set("openimr_session", body[:-2] + "AA." + mac, path="/workbench")
    assert client.get("/workbench/").status_code == 303
    client.cookies.set("openimr_session", good, path="/workbench")
    assert client.get("/workbench/").status_code == 200
    with workflow.db.session() as session:
        session.execute(update(User).where(User.name == "dr-a").values(active=False))
    assert client.get("/workbench/").status_code == 303


def test_posts_without_the_session_token_change_nothing(client, seeded, workflow) -> None:
    sign_in(client, seeded.tokens["dr-a"])
    url, html = _open(client, seeded)
    fields = _form_fields(html, "determination-form")
    fields["csrf"] = "not-the-token"
    response = client.post(f"{url}/determination", data=fields)
    assert response.status_code == 403 and "nothing was changed" in response.text
    actor = workflow.authenticate(seeded.tokens["dr-a"])
    assert workflow.get_determination(actor, seeded.cases["main"]).status == "none"


def test_queues_by_role_overdue_first(client, seeded) -> None:
    sign_in(client, seeded.tokens["dr-a"])
    page = client.get("/workbench/").text
    cases = re.findall(r'class="case-link" href="[^"]+">([^<]+)<', page)
    assert cases == ["EX-2014-0002", "EX-2014-0001"]
    assert "overdue by 11 days" in page and "EX-2014-0003" not in page
    client.cookies.clear()
    sign_in(client, seeded.tokens["intake"])
    intake = client.get("/workbench/").text
    assert re.findall(r'class="case-link" href="[^"]+">([^<]+)<', intake) == ["EX-2014-0004"]
    assert "Assign a reviewer" in intake
    everything = client.get("/workbench/?show=all").text
    assert len(re.findall(r'class="case-link"', everything)) == 4
    client.cookies.clear()
    sign_in(client, seeded.tokens["admin"])
    admin = client.get("/workbench/").text
    assert len(re.findall(r'class="case-link"', admin)) == 4


def test_case_page_links_each_criterion_to_marked_words_in_the_records(client, seeded) -> None:
    sign_in(client, seeded.tokens["dr-a"])
    _, html = _open(client, seeded)
    targets = re.findall(r'<a class="ev-link" href="#(ev-[0-9-]+)"', html)
    assert targets
    for target in targets:
        assert html.count(f'id="{target}"') == 1
    mark = re.search(r'<mark class="ev[^"]*" data-spans="[^"]*" id="([^"]+)"[^>]*>([^<]+)', html)
    assert mark is not None
    record, start, end = (int(x) for x in mark.group(1).split("-")[1:])
    text = case_file("low-back.json")["records"][record]["text"]
    assert text[start:end].startswith(mark.group(2))
    for label in ("Not met", "Met", "Not documented"):
        assert f"</span> {label}</span>" in html
    assert "Proposed: Upheld" in html and "Proposed: Overturned" in html
    assert "22 days left" in html and "Mar 14, 2014" in html


def test_pages_carry_privacy_headers(client, seeded) -> None:
    sign_in(client, seeded.tokens["dr-a"])
    response = client.get(f"/workbench/cases/{seeded.cases['main']}")
    assert response.headers["cache-control"] == "no-store"
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["x-frame-options"] == "DENY"


def test_another_reviewers_case_is_not_found_and_the_attempt_audited(
    client, seeded, workflow
) -> None:
    sign_in(client, seeded.tokens["dr-b"])
    response = client.get(f"/workbench/cases/{seeded.cases['main']}")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Massage" not in response.text and "EX-2014-0001" not in response.text
    page = client.get("/workbench/").text
    save = client.post(
        f"/workbench/cases/{seeded.cases['main']}/determination",
        data={"csrf": csrf_of(page), "version": "0"},
    )
    assert save.status_code == 404
    entries = workflow.audit_entries(ADMIN, case_id=seeded.cases["main"])
    denied = [e for e in entries if e.action == "access.denied"]
    assert {e.detail["attempted"] for e in denied} >= {"case.read", "proposal.read"}
    assert all(e.actor.endswith(":reviewer") for e in denied)


def test_unchanged_items_are_accepted_and_an_edit_changes_only_what_was_edited(
    client, seeded, workflow
) -> None:
    sign_in(client, seeded.tokens["dr-a"])
    url, html = _open(client, seeded)
    fields = _form_fields(html, "determination-form")
    assert fields["item-1-decision"] == "overturned"
    fields["item-1-decision"] = "upheld"
    saved = client.post(f"{url}/determination", data=fields)
    assert saved.status_code == 303, saved.text
    assert saved.headers["location"].startswith(f"{url}?done=saved")
    actor = workflow.authenticate(seeded.tokens["dr-a"])
    view = workflow.get_determination(actor, seeded.cases["main"])
    assert view.version == 1
    assert [(c.review, c.changed_fields) for c in view.items] == [
        ("accepted", []),
        ("edited", ["decision"]),
    ]
    page = client.get(url).text
    assert "Draft, version 1: 1 of 2 items edited" in page
    assert re.search(r"<dt>Decision</dt>.*?<del>Overturned</del>.*?<ins>Upheld</ins>", page, re.S)
    # Saving the form again as shown keeps the edit (it is not taken for the proposal).
    again = client.post(f"{url}/determination", data=_form_fields(page, "determination-form"))
    assert again.status_code == 303
    view = workflow.get_determination(actor, seeded.cases["main"])
    assert view.version == 2
    assert [c.changed_fields for c in view.items] == [[], ["decision"]]
    # Windows line endings from a textarea are not an edit.
    fields = _form_fields(client.get(url).text, "determination-form")
    fields["summary"] = fields["summary"].replace("\n", "\r\n")
    assert client.post(f"{url}/determination", data=fields).status_code == 303
    assert [
        c.changed_fields for c in workflow.get_determination(actor, seeded.cases["main"]).items
    ] == [[], ["decision"]]


def test_a_stale_save_shows_both_versions_and_keeps_what_was_typed(client, seeded) -> None:
    sign_in(client, seeded.tokens["dr-a"])
    url, html = _open(client, seeded)
    first = _form_fields(html, "determination-form")
    mine = dict(first, **{"item-0-rationale": "Mine: four more visits add nothing now."})
    theirs = dict(first, **{"item-0-rationale": "Theirs: saved first."})
    assert client.post(f"{url}/determination", data=theirs).status_code == 303
    stale = client.post(f"{url}/determination", data=mine)
    assert stale.status_code == 409
    assert "The determination changed while you were editing" in stale.text
    assert "You edited version 0; version 1 was saved since" in stale.text
    assert "Theirs: saved first." in stale.text
    assert ">\nMine: four more visits add nothing now.</textarea>" in stale.text
    assert 'name="version" value="1"' in stale.text
    assert "Save my edits over version 1" in stale.text
    assert 'id="sign-button" disabled data-locked' in stale.text


def test_sign_needs_the_confirmation_then_freezes_and_gives_the_letter(
    client, seeded, workflow
) -> None:
    sign_in(client, seeded.tokens["dr-a"])
    url, html = _open(client, seeded)
    assert client.post(
        f"{url}/determination", data=_form_fields(html, "determination-form")
    ).status_code == (303)
    page = client.get(url).text
    sign = _form_fields(page, "sign-form")
    unconfirmed = client.post(f"{url}/sign", data=sign)
    assert unconfirmed.status_code == 422 and "Tick the box" in unconfirmed.text
    assert 'id="ack-2" name="ack" value="2" form="sign-form"' in page  # item 2 is flagged
    unacknowledged = client.post(f"{url}/sign", data=dict(sign, confirm="on"))
    assert unacknowledged.status_code == 422
    assert "Acknowledge the flags the engine raised before signing: item 2" in unacknowledged.text
    assert 'id="ack-2" name="ack" value="2" form="sign-form" aria-invalid="true"' in (
        unacknowledged.text
    )
    draft = client.get(f"{url}/draft-letter/text?download=1")
    assert draft.status_code == 200 and "DRAFT DETERMINATION LETTER" in draft.text
    assert "-DRAFT-determination-v1.txt" in draft.headers["content-disposition"]
    signed = client.post(f"{url}/sign", data=dict(sign, confirm="on", ack="2"))
    assert signed.status_code == 303, signed.text
    assert client.get(f"{url}/draft-letter/text").status_code == 409
    page = client.get(url).text
    assert 'id="determination-form"' not in page and "Preview the letter" in page
    again = client.post(f"{url}/sign", data=dict(sign, confirm="on"))
    assert again.status_code == 409 and "already signed" in again.text
    text = client.get(f"{url}/letter/text?download=1")
    assert text.status_code == 200
    assert text.headers["content-disposition"].startswith("attachment;")
    assert "FINAL DETERMINATION LETTER" in text.text
    assert re.search(r"Neurosurgical consultation.{0,300}Overturned", text.text, re.S | re.I)
    inline = client.get(f"{url}/letter/html")
    assert inline.headers["content-disposition"].startswith("inline;")
    assert "sandbox" in inline.headers["content-security-policy"]
    assert inline.headers["x-frame-options"] == "SAMEORIGIN"
    preview = client.get(f"{url}/letter")
    assert preview.status_code == 200 and 'iframe class="letter-frame"' in preview.text
    assert "publishable letter" not in preview.text  # publishing is the organization's act
    assert client.get(f"{url}/letter/docx").status_code == 404
    assert client.get(f"{url}/publication/json").status_code == 403
    client.cookies.clear()
    sign_in(client, seeded.tokens["admin"])
    preview = client.get(f"{url}/letter")
    assert f'href="{url}/publication/pdf"' in preview.text
    record = client.get(f"{url}/publication/json")
    assert record.status_code == 200, record.text
    assert record.headers["content-disposition"].startswith("attachment;")
    assert record.json()["items"]


def test_letter_before_signing_is_explained(client, seeded) -> None:
    sign_in(client, seeded.tokens["dr-a"])
    response = client.get(f"/workbench/cases/{seeded.cases['main']}/letter")
    assert response.status_code == 409 and "once the determination is signed" in response.text


def test_an_anonymous_post_is_sent_to_sign_in_without_what_it_carried(client, seeded) -> None:
    sign_in(client, seeded.tokens["dr-a"])
    url, html = _open(client, seeded)
    fields = _form_fields(html, "determination-form")
    fields["item-0-rationale"] = "Planted by another site."
    client.cookies.clear()
    posted = client.post(f"{url}/determination", data=fields)
    assert posted.status_code == 303
    assert posted.headers["location"] == "/workbench/login?next=/workbench/"
    login = client.get(posted.headers["location"])
    assert "Planted by another site." not in login.text and "carry:" not in login.text
    back = client.post(
        "/workbench/login",
        data={
            "csrf": csrf_of(login.text),
            "token": seeded.tokens["dr-a"],
            "next": f"{url}/determination",
            "carry:item-0-rationale": "Planted by another site.",
        },
    )
    assert back.status_code == 303 and back.headers["location"] == f"{url}/determination"
    assert "Planted by another site." not in client.get(url).text


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Origin": "https://testserver"},  # another scheme is another origin
        {"Referer": "https://evil.example/page"},
    ],
)
def test_posts_from_another_origin_are_refused(client, seeded, workflow, headers) -> None:
    sign_in(client, seeded.tokens["dr-a"])
    url, html = _open(client, seeded)
    fields = _form_fields(html, "determination-form")
    fields["item-0-rationale"] = "Sent from elsewhere."
    refused = client.post(f"{url}/determination", data=fields, headers=headers)
    assert refused.status_code == 403 and "another site" in refused.text
    actor = workflow.authenticate(seeded.tokens["dr-a"])
    assert workflow.get_determination(actor, seeded.cases["main"]).status == "none"
    client.cookies.clear()
    login = client.get("/workbench/login")
    signin = client.post(
        "/workbench/login",
        data={"csrf": csrf_of(login.text), "token": seeded.tokens["dr-a"], "next": ""},
        headers=headers,
    )
    assert signin.status_code == 403


def test_posts_from_the_workbench_itself_pass(client, seeded) -> None:
    sign_in(client, seeded.tokens["dr-a"])
    url, html = _open(client, seeded)
    fields = _form_fields(html, "determination-form")
    own = client.post(f"{url}/determination", data=fields, headers={"Origin": "http://testserver"})
    assert own.status_code == 303, own.text
    fields = _form_fields(client.get(url).text, "determination-form")
    by_referer = client.post(
        f"{url}/determination", data=fields, headers={"Referer": f"http://testserver{url}"}
    )
    assert by_referer.status_code == 303, by_referer.text


def test_a_configured_origin_may_post(workflow, seeded) -> None:
    from fastapi.testclient import TestClient
    from tests.web.support import workbench_app

    from openimr.settings import Settings

    workflow.core.settings = workflow.settings = Settings(allowed_origins="https://Portal.example/")
    with TestClient(workbench_app(workflow), follow_redirects=False) as client:
        login = client.get("/workbench/login")
        data = {"csrf": csrf_of(login.text), "token": seeded.tokens["dr-a"], "next": ""}
        passed = client.post(
            "/workbench/login", data=data, headers={"Origin": "https://portal.example"}
        )
        assert passed.status_code == 303


def _upload(client: TestClient, data: dict[str, Any], **fields: str):  # type: ignore[no-untyped-def]
    page = client.get("/workbench/intake")
    assert page.status_code == 200
    return client.post(
        "/workbench/intake",
        data={"csrf": csrf_of(page.text), "disputes_medical_necessity": "on", **fields},
        files={"case_file": ("case.json", json.dumps(data).encode(), "application/json")},
    )


def test_intake_receives_screens_assigns_and_adds_records(client, seeded, workflow) -> None:
    sign_in(client, seeded.tokens["intake"])
    data = case_file("knee-brace.json")
    data["case_id"] = "EX-2014-0009"
    data["claimant"]["date_of_injury"] = "2013-12-01"
    created = _upload(client, data, signed="yes", received_on="2014-02-19")
    assert created.status_code == 303, created.text
    url = created.headers["location"].split("?")[0]
    page = client.get(url).text
    assert "<strong>Eligible</strong>" in page and "Application filed in time" in page
    assigned = client.post(f"{url}/assignment", data={"csrf": csrf_of(page), "reviewer": ""})
    assert assigned.status_code == 303
    page = client.get(url).text
    assert "Why this reviewer" in page and "fewest among qualified reviewers" in page
    record = client.post(
        f"{url}/documents",
        data={"csrf": csrf_of(page), "record_kind": "progress_report", "record_date": "2014-02-18"},
        files={"file": ("note.txt", b"Follow-up: the knee gives way on stairs.", "text/plain")},
    )
    assert record.status_code == 303, record.text
    page = client.get(url).text
    assert "the knee gives way on stairs" in page and "Record 3: Progress report" in page
    complete = client.post(f"{url}/records-complete", data={"csrf": csrf_of(page)})
    assert complete.status_code == 303
    assert "Ready for review" in client.get(url).text


def test_intake_explains_a_bad_case_file_and_keeps_the_form(client, seeded) -> None:
    sign_in(client, seeded.tokens["intake"])
    data = case_file("knee-brace.json")
    del data["disputed_items"]
    response = _upload(client, data, signed="yes", claim_number="CLM-77")
    assert response.status_code == 422
    assert "disputed_items" in response.text
    assert 'value="CLM-77"' in response.text
    other = case_file("knee-brace.json")
    other["claimant"]["date_of_injury"] = "2013-12-02"  # not a duplicate of the seeded case
    unsigned = _upload(client, other, signed="")
    assert unsigned.status_code == 303  # unknown facts: screened as needing information
    page = client.get(unsigned.headers["location"]).text
    assert "Needs information" in page and "Screen again" in page


def test_reviewers_have_no_intake_page(client, seeded) -> None:
    sign_in(client, seeded.tokens["dr-a"])
    response = client.get("/workbench/intake")
    assert response.status_code == 403


def test_no_health_information_is_logged(client, seeded, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    sign_in(client, seeded.tokens["dr-a"])
    url, html = _open(client, seeded)
    fields = _form_fields(html, "determination-form")
    fields["item-0-rationale"] = "Sentinel rationale words."
    client.post(f"{url}/determination", data=fields)
    client.get(url)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for phrase in ("massage", "Sentinel", "L5-S1", "lumbar", seeded.tokens["dr-a"]):
        assert phrase.lower() not in logged.lower()


def test_an_internal_failure_is_a_page_and_logs_no_health_information(
    workflow, seeded, caplog: pytest.LogCaptureFixture
) -> None:
    from tests.web.support import workbench_app

    from openimr.workflow import Workflow

    def failing_engine(case: Any) -> Any:
        raise RuntimeError(f"engine failed on {case.records[0].text[:40]}")

    broken = Workflow(workflow.db, proposer=failing_engine, clock=workflow.now)
    with TestClient(workbench_app(broken), follow_redirects=False) as client:
        sign_in(client, seeded.tokens["dr-a"])
        response = client.get(f"/workbench/cases/{seeded.cases['main']}")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.text
    logged = "\n".join(r.getMessage() for r in caplog.records)
    request_id = response.headers["x-request-id"]
    assert f"RuntimeError on GET /workbench/cases/{{case_id}} request={request_id}" in logged
    assert "MRI of the lumbar spine" not in logged and seeded.cases["main"] not in logged


def test_without_the_engine_the_reviewer_writes_the_determination(workflow, seeded) -> None:
    from tests.web.support import workbench_app

    from openimr.workflow import ComponentUnavailable, Workflow

    def no_engine(_case: Any) -> Any:
        raise ComponentUnavailable("the decision engine is not available in this build")

    bare = Workflow(workflow.db, proposer=no_engine, clock=workflow.now)
    with TestClient(workbench_app(bare), follow_redirects=False) as client:
        sign_in(client, seeded.tokens["dr-a"])
        url = f"/workbench/cases/{seeded.cases['main']}"
        page = client.get(url)
        assert page.status_code == 200
        assert "The decision engine is not available in this build" in page.text
        fields = _form_fields(page.text, "determination-form")
        assert "item-0-decision" not in fields  # nothing proposed, nothing chosen
        for index in (0, 1):
            fields[f"item-{index}-decision"] = "upheld"
            fields[f"item-{index}-family"] = "MTUS-CPMTG"
            fields[f"item-{index}-rationale"] = f"Written by the reviewer for item {index + 1}."
        missing = dict(fields)
        del missing["item-1-decision"]
        refused = client.post(f"{url}/determination", data=missing)
        assert refused.status_code == 422 and "Choose Upheld or Overturned" in refused.text
        assert "Written by the reviewer for item 2." in refused.text  # kept
        saved = client.post(f"{url}/determination", data=fields)
        assert saved.status_code == 303, saved.text
    actor = workflow.authenticate(seeded.tokens["dr-a"])
    view = workflow.get_determination(actor, seeded.cases["main"])
    assert view.determination is not None
    assert [i.rationale for i in view.determination.items] == [
        "Written by the reviewer for item 1.",
        "Written by the reviewer for item 2.",
    ]
