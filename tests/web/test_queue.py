"""The workbench queue: search, filters, order, pages, the treatments with their proposals,
"next case", and dates in California time."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.web.support import ADMIN, crowd, sign_in
from tests.web.test_pages import _form_fields

from openimr.web.queue import PAGE_SIZE


def _cases(html: str) -> list[str]:
    return re.findall(r'class="case-link" href="[^"]+">([^<]+)<', html)


def test_search_filters_and_pages_keep_each_other(client, seeded, workflow) -> None:
    crowd(workflow, PAGE_SIZE + 12)
    sign_in(client, seeded.tokens["admin"])
    first = client.get("/workbench/?show=all&sort=case").text
    total = PAGE_SIZE + 12 + 4
    assert f"Cases 1–{PAGE_SIZE} of {total}." in first
    assert _cases(first)[:2] == ["EX-2014-0001", "EX-2014-0002"]
    second = client.get("/workbench/?show=all&sort=case&page=2")
    assert f"Cases {PAGE_SIZE + 1}–{total} of {total}." in second.text
    assert not set(_cases(first)) & set(_cases(second.text))
    assert 'href="/workbench/?show=all&amp;sort=case"' in second.text  # back to page 1
    assert "Page 2 of 2" in second.text
    # The search is kept in the page links; case, accents and punctuation do not matter.
    found = client.get("/workbench/?show=all&q=mei+garcia").text
    assert _cases(found) == ["QX-0002"]
    assert _cases(client.get("/workbench/?show=all&q=adj+050-0350").text) == ["QX-0050"]
    expedited = _cases(client.get("/workbench/?show=all&review_type=expedited&sort=case").text)
    every_seventh = [f"QX-{n:04d}" for n in range(PAGE_SIZE + 12) if n % 7 == 3]
    assert expedited == ["EX-2014-0004", *every_seventh]  # the knee brace is expedited too
    newest = _cases(client.get("/workbench/?show=all&sort=-received").text)
    assert newest[0].startswith("QX") and "EX-2014-0002" not in newest[:PAGE_SIZE]
    mine = client.get("/workbench/?show=all&reviewer=R-B").text
    assert _cases(mine) == ["EX-2014-0003"]


def test_a_reviewer_sees_the_treatments_least_sure_first_and_the_read_is_audited(
    client, seeded, workflow
) -> None:
    sign_in(client, seeded.tokens["dr-a"])
    assert client.get(f"/workbench/cases/{seeded.cases['main']}").status_code == 200
    page = client.get("/workbench/").text
    row = page.split("EX-2014-0001")[1].split("</tr>")[0]
    assert "4 massage therapy visits (lumbar)" in row and "Neurosurgical consultation" in row
    confidences = [int(p) for p in re.findall(r"(\d+)% likely to match", row)]
    assert confidences == sorted(confidences) and len(confidences) == 2
    assert "Proposed: Upheld" in row and "Proposed: Overturned" in row
    topic = re.search(r'<option value="([^"]+)">', page.split('id="queue-topic"')[1])
    assert topic is not None
    assert _cases(client.get(f"/workbench/?topic={topic.group(1)}").text) == ["EX-2014-0001"]
    reads = [e for e in workflow.audit_entries(ADMIN) if e.action == "queue.read"]
    assert reads and seeded.cases["main"] in reads[-1].detail["cases"]
    assert "q" not in reads[-1].detail  # never what was searched
    client.cookies.clear()
    sign_in(client, seeded.tokens["intake"])
    intake = client.get("/workbench/?show=all").text
    assert "Neurosurgical consultation" in intake and "Proposed:" not in intake


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("sort=newest", "sort"),
        ("page=0", "page"),
        ("page=x", "page"),
        ("show=some", "show"),
        ("status=closed", "status"),
        ("topic=Bad%21", "topic"),
        ("colour=red", "colour"),
    ],
)
def test_a_bad_parameter_is_a_page_naming_it(client, seeded, query, field) -> None:
    sign_in(client, seeded.tokens["admin"])
    response = client.get(f"/workbench/?{query}")
    assert response.status_code == 422, response.text
    assert f"{field}: " in response.text.lower() and "Traceback" not in response.text


def test_next_case_follows_the_queue_and_says_when_none_is_left(client, seeded, workflow) -> None:
    sign_in(client, seeded.tokens["dr-a"])
    main, overdue = seeded.cases["main"], seeded.cases["overdue"]
    first = client.get("/workbench/next")
    assert first.headers["location"] == f"/workbench/cases/{overdue}"  # overdue first
    after = client.get(f"/workbench/next?after={overdue}")
    assert after.headers["location"] == f"/workbench/cases/{main}"
    assert client.get(f"/workbench/next?after={main}").headers["location"].endswith(overdue)
    page = client.get(f"/workbench/cases/{main}").text
    assert f'href="/workbench/next?after={main}"' in page and "Keyboard shortcuts" in page
    actor = workflow.authenticate(seeded.tokens["dr-a"])
    for case_id in (main, overdue):
        workflow.withdraw(ADMIN, case_id, "withdrawn by the employee")
    assert workflow.next_case(actor, _todo(), main) is None
    none_left = client.get(f"/workbench/next?after={main}")
    assert none_left.headers["location"] == "/workbench/?done=none"
    assert "No case is waiting for you" in client.get(none_left.headers["location"]).text


def _todo():
    from openimr.web.queue import TODO
    from openimr.workflow import Role
    from openimr.workflow.schemas import CaseQuery

    return CaseQuery(status=sorted(TODO[Role.REVIEWER]))


def test_dates_are_california_dates_after_five_in_the_afternoon(client, seeded, clock) -> None:
    """Signed at 5:30 p.m. in California, already the next day in UTC: the page, the letter
    and the deadlines all say Feb. 20."""
    clock.now = datetime(2014, 2, 21, 1, 30, tzinfo=UTC)
    sign_in(client, seeded.tokens["dr-a"])
    url = f"/workbench/cases/{seeded.cases['main']}"
    saved = client.post(
        f"{url}/determination", data=_form_fields(client.get(url).text, "determination-form")
    )
    assert saved.status_code == 303, saved.text
    before = client.get(url).text
    sign = _form_fields(before, "sign-form")
    flagged = re.findall(r'name="ack" value="(\d+)" form="sign-form"', before)
    signed = client.post(f"{url}/sign", data={**sign, "confirm": "on", "ack": flagged})
    assert signed.status_code == 303, signed.text
    page = client.get(url).text
    assert re.search(r"Signed on <time[^>]*>Feb 20, 2014</time>", page)
    assert "Next case →" in client.get(f"{url}?done=signed").text
    letter = client.get(f"{url}/letter/text?download=1").text
    assert "02/20/2014" in letter and "02/21/2014" not in letter
    assert 'Today is <time datetime="2014-02-20">' in client.get("/workbench/").text
    history = client.get(url).text.split('class="history"')[1]
    assert "Feb 20, 2014, 5:30 PM PST" in history


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.dictionaries(
        st.sampled_from(["show", "q", "status", "topic", "overdue", "sort", "page", "x"]),
        st.text(max_size=10) | st.sampled_from(["all", "yes", "case", "2", "in_review"]),
        max_size=4,
    )
)
def test_any_queue_parameters_give_the_page_or_a_422(client, seeded, params) -> None:
    if "openimr_session" not in client.cookies:
        sign_in(client, seeded.tokens["dr-a"])
    response = client.get("/workbench/", params=params)
    assert response.status_code in {200, 422}, response.text
