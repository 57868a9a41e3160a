"""Intake without dead ends, in the store on both backends: a case found ineligible for a
reason the applicant can cure is corrected and screened again with its history kept; an
ineligible case does not make the corrected filing a duplicate; the review type and the
parties the application names reach the case, the letter and the publication's redactor; an
administrator's override of the automatic assignment is kept with its reason; a medical
director's quality review holds the letter until released."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from tests.support import ADMIN, NOW, case_data, reviewer_data

from openimr.casefile import parse_case_data
from openimr.domain import Decision, GuidelineCitation
from openimr.errors import AccessDenied, InputError, WorkflowError
from openimr.settings import Settings
from openimr.workflow import Application, Role, Workflow
from openimr.workflow.schemas import (
    AssignmentRequest,
    DeterminationEdit,
    ItemEdit,
    ReviewerChange,
    ReviewerIn,
)
from openimr.workflow.service.letters import application_parties

#: A case file whose records hold no copy of the UR decision.
NO_UR_COPY = {
    "records": [
        {
            "kind": "progress_report",
            "date": "2026-10-01",
            "author": "Dana Lee, MD",
            "specialty": "orthopedic surgery",
            "text": "Low back pain radiating to the left leg. Request physical therapy.",
        }
    ]
}


def _actions(workflow: Workflow, case_id: str) -> list[dict[str, Any]]:
    workflow.seal_audit()
    return [
        {"action": e.action, **e.detail} for e in workflow.audit_entries(ADMIN, case_id=case_id)
    ]


def test_a_case_ineligible_for_a_missing_copy_is_corrected_and_screened_again(
    workflow: Workflow,
) -> None:
    case = workflow.create_case(
        ADMIN, parse_case_data(case_data(**NO_UR_COPY)), Application(signed=True)
    )
    assert case.status == "ineligible" and case.eligibility is not None
    assert case.eligibility.correctable
    corrected = workflow.screen_case(
        ADMIN, case.id, Application(signed=True, ur_decision_attached=True)
    )
    assert corrected.status == "eligible"
    assert [s.outcome for s in corrected.screenings] == ["ineligible", "eligible"]
    assert corrected.screenings[1].changed == ["ur_decision_attached"]
    assert any("copy of the UR decision" in r for r in corrected.screenings[0].reasons)
    transitions = [(e.from_status, e.to_status) for e in corrected.events]
    assert transitions[-2:] == [("application_received", "ineligible"), ("ineligible", "eligible")]
    assert "after correcting ur_decision_attached" in (corrected.events[-1].reason or "")
    screened = [a for a in _actions(workflow, case.id) if a["action"] == "case.screen"]
    assert screened[-1]["corrected"] == ["ur_decision_attached"]
    assert workflow.get_case(ADMIN, case.id).deadlines  # the clock runs again


def test_a_case_ineligible_for_good_is_not_screened_again(workflow: Workflow) -> None:
    late = case_data(ur_decision_date=(NOW.date() - timedelta(days=90)).isoformat())
    case = workflow.create_case(ADMIN, parse_case_data(late), Application(signed=True))
    assert case.status == "ineligible" and not case.eligibility.correctable  # type: ignore[union-attr]
    with pytest.raises(WorkflowError, match="cannot cure"):
        workflow.screen_case(ADMIN, case.id, Application(signed=True))


def test_a_corrected_filing_is_not_a_duplicate_of_the_ineligible_one(workflow: Workflow) -> None:
    first = workflow.create_case(
        ADMIN, parse_case_data(case_data(**NO_UR_COPY)), Application(signed=True)
    )
    assert first.status == "ineligible"
    second = workflow.create_case(ADMIN, parse_case_data(case_data()), Application(signed=True))
    assert second.status == "eligible" and second.eligibility.duplicate_of == []  # type: ignore[union-attr]
    third = workflow.create_case(ADMIN, parse_case_data(case_data()), Application(signed=True))
    assert third.status == "ineligible" and third.eligibility.duplicate_of == [second.id]  # type: ignore[union-attr]
    # The first, corrected now, finds the dispute already on file.
    again = workflow.screen_case(
        ADMIN, first.id, Application(signed=True, ur_decision_attached=True)
    )
    assert again.status == "ineligible" and again.eligibility.duplicate_of == [second.id]  # type: ignore[union-attr]


def test_the_review_type_given_at_intake_sets_the_case_and_its_deadlines(
    workflow: Workflow,
) -> None:
    regular = workflow.create_case(ADMIN, parse_case_data(case_data()), Application(signed=True))
    expedited = workflow.create_case(
        ADMIN,
        parse_case_data(
            case_data(
                case_id="CM26-0002",
                disputed_items=[{"request": "Lumbar MRI", "ur_decision": "denied"}],
            )
        ),
        Application(signed=True, review_type="expedited"),
    )
    assert (regular.review_type, expedited.review_type) == ("regular", "expedited")
    due = {d.name: d.due_on for d in expedited.deadlines}
    regular_due = {d.name: d.due_on for d in regular.deadlines}
    assert due["records"] < regular_due["records"]


def test_withdrawal_needs_a_reason_and_closes_the_case(workflow: Workflow) -> None:
    case = workflow.create_case(ADMIN, parse_case_data(case_data()), Application(signed=True))
    with pytest.raises(InputError) as refused:
        workflow.withdraw(ADMIN, case.id, "   ")
    assert refused.value.location == "reason"
    closed = workflow.withdraw(ADMIN, case.id, "The employee wrote to withdraw.")
    assert closed.status == "withdrawn"
    assert closed.events[-1].reason == "The employee wrote to withdraw."


def test_the_parties_the_application_names_reach_the_redactor() -> None:
    from openimr.publication import redactor_for

    app = Application(
        employee_name="Maria Q. Lopez", claim_number="CLM-2291-77", employer="Acme Freight"
    )
    redactor = redactor_for(application_parties(app), parse_case_data(case_data()))
    text = "Ms. Maria Lopez (claim CLM-2291-77) of Acme Freight reports low back pain."
    (result,) = redactor.redact_many([text])
    for identity in ("Maria", "Lopez", "CLM-2291-77", "Acme"):
        assert identity not in result.text
    assert "low back pain" in result.text


def _sign(workflow: Workflow, app: Application) -> str:
    workflow.add_reviewer(ADMIN, ReviewerIn.model_validate(reviewer_data("R-A")))
    _, token = workflow.create_user(ADMIN, "rev-a", Role.REVIEWER, reviewer_code="R-A")
    case = workflow.create_case(ADMIN, parse_case_data(case_data()), app)
    workflow.assign(ADMIN, case.id)
    workflow.mark_records_complete(ADMIN, case.id)
    reviewer = workflow.authenticate(token)
    edit = ItemEdit(
        action="edit",
        decision=Decision.UPHELD,
        guideline=GuidelineCitation(family="MTUS-CPMTG", sections=["Physical medicine"]),
        rationale="No functional improvement is documented.",
    )
    workflow.save_determination(reviewer, case.id, DeterminationEdit(version=0, items=[edit]))
    workflow.sign(reviewer, case.id, version=1)
    return case.id


def test_the_letter_names_the_employee_and_claim_and_the_publication_does_not(
    workflow: Workflow,
) -> None:
    app = Application(signed=True, employee_name="Maria Q. Lopez", claim_number="CLM-2291-77")
    case_id = _sign(workflow, app)
    letter = workflow.get_letter(ADMIN, case_id, "text").content.decode()
    assert "Employee:" in letter and "Maria Q. Lopez" in letter and "CLM-2291-77" in letter
    published = workflow.published(ADMIN, case_id, "text").content.decode()
    assert "Maria" not in published and "CLM-2291-77" not in published


def test_quality_review_holds_the_letter_until_the_medical_director_releases_it(
    database: Any, clock: Any
) -> None:
    workflow = Workflow(database, clock=clock, settings=Settings(quality_review=True))
    case_id = _sign(workflow, Application(signed=True))
    held = workflow.get_case(ADMIN, case_id)
    assert held.quality_review_pending
    with pytest.raises(WorkflowError, match="quality review"):
        workflow.get_letter(ADMIN, case_id, "text")
    with pytest.raises(AccessDenied):
        workflow.release_determination(ADMIN, case_id)
    _, token = workflow.create_user(ADMIN, "md-1", Role.MEDICAL_DIRECTOR)
    director = workflow.authenticate(token)
    assert workflow.get_determination(director, case_id).status == "signed"
    released = workflow.release_determination(director, case_id, "Read in full.")
    assert not released.quality_review_pending and released.quality_reviewed_at is not None
    assert released.events[-1].reason == "quality review: released (Read in full.)"
    with pytest.raises(WorkflowError, match="already released"):
        workflow.release_determination(director, case_id)
    assert workflow.get_letter(ADMIN, case_id, "text").content
    assert any(a["action"] == "determination.quality_review" for a in _actions(workflow, case_id))
    with pytest.raises(AccessDenied):
        workflow.create_case(director, parse_case_data(case_data()), Application())


def test_only_an_administrator_overrides_the_automatic_assignment_with_a_reason(
    workflow: Workflow,
) -> None:
    for code in ("R-A", "R-B"):
        workflow.add_reviewer(ADMIN, ReviewerIn.model_validate(reviewer_data(code)))
    _, token = workflow.create_user(ADMIN, "intake", Role.INTAKE)
    intake = workflow.authenticate(token)
    case = workflow.create_case(ADMIN, parse_case_data(case_data()), Application(signed=True))
    with pytest.raises(WorkflowError, match="automatic choice is R-A"):
        workflow.assign(ADMIN, case.id, AssignmentRequest(reviewer="R-B"))
    with pytest.raises(AccessDenied):
        workflow.assign(
            intake, case.id, AssignmentRequest(reviewer="R-B", override_reason="Knows the file")
        )
    done = workflow.assign(
        ADMIN, case.id, AssignmentRequest(reviewer="R-B", override_reason="R-A is on leave")
    )
    assert (done.reviewer, done.automatic, done.override_reason) == (
        "R-B",
        "R-A",
        "R-A is on leave",
    )
    assert any("override of the automatic choice (R-A)" in r for r in done.reasons)
    entry = [a for a in _actions(workflow, case.id) if a["action"] == "case.assign"][-1]
    assert entry["override"] is True and entry["reason"] == "R-A is on leave"
    detail = workflow.get_case(ADMIN, case.id)
    assert "over the automatic choice (R-A): R-A is on leave" in (detail.events[-1].reason or "")


def test_an_override_passes_a_case_limit_but_never_a_qualification(workflow: Workflow) -> None:
    workflow.add_reviewer(ADMIN, ReviewerIn.model_validate(reviewer_data("R-A", max_open_cases=1)))
    workflow.add_reviewer(
        ADMIN, ReviewerIn.model_validate(reviewer_data("R-B", weekly_clinical_hours=10))
    )
    first = workflow.create_case(ADMIN, parse_case_data(case_data()), Application(signed=True))
    workflow.assign(ADMIN, first.id)
    second = workflow.create_case(
        ADMIN,
        parse_case_data(
            case_data(
                case_id="CM26-0002",
                disputed_items=[{"request": "Lumbar MRI", "ur_decision": "denied"}],
            )
        ),
        Application(signed=True),
    )
    with pytest.raises(WorkflowError, match="no reviewer in the registry qualifies"):
        workflow.assign(ADMIN, second.id)
    with pytest.raises(WorkflowError, match="clinical hours"):
        workflow.assign(
            ADMIN, second.id, AssignmentRequest(reviewer="R-B", override_reason="Urgent")
        )
    done = workflow.assign(
        ADMIN, second.id, AssignmentRequest(reviewer="R-A", override_reason="Urgent backlog")
    )
    assert done.reviewer == "R-A" and done.automatic is None


def test_reviewers_are_edited_and_deactivated_and_say_what_keeps_them_off_cases(
    workflow: Workflow,
) -> None:
    added = workflow.add_reviewer(
        ADMIN,
        ReviewerIn.model_validate(
            reviewer_data(
                "R-DC", profession="dc", board_certifications=[], specialties=["chiropractic"]
            )
        ),
    )
    assert added.qualification_problems == []  # no board asked of a chiropractor
    md = workflow.add_reviewer(
        ADMIN, ReviewerIn.model_validate(reviewer_data("R-MD", board_certifications=[]))
    )
    assert any("board certification" in p for p in md.qualification_problems)
    changed = workflow.update_reviewer(
        ADMIN, "R-MD", ReviewerChange(board_certifications=["ABPMR"], weekly_clinical_hours=20)
    )
    assert changed.board_certifications == ["ABPMR"]
    assert changed.qualification_problems == ["20 clinical hours a week; at least 24 required"]
    off = workflow.set_reviewer_active(ADMIN, "R-DC", active=False)
    assert not off.active and off.qualification_problems == ["inactive in the registry"]
    with pytest.raises(InputError) as refused:
        workflow.update_reviewer(ADMIN, "R-MD", ReviewerChange(profession="vet"))
    assert refused.value.location == "profession"
    with pytest.raises(InputError):
        workflow.update_reviewer(
            ADMIN, "R-MD", ReviewerChange.model_validate({"specialties": None})
        )
    _, token = workflow.create_user(ADMIN, "intake", Role.INTAKE)
    with pytest.raises(AccessDenied):
        workflow.update_reviewer(workflow.authenticate(token), "R-MD", ReviewerChange(active=False))
    actions = [e.action for e in workflow.audit_entries(ADMIN)]
    assert {"reviewer.update", "reviewer.deactivate"} <= set(actions)
    needs = workflow.reviewer_requirements(ADMIN, "dc")
    assert any("no board certification" in line for line in needs)
