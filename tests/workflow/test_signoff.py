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
from openimr.domain.determination import ReviewerCredentials
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
    workflow.assign(ADMIN, case.id, AssignmentRequest(reviewer="R-A"))
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
