"""The reviewer registry, corrections, overrides and the quality review through the API, on
both backends: what each role may do, and bad input answered 4xx naming the field."""

from __future__ import annotations

from typing import Any

NO_UR_COPY = [
    {"kind": "progress_report", "date": "2026-10-01", "text": "Low back pain. Request therapy."}
]


def _case(client: Any, headers: dict[str, str], data: dict[str, Any], **application: Any) -> Any:
    body = {"case": data, "application": application}
    response = client.post("/api/v1/cases", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def test_an_ineligible_case_is_corrected_and_screened_again(client, users, make_case):
    created = _case(client, users.intake, make_case(records=NO_UR_COPY), signed=True)
    assert created["status"] == "ineligible" and created["eligibility"]["correctable"]
    again = client.post(
        f"/api/v1/cases/{created['id']}/screening",
        json={"signed": True, "ur_decision_attached": True, "review_type": "expedited"},
        headers=users.intake,
    )
    assert again.status_code == 200, again.text
    body = again.json()
    assert (body["status"], body["review_type"]) == ("eligible", "expedited")
    assert [s["outcome"] for s in body["screenings"]] == ["ineligible", "eligible"]
    assert body["screenings"][1]["changed"] == ["review_type", "ur_decision_attached"]
    late = _case(client, users.intake, make_case(ur_decision_date="2026-09-01"), signed=True)
    refused = client.post(
        f"/api/v1/cases/{late['id']}/screening", json={"signed": True}, headers=users.intake
    )
    assert refused.status_code == 409


def test_withdrawal_and_termination_need_a_reason(client, users, make_case):
    case = _case(client, users.intake, make_case(), signed=True)
    empty = client.post(
        f"/api/v1/cases/{case['id']}/withdrawal", json={"reason": " "}, headers=users.intake
    )
    assert empty.status_code == 422 and empty.json()["error"]["field"] == "reason"
    done = client.post(
        f"/api/v1/cases/{case['id']}/termination",
        json={"reason": "Authorized on Nov. 20"},
        headers=users.intake,
    )
    assert done.status_code == 200 and done.json()["status"] == "terminated"


def test_reviewers_are_edited_deactivated_and_reactivated_by_administrators(client, users):
    patch = client.patch(
        "/api/v1/reviewers/R-A",
        json={"weekly_clinical_hours": 20, "max_open_cases": 3},
        headers=users.admin,
    )
    assert patch.status_code == 200, patch.text
    body = patch.json()
    assert body["max_open_cases"] == 3
    assert body["qualification_problems"] == ["20 clinical hours a week; at least 24 required"]
    assert (
        client.patch(
            "/api/v1/reviewers/R-A", json={"active": False}, headers=users.intake
        ).status_code
        == 403
    )
    off = client.post("/api/v1/reviewers/R-B/deactivation", headers=users.admin).json()
    assert off["active"] is False and off["qualification_problems"] == ["inactive in the registry"]
    on = client.post("/api/v1/reviewers/R-B/activation", headers=users.admin).json()
    assert on["active"] is True
    assert client.post("/api/v1/reviewers/R-Z/deactivation", headers=users.admin).status_code == 404


def test_bad_registry_input_is_a_4xx_naming_the_field(client, users):
    for body, field in (
        ({"years_active_practice": -1}, "years_active_practice"),
        ({"specialties": None}, "specialties"),
        ({"profession": "vet"}, "profession"),
        ({"affiliations": ["a\x00b"]}, "affiliations"),
    ):
        response = client.patch("/api/v1/reviewers/R-A", json=body, headers=users.admin)
        assert response.status_code == 422, (body, response.text)
        assert field in response.json()["error"]["field"], response.text
    assert client.patch("/api/v1/reviewers/R-A", json={}, headers=users.admin).status_code == 422


def test_the_requirements_are_said_by_profession(client, users):
    md = client.get("/api/v1/reviewers/requirements", headers=users.intake).json()
    dc = client.get(
        "/api/v1/reviewers/requirements", params={"profession": "dc"}, headers=users.intake
    ).json()
    assert any("board certification(s)" in line for line in md)
    assert any("no board certification" in line for line in dc)
    assert client.get("/api/v1/reviewers/requirements", headers=users.reviewer_a).status_code == 403
    unknown = client.get(
        "/api/v1/reviewers/requirements", params={"profession": "vet"}, headers=users.admin
    )
    assert unknown.status_code == 422 and unknown.json()["error"]["field"] == "profession"


def test_only_an_administrator_overrides_the_automatic_choice(client, users, make_case):
    case = _case(client, users.intake, make_case(), signed=True)
    url = f"/api/v1/cases/{case['id']}/assignment"
    plain = client.post(url, json={"reviewer": "R-B"}, headers=users.admin)
    assert plain.status_code == 409 and "override" in plain.text
    intake = client.post(
        url, json={"reviewer": "R-B", "override_reason": "Knows the case"}, headers=users.intake
    )
    assert intake.status_code == 403
    done = client.post(
        url, json={"reviewer": "R-B", "override_reason": "R-A is away"}, headers=users.admin
    )
    assert done.status_code == 200, done.text
    body = done.json()
    assert (body["reviewer"], body["automatic"], body["override_reason"]) == (
        "R-B",
        "R-A",
        "R-A is away",
    )
    audit = client.get("/api/v1/audit", params={"case": case["id"]}, headers=users.admin).json()
    (entry,) = [e for e in audit if e["action"] == "case.assign"]
    assert entry["detail"]["override"] is True and entry["detail"]["automatic"] == "R-A"


def test_the_quality_review_is_the_medical_directors(client, users, make_case):
    case = _case(client, users.intake, make_case(), signed=True)
    refused = client.post(f"/api/v1/cases/{case['id']}/quality-review", headers=users.admin)
    assert refused.status_code == 403
