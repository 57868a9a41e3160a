"""The physician's sign-off: the pure rules of signoff.py, and drafts and signatures in the store
with their optimistic lock, on both backends."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest
from sqlalchemy import event, update
from sqlalchemy.orm import Session
from tests.support import ADMIN, case_data, reviewer_data

from openimr.casefile import parse_case_data
from openimr.domain import Decision, Determination, GuidelineCitation, ItemDetermination
from openimr.domain.determination import Flag, ReviewerCredentials
from openimr.errors import AccessDenied, ConflictError, InputError, WorkflowError
from openimr.store.models import DeterminationRecord
from openimr.workflow import Application, Role, Workflow, signoff
from openimr.workflow.schemas import (
    AssignmentRequest,
    DeterminationEdit,
    DeterminationStatus,
    ItemEdit,
    ItemReview,
    ReviewerIn,
    SignoffFinding,
)

CITATION = GuidelineCitation(family="MTUS-CPMTG", sections=["Physical medicine"], pages="98-99")


def _edit(rationale: str = "No functional improvement is documented.", **kw: Any) -> ItemEdit:
    return ItemEdit(
        action="edit", decision=Decision.UPHELD, guideline=CITATION, rationale=rationale, **kw
    )


def _proposal(count: int = 1) -> Determination:
    case_file = parse_case_data(case_data())
    return Determination(
        case_id=case_file.case_id,
        source="engine",
        items=[
            ItemDetermination(
                request=f"item {n}",
                decision=Decision.OVERTURNED,
                guideline=CITATION,
                rationale="The guideline's criteria are met.",
            )
            for n in range(count)
        ],
    )


# -- the pure rules ------------------------------------------------------------------------


def test_accepting_copies_the_proposal_and_editing_records_what_changed() -> None:
    case_file = parse_case_data(case_data())
    proposal = _proposal()
    accepted, states = signoff.apply_edit(
        case_file, proposal, None, None, DeterminationEdit(items=[ItemEdit(action="accept")])
    )
    assert states == [ItemReview.ACCEPTED]
    assert accepted.items[0].decision == proposal.items[0].decision
    assert accepted.source == "reviewer"
    assert signoff.changes(proposal, accepted, states)[0].changed_fields == []
    edited, states = signoff.apply_edit(
        case_file, proposal, accepted, states, DeterminationEdit(items=[_edit()])
    )
    assert states == [ItemReview.EDITED]
    changed = signoff.changes(proposal, edited, states)[0]
    assert changed.review is ItemReview.EDITED
    assert set(changed.changed_fields) == {"decision", "rationale"}


def test_edits_are_checked_item_by_item() -> None:
    case_file = parse_case_data(case_data())
    proposal = _proposal()
    with pytest.raises(InputError, match="expected 1 item"):
        signoff.apply_edit(case_file, proposal, None, None, DeterminationEdit(items=[_edit()] * 2))
    with pytest.raises(InputError, match="accepted item takes no changes"):
        signoff.apply_edit(
            case_file,
            proposal,
            None,
            None,
            DeterminationEdit(items=[ItemEdit(action="accept", rationale="mine")]),
        )
    with pytest.raises(InputError, match="no proposal to accept"):
        signoff.apply_edit(
            case_file, None, None, None, DeterminationEdit(items=[ItemEdit(action="accept")])
        )
    with pytest.raises(InputError, match="needs: decision, guideline") as missing:
        signoff.apply_edit(
            case_file, None, None, None, DeterminationEdit(items=[ItemEdit(action="edit")])
        )
    assert missing.value.location == "items[0].decision"


def test_only_a_determination_with_every_item_looked_at_is_ready_to_sign() -> None:
    signoff.ready_to_sign([ItemReview.ACCEPTED, ItemReview.EDITED])
    with pytest.raises(WorkflowError, match=r"item\(s\) 2 have been neither"):
        signoff.ready_to_sign([ItemReview.ACCEPTED, ItemReview.PENDING])


def _flagged(decision: Decision, rationale: str, *, flags: int = 1) -> Determination:
    return Determination(
        items=[
            ItemDetermination(
                request="Lumbar MRI",
                decision=decision,
                guideline=CITATION,
                rationale=rationale,
                flags=[Flag(code="not_documented", message="Records silent.")] * flags,
            )
        ]
    )


NOT_NECESSARY = "No red flags are documented. The MRI is not medically necessary."


def test_a_contradiction_blocks_signing_naming_the_item_and_quoting_the_sentence() -> None:
    determination = _flagged(Decision.OVERTURNED, NOT_NECESSARY)
    findings = signoff.letter_findings(determination)
    assert [(f.item, f.severity, f.code) for f in findings] == [
        (1, "error", "decision-contradicts-rationale")
    ]
    with pytest.raises(WorkflowError) as refused:
        signoff.clear_to_sign(
            [ItemReview.EDITED], determination, findings, acknowledged_flags=[1], reason="sure"
        )
    message = refused.value.message
    assert "item 1 (Lumbar MRI) is Overturned" in message
    assert "[decision-contradicts-rationale]" in message
    assert "“The MRI is not medically necessary.”" in message


def test_every_flagged_item_is_acknowledged_before_signing() -> None:
    determination = _flagged(Decision.UPHELD, NOT_NECESSARY)
    findings = signoff.letter_findings(determination)
    with pytest.raises(InputError) as refused:
        signoff.clear_to_sign([ItemReview.ACCEPTED], determination, findings)
    assert refused.value.location == "acknowledged_flags"
    assert "item 1 (not_documented)" in refused.value.detail
    with pytest.raises(InputError, match="there is no item 2"):
        signoff.clear_to_sign(
            [ItemReview.ACCEPTED], determination, findings, acknowledged_flags=[1, 2]
        )
    clearance = signoff.clear_to_sign(
        [ItemReview.ACCEPTED], determination, findings, acknowledged_flags=[1, 1]
    )
    assert clearance.audit() == {
        "flags_acknowledged": [1],
        "warnings_overridden": [],
        "reason": None,
    }


def test_a_warning_is_passed_only_with_a_written_reason() -> None:
    determination = _flagged(Decision.UPHELD, NOT_NECESSARY, flags=0)
    warning = SignoffFinding(
        item=1, severity="warning", code="not-in-force", message="cites an old edition"
    )
    note = SignoffFinding(item=1, severity="info", code="no-conclusion", message="says nothing")
    for reason in (None, "", "  \n "):
        with pytest.raises(InputError) as refused:
            signoff.clear_to_sign([ItemReview.EDITED], determination, [warning], reason=reason)
        assert refused.value.location == "reason"
        assert "item 1: cites an old edition [not-in-force]" in refused.value.detail
    clearance = signoff.clear_to_sign(
        [ItemReview.EDITED], determination, [warning, note], reason=" The UR cited it. "
    )
    assert clearance.audit() == {
        "flags_acknowledged": [],
        "warnings_overridden": [{"item": 1, "code": "not-in-force"}],
        "reason": "The UR cited it.",
    }
    # notes are shown, never in the way; a reason without a warning is not kept
    quiet = signoff.clear_to_sign([ItemReview.EDITED], determination, [note], reason="why")
    assert quiet.reason is None


def test_pending_items_are_refused_before_the_letter_is_looked_at() -> None:
    determination = _flagged(Decision.OVERTURNED, NOT_NECESSARY)
    with pytest.raises(WorkflowError, match="neither accepted nor edited"):
        signoff.clear_to_sign(
            [ItemReview.PENDING], determination, signoff.letter_findings(determination)
        )


def test_finalize_fills_in_the_reviewer_and_the_dates() -> None:
    credentials = ReviewerCredentials(licensure=["CA"], specialty="pm&r")
    signed = signoff.finalize(
        _proposal(),
        case_id="CM26-0001",
        credentials=credentials,
        decision_date=date(2026, 11, 20),
        date_assigned=date(2026, 11, 12),
        application_received=date(2026, 11, 11),
        priority="standard",
    )
    assert signed.source == "reviewer" and signed.reviewer == credentials
    assert (signed.decision_date, signed.date_assigned) == (date(2026, 11, 20), date(2026, 11, 12))


# -- drafts and signatures in the store ----------------------------------------------------


@pytest.fixture
def reviewing(workflow: Workflow) -> tuple[Any, str]:
    """A reviewer's actor and a case of theirs whose records are complete."""
    workflow.add_reviewer(ADMIN, ReviewerIn.model_validate(reviewer_data("R-A")))
    _, token = workflow.create_user(ADMIN, "rev-a", Role.REVIEWER, reviewer_code="R-A")
    case = workflow.create_case(ADMIN, parse_case_data(case_data()), Application(signed=True))
    workflow.assign(ADMIN, case.id, AssignmentRequest(reviewer="R-A"))  # the only reviewer
    workflow.mark_records_complete(ADMIN, case.id)
    return workflow.authenticate(token), case.id


def test_versions_count_saves_and_a_signed_determination_is_frozen(
    workflow: Workflow, reviewing: tuple[Any, str]
) -> None:
    reviewer, case_id = reviewing
    first = workflow.save_determination(
        reviewer, case_id, DeterminationEdit(version=0, items=[_edit()])
    )
    assert (first.status, first.version) == (DeterminationStatus.DRAFT, 1)
    second = workflow.save_determination(
        reviewer, case_id, DeterminationEdit(version=1, items=[_edit("Second thoughts.")])
    )
    assert second.version == 2
    with pytest.raises(ConflictError, match="at version 2; you edited version 1"):
        workflow.save_determination(
            reviewer, case_id, DeterminationEdit(version=1, items=[_edit()])
        )
    with pytest.raises(AccessDenied):
        workflow.sign(ADMIN, case_id, version=2)
    signed = workflow.sign(reviewer, case_id, version=2)
    assert (signed.status, signed.version) == (DeterminationStatus.SIGNED, 3)
    assert [r.action for r in signed.revisions] == ["edit", "edit", "sign"]
    assert signed.determination is not None and signed.determination.reviewer is not None
    assert workflow.get_case(ADMIN, case_id).status == "determination_signed"
    with pytest.raises(ConflictError, match="already signed"):
        workflow.sign(reviewer, case_id, version=3)
    with pytest.raises(WorkflowError):
        workflow.save_determination(
            reviewer, case_id, DeterminationEdit(version=3, items=[_edit()])
        )


@contextmanager
def someone_else_saves_first() -> Iterator[None]:
    """Just before a changed determination is written, someone else saves a new version of it
    (in the same transaction here, which the version check cannot tell from another one)."""

    def bump(session: Session, _context: Any, _instances: Any) -> None:
        for row in session.dirty:
            if isinstance(row, DeterminationRecord):
                session.connection().execute(
                    update(DeterminationRecord)
                    .where(DeterminationRecord.id == row.id)
                    .values(version=DeterminationRecord.version + 1)
                )

    event.listen(Session, "before_flush", bump)
    try:
        yield
    finally:
        event.remove(Session, "before_flush", bump)


def test_a_save_that_loses_the_race_is_refused_and_writes_nothing(
    workflow: Workflow, reviewing: tuple[Any, str]
) -> None:
    reviewer, case_id = reviewing
    workflow.save_determination(reviewer, case_id, DeterminationEdit(version=0, items=[_edit()]))
    with someone_else_saves_first():
        with pytest.raises(ConflictError, match="changed or signed by someone else"):
            workflow.save_determination(
                reviewer, case_id, DeterminationEdit(version=1, items=[_edit("Lost update?")])
            )
        with pytest.raises(ConflictError, match="changed or signed by someone else"):
            workflow.sign(reviewer, case_id, version=1)
    view = workflow.get_determination(reviewer, case_id)
    assert (view.status, view.version, len(view.revisions)) == (DeterminationStatus.DRAFT, 1, 1)
    assert view.determination is not None
    assert view.determination.items[0].rationale == "No functional improvement is documented."
    assert workflow.get_case(reviewer, case_id).status == "in_review"
