"""The workbench's intake, registry and accounts pages through HTTP (the browser tests drive the
same pages in Chromium): corrections, closing a case, overrides, reviewers, users, passwords,
the medical director's release."""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from tests.web.support import ADMIN, case_file, csrf_of, sign_in

from openimr.domain import Decision, GuidelineCitation
from openimr.settings import Settings
from openimr.workflow import Role, Workflow
from openimr.workflow.schemas import DeterminationEdit, ItemEdit


def _upload(client: TestClient, data: dict[str, Any], **fields: str):  # type: ignore[no-untyped-def]
    page = client.get("/workbench/intake")
    assert page.status_code == 200
    return client.post(
        "/workbench/intake",
        data={"csrf": csrf_of(page.text), "disputes_medical_necessity": "on", **fields},
        files={"case_file": ("case.json", json.dumps(data).encode(), "application/json")},
    )


def _new_case() -> dict[str, Any]:
    data = case_file("knee-brace.json")
    data["case_id"] = "EX-2014-0042"
    data["claimant"]["date_of_injury"] = "2013-12-01"
    return data


def test_an_ineligible_application_is_corrected_and_screened_again(client, seeded) -> None:
    sign_in(client, seeded.tokens["intake"])
    created = _upload(  # unsigned: ineligible, until the signed form arrives
        client,
        _new_case(),
        signed="no",
        received_on="2014-02-19",
        review_type="expedited",
        claim_number="CLM-2291-77",
        employee_name="Maria Q. Lopez",
    )
    assert created.status_code == 303, created.text
    url = created.headers["location"].split("?")[0]
    page = client.get(url).text
    assert "<strong>Ineligible</strong>" in page
    assert "Correct the application and screen again" in page
    assert "Expedited" in page and "CLM-2291-77" in page and "Maria Q. Lopez" in page
    fields = {
        "csrf": csrf_of(page),
        "signed": "yes",
        "received_on": "2014-02-19",
        "review_type": "expedited",
        "disputes_medical_necessity": "on",
        "claim_number": "CLM-2291-77",
        "employee_name": "Maria Q. Lopez",
    }
    again = client.post(f"{url}/screening", data=fields)
    assert again.status_code == 303, again.text
    page = client.get(url).text
    assert "<strong>Eligible</strong>" in page
    assert "Earlier screenings (1)" in page
    assert "Corrected before the latest screening: signed" in page


def test_a_case_is_withdrawn_or_terminated_from_its_page_with_a_reason(client, seeded) -> None:
    sign_in(client, seeded.tokens["intake"])
    url = f"/workbench/cases/{seeded.cases['intake']}"
    page = client.get(url).text
    assert "Withdraw the application" in page and "Terminate the review" in page
    empty = client.post(f"{url}/withdrawal", data={"csrf": csrf_of(page), "reason": "  "})
    assert empty.status_code == 422
    assert 'id="withdraw-reason"' in empty.text and 'aria-invalid="true"' in empty.text
    done = client.post(
        f"{url}/termination", data={"csrf": csrf_of(page), "reason": "Authorized on Feb. 19"}
    )
    assert done.status_code == 303
    closed = client.get(done.headers["location"]).text
    assert "The review was terminated" in closed and "Authorized on Feb. 19" in closed
    assert "Withdraw the application" not in closed


def test_only_an_administrator_chooses_a_reviewer_and_only_with_a_reason(client, seeded) -> None:
    url = f"/workbench/cases/{seeded.cases['intake']}"
    sign_in(client, seeded.tokens["intake"])
    page = client.get(url).text
    assert "Assign the best qualified reviewer" in page and 'name="override_reason"' not in page
    client.post("/workbench/logout", data={"csrf": csrf_of(page)})
    sign_in(client, seeded.tokens["admin"])
    page = client.get(url).text
    # R-B carries one open case, R-A two: the rules choose R-B.
    plain = client.post(f"{url}/assignment", data={"csrf": csrf_of(page), "reviewer": "R-A"})
    assert plain.status_code == 409 and "automatic choice is R-B" in plain.text
    done = client.post(
        f"{url}/assignment",
        data={"csrf": csrf_of(page), "reviewer": "R-A", "override_reason": "Knows this employer"},
    )
    assert done.status_code == 303, done.text
    page = client.get(url).text
    assert "Override of the automatic choice (R-B): Knows this employer" in page


def test_the_registry_page_edits_and_deactivates_reviewers(client, seeded) -> None:
    sign_in(client, seeded.tokens["admin"])
    page = client.get("/workbench/reviewers").text
    assert "What assignment requires of a Doctor of Medicine (M.D.) reviewer" in page
    form = {
        "csrf": csrf_of(page),
        "code": "R-DC",
        "profession": "dc",
        "license_states": "CA",
        "specialties": "chiropractic",
        "years_active_practice": "9",
        "weekly_clinical_hours": "30",
    }
    added = client.post("/workbench/reviewers", data=form)
    assert added.status_code == 303, added.text
    page = client.get(added.headers["location"]).text
    assert "The reviewer was added" in page and "Yes: the qualification rules are met" in page
    assert "no board certification: the rules ask none of Doctor of Chiropractic" in page
    bad = client.post(
        "/workbench/reviewers/R-DC",
        data={**form, "weekly_clinical_hours": "many", "csrf": csrf_of(page)},
    )
    assert bad.status_code == 422 and 'id="weekly_clinical_hours"' in bad.text
    assert re.search(r'id="weekly_clinical_hours"[^>]*aria-invalid="true"', bad.text)
    saved = client.post(
        "/workbench/reviewers/R-DC",
        data={**form, "weekly_clinical_hours": "12", "csrf": csrf_of(page)},
    )
    assert saved.status_code == 303
    page = client.get(saved.headers["location"]).text
    assert "12 clinical hours a week; at least 24 required" in page
    off = client.post(
        "/workbench/reviewers/R-DC/active", data={"csrf": csrf_of(page), "active": "no"}
    )
    page = client.get(off.headers["location"]).text
    assert "The reviewer was deactivated" in page and "Reactivate R-DC" in page


def test_intake_staff_read_the_registry_and_may_not_manage_users(client, seeded) -> None:
    sign_in(client, seeded.tokens["intake"])
    page = client.get("/workbench/reviewers")
    assert page.status_code == 200 and "R-A" in page.text and "Add a reviewer" not in page.text
    assert client.get("/workbench/users").status_code == 403
    refused = client.post(
        "/workbench/reviewers/R-A/active", data={"csrf": csrf_of(page.text), "active": "no"}
    )
    assert refused.status_code == 403


def test_the_users_page_creates_rotates_sets_passwords_and_revokes(client, seeded) -> None:
    sign_in(client, seeded.tokens["admin"])
    page = client.get("/workbench/users").text
    assert "dr-a" in page and "oimr_" not in page
    created = client.post(
        "/workbench/users",
        data={
            "csrf": csrf_of(page),
            "name": "desk-2",
            "role": "intake",
            "password": "correct horse battery staple",
        },
    )
    assert created.status_code == 200 and "shown only this once" in created.text
    token = re.search(r'id="token-value">(oimr_[^<]+)<', created.text)
    assert token is not None
    again = client.get("/workbench/users").text
    assert token.group(1) not in again
    rotated = client.post("/workbench/users/desk-2/token", data={"csrf": csrf_of(again)})
    new = re.search(r'id="token-value">(oimr_[^<]+)<', rotated.text)
    assert new is not None and new.group(1) != token.group(1)
    short = client.post(
        "/workbench/users/desk-2/password", data={"csrf": csrf_of(again), "password": "short"}
    )
    assert short.status_code == 422 and "12 characters" in short.text
    revoked = client.post("/workbench/users/desk-2/revocation", data={"csrf": csrf_of(again)})
    assert revoked.status_code == 303
    assert "Revoked" in client.get("/workbench/users").text


def test_sign_in_by_name_and_password(client, seeded, workflow: Workflow) -> None:
    workflow.set_password(ADMIN, "intake", "correct horse battery staple")
    login = client.get("/workbench/login")
    wrong = client.post(
        "/workbench/login",
        data={"csrf": csrf_of(login.text), "name": "intake", "password": "not the password"},
    )
    assert wrong.status_code == 401 and "do not match an active user" in wrong.text
    assert 'value="intake"' in wrong.text and "not the password" not in wrong.text
    login = client.get("/workbench/login")
    right = client.post(
        "/workbench/login",
        data={
            "csrf": csrf_of(login.text),
            "name": "intake",
            "password": "correct horse battery staple",
        },
    )
    assert right.status_code == 303
    assert "Intake work" in client.get("/workbench/").text


def test_the_medical_director_releases_a_signed_determination(
    client, seeded, workflow: Workflow, clock
) -> None:
    held = Workflow(workflow.db, clock=clock, settings=Settings(quality_review=True))
    client.app.state.workflow = held  # type: ignore[attr-defined]
    case_id = seeded.cases["main"]
    reviewer = held.authenticate(seeded.tokens["dr-a"])
    count = len(held.get_case(ADMIN, case_id).case_file["disputed_items"])
    item = ItemEdit(
        action="edit",
        decision=Decision.UPHELD,
        guideline=GuidelineCitation(family="MTUS-CPMTG", sections=["Physical medicine"]),
        rationale="No functional improvement is documented.",
    )
    edit = DeterminationEdit(version=0, items=[item] * count)
    saved = held.save_determination(reviewer, case_id, edit)
    held.sign(reviewer, case_id, version=saved.version)
    _, token = held.create_user(ADMIN, "md", Role.MEDICAL_DIRECTOR)
    sign_in(client, token)
    assert client.get("/workbench/").status_code == 200
    assert client.get("/workbench/intake").status_code == 403
    url = f"/workbench/cases/{case_id}"
    page = client.get(url).text
    assert "Release the letter" in page and 'name="override_reason"' not in page
    released = client.post(f"{url}/quality-review", data={"csrf": csrf_of(page), "note": "Read"})
    assert released.status_code == 303, released.text
    page = client.get(released.headers["location"]).text
    assert "The quality review is done" in page and "quality review: released (Read)" in page
    assert "Release the letter" not in page


@given(
    st.dictionaries(
        st.sampled_from(
            [
                "profession",
                "license_states",
                "specialties",
                "years_active_practice",
                "weekly_clinical_hours",
                "max_open_cases",
                "board_certifications",
                "name",
            ]
        ),
        st.text(max_size=30),
    )
)
def test_any_registry_form_is_a_change_or_an_error_naming_its_field(typed: dict[str, str]) -> None:
    from pydantic import ValidationError

    from openimr.errors import InputError
    from openimr.web.registry import _FIELDS, _data, _invalid
    from openimr.workflow.schemas import ReviewerChange

    values = dict.fromkeys(_FIELDS, "") | typed
    try:
        try:
            ReviewerChange.model_validate(_data(values))
        except ValidationError as exc:
            raise _invalid(exc) from None
    except InputError as exc:
        assert exc.location and exc.location.split("[")[0].split(".")[0] in _FIELDS
