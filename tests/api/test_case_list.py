"""The case list through the API: search, filters, order, paging and refused parameters, on
both backends."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.support import ADMIN

from openimr.workflow.schemas import AssignmentRequest


def _post(client: Any, headers: dict[str, str], case: dict[str, Any], **application: Any) -> str:
    body = {"case": case, "application": {"signed": True, **application}}
    response = client.post("/api/v1/cases", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _ids(client: Any, headers: dict[str, str], **params: Any) -> list[str]:
    response = client.get("/api/v1/cases", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return [case["external_id"] for case in response.json()]


@pytest.fixture
def three(client, users, make_case) -> dict[str, str]:
    """Three applications: two regular (one with a named claimant), one expedited."""
    return {
        "CM26-0101": _post(
            client,
            users.intake,
            make_case(case_id="CM26-0101", parties={"claimant": {"name": "Zoë Müller-Ortiz"}}),
            claim_number="ADJ-998 877",
        ),
        "CM26-0102": _post(
            client, users.intake, make_case(case_id="CM26-0102"), employee_name="Sam O'Brien"
        ),
        "CM26-0203": _post(
            client, users.intake, make_case(case_id="CM26-0203", review_type="expedited")
        ),
    }


def test_search_by_case_number_claimant_and_claim_number(client, users, three):
    assert _ids(client, users.intake, q="cm26-01", sort="case") == ["CM26-0101", "CM26-0102"]
    assert _ids(client, users.intake, q="zoe muller") == ["CM26-0101"]  # accents, case
    assert _ids(client, users.intake, q="ADJ998877") == ["CM26-0101"]  # punctuation
    assert _ids(client, users.intake, q="obrien") == ["CM26-0102"]
    assert _ids(client, users.intake, q=three["CM26-0203"]) == ["CM26-0203"]  # the IMR number
    assert _ids(client, users.intake, q="100%") == []  # wildcards are taken literally
    assert _ids(client, users.intake, q="cm26_0101") == ["CM26-0101"]


def test_filters_sort_and_pages_with_the_total(client, users, three):
    assert _ids(client, users.intake, review_type="expedited") == ["CM26-0203"]
    assert _ids(client, users.intake, sort="-case") == ["CM26-0203", "CM26-0102", "CM26-0101"]
    seen = []
    for offset in (0, 2):
        response = client.get(
            "/api/v1/cases",
            params={"sort": "case", "limit": 2, "offset": offset},
            headers=users.intake,
        )
        assert response.headers["X-Total-Count"] == "3"
        seen += [c["external_id"] for c in response.json()]
    assert seen == ["CM26-0101", "CM26-0102", "CM26-0203"]
    by_status = {c["status"] for c in client.get("/api/v1/cases", headers=users.intake).json()}
    assert len(by_status) == 2  # the expedited one waits for information
    statuses = client.get(
        "/api/v1/cases", params=[("status", s) for s in sorted(by_status)], headers=users.intake
    )
    assert statuses.headers["X-Total-Count"] == "3"
    first = client.get("/api/v1/cases", params={"status": min(by_status)}, headers=users.intake)
    assert 0 < int(first.headers["X-Total-Count"]) < 3


def test_reviewer_and_topic_filters(client, users, workflow, three):
    workflow.assign(
        ADMIN,
        three["CM26-0102"],
        AssignmentRequest(reviewer="R-B", override_reason="a second case for the other reviewer"),
    )
    assert _ids(client, users.admin, reviewer="R-B") == ["CM26-0102"]
    assert _ids(client, users.reviewer_b) == ["CM26-0102"]
    assert _ids(client, users.reviewer_a) == []
    assert _ids(client, users.reviewer_a, reviewer="R-B") == []  # never another's cases
    workflow.get_proposal(ADMIN, three["CM26-0102"])  # the engine names the topic
    page = workflow.queue(ADMIN, _query(q="CM26-0102"), with_items=True)
    topic = page.items[three["CM26-0102"]][0].topic
    assert topic
    assert _ids(client, users.admin, topic=topic) == ["CM26-0102"]
    assert _ids(client, users.admin, topic="no-such-topic") == []


def _query(**values: Any) -> Any:
    from openimr.workflow.schemas import CaseQuery

    return CaseQuery(**values)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"sort": "newest"}, "sort"),
        ({"limit": "501"}, "limit"),
        ({"limit": "0"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"status": "nonsense"}, "status"),
        ({"review_type": "urgent"}, "review_type"),
        ({"topic": "Lumbar MRI!"}, "topic"),
        ({"q": "x" * 201}, "q"),
        ({"q": "a\x00b"}, "q"),
        ({"overdue": "maybe"}, "overdue"),
        ({"page_size": "10"}, "page_size"),
    ],
)
def test_a_bad_parameter_is_refused_naming_it(client, users, params, field):
    response = client.get("/api/v1/cases", params=params, headers=users.intake)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"].split(".")[0] == field


def test_the_parameters_and_the_total_are_in_the_openapi_document(client):
    operation = client.get("/openapi.json").json()["paths"]["/api/v1/cases"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"q", "status", "review_type", "topic", "reviewer", "overdue", "sort"} <= names
    assert {"limit", "offset"} <= names
    assert "X-Total-Count" in operation["responses"]["200"]["headers"]
    limit = next(p for p in operation["parameters"] if p["name"] == "limit")
    assert limit["schema"]["maximum"] == 500


_PARAMETERS = ["q", "status", "review_type", "topic", "reviewer", "overdue", "sort", "limit"]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.dictionaries(
        st.sampled_from([*_PARAMETERS, "offset", "colour"]),
        st.text(max_size=12) | st.sampled_from(["-case", "confidence", "7", "true", "-1"]),
        max_size=4,
    )
)
def test_any_parameters_are_answered_or_refused_naming_one(client, users, params) -> None:
    response = client.get("/api/v1/cases", params=params, headers=users.admin)
    assert response.status_code in {200, 422}, response.text
    if response.status_code == 422:
        assert response.json()["error"]["field"] in params
