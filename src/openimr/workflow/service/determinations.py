"""The reviewer's determination: drafts with optimistic locking, and the sign-off.

The proposal stays as the engine made it; the draft starts as a copy and records, per item,
whether the reviewer accepted or edited it (pure rules in :mod:`openimr.workflow.signoff`).
Every save names the version it edited, and is refused if the draft moved on since; the row's
version is SQLAlchemy's ``version_id_col``, so two saves of one version at the same moment
cannot both win. A signed determination is frozen; only a signed one gets a letter.

Signing checks the letter it would produce (:func:`openimr.workflow.signoff.clear_to_sign`):
errors block it, warnings need the reviewer's written reason, flagged items are acknowledged;
the audit entry of the signature keeps the acknowledgements, the warnings and the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from openimr.casefile import CaseFile
from openimr.domain import Determination
from openimr.domain.determination import ReviewerCredentials
from openimr.errors import AccessDenied, ConflictError, InputError, WorkflowError
from openimr.store.models import (
    Assignment,
    Case,
    DeterminationRecord,
    DeterminationRevision,
    Proposal,
    Reviewer,
)
from openimr.workflow import signoff
from openimr.workflow.schemas import (
    Actor,
    DeterminationEdit,
    DeterminationRevisionOut,
    DeterminationStatus,
    DeterminationView,
    SignoffFinding,
)
from openimr.workflow.service.cases import effective_case_file, store_deadlines
from openimr.workflow.service.proposals import latest_proposal
from openimr.workflow.service.unit import Core, Unit, sha256_hex
from openimr.workflow.states import REVIEWABLE, CaseStatus, check_transition


def get_determination(core: Core, actor: Actor, case_id: str) -> DeterminationView:
    with core.unit(actor) as unit:
        case = unit.case(case_id, "determination.read")
        unit.record("determination.read", case.id)
        return view(unit.session, case, core.today())


def view(session: Session, case: Case, today: date) -> DeterminationView:
    """The determination with what changed from the proposal, and every saved version; for a
    draft, what the letter signing it today would get wrong."""
    record = _record(session, case)
    proposal_row = (
        session.get(Proposal, record.proposal_id)
        if record is not None and record.proposal_id
        else latest_proposal(session, case.id)
    )
    outdated = bool(proposal_row and proposal_row.case_file_sha256 != case.case_file_sha256)
    if record is None:
        return DeterminationView(
            case_id=case.id,
            status=DeterminationStatus.NONE,
            version=0,
            determination=None,
            proposal_id=proposal_row.id if proposal_row else None,
            proposal_outdated=outdated,
            items=[],
            revisions=[],
        )
    proposal = Determination.model_validate_json(proposal_row.content) if proposal_row else None
    determination = Determination.model_validate_json(record.content)
    revisions = session.execute(
        select(DeterminationRevision)
        .where(DeterminationRevision.determination_id == record.id)
        .order_by(DeterminationRevision.version)
    ).scalars()
    draft = record.status == DeterminationStatus.DRAFT
    return DeterminationView(
        case_id=case.id,
        status=DeterminationStatus(record.status),
        version=record.version,
        determination=determination,
        proposal_id=record.proposal_id,
        proposal_outdated=outdated,
        items=signoff.changes(proposal, determination, list(record.item_review)),
        revisions=[
            DeterminationRevisionOut.model_validate(r, from_attributes=True) for r in revisions
        ],
        signed_at=record.signed_at,
        content_sha256=record.content_sha256,
        findings=_findings(session, case, record, today) if draft else [],
        signs_as_version=record.version + 1 if draft else None,
    )


def _findings(
    session: Session, case: Case, record: DeterminationRecord, today: date
) -> list[SignoffFinding]:
    """The letter checker on the draft as signing it today would make it (the dates filled
    in; the credentials do not change what is checked)."""
    return signoff.letter_findings(would_sign(session, case, record, ReviewerCredentials(), today))


# -- drafts ------------------------------------------------------------------------------


def save_determination(
    core: Core,
    actor: Actor,
    case_id: str,
    edit: DeterminationEdit,
    *,
    if_match: int | None = None,
) -> DeterminationView:
    """Save the reviewer's accepts and edits; refused if the version moved on (409)."""
    expected = edit.version if edit.version is not None else if_match
    if expected is None:
        raise InputError(
            "say which version you edited: a `version` field or an If-Match header",
            location="version",
        )
    if edit.version is not None and if_match is not None and edit.version != if_match:
        raise InputError("the If-Match header and the version field disagree", location="version")
    with core.unit(actor) as unit:
        case = unit.case(case_id, "determination.edit")
        session = unit.session
        if case.status not in REVIEWABLE:
            raise WorkflowError(
                f"case {case.id} is {case.status}; the determination can be edited once the "
                "records are complete and until it is signed"
            )
        record = _record(session, case)
        case_file = effective_case_file(session, case)
        if record is None:
            record = _first_draft(unit, case, case_file, edit, expected)
        else:
            _next_draft(unit, record, case_file, edit, expected)
        _revision(unit, record, "edit")
        if case.status == CaseStatus.RECORDS_COMPLETE:
            unit.transition(case, CaseStatus.IN_REVIEW, reason="review started")
        unit.record(
            "determination.edit", case.id, version=record.version, items=list(record.item_review)
        )
        session.flush()
        return view(session, case, core.today())


def _first_draft(
    unit: Unit, case: Case, case_file: CaseFile, edit: DeterminationEdit, expected: int
) -> DeterminationRecord:
    """Version 1: the reviewer's edit applied to the latest proposal (if there is one)."""
    if expected != 0:
        raise ConflictError(
            f"there is no determination yet (version 0); you edited version {expected}"
        )
    session = unit.session
    proposal_row = latest_proposal(session, case.id)
    proposal = Determination.model_validate_json(proposal_row.content) if proposal_row else None
    draft, review = signoff.apply_edit(case_file, proposal, None, None, edit)
    content = draft.model_dump_json()
    record = DeterminationRecord(
        case_id=case.id,
        proposal_id=proposal_row.id if proposal_row else None,
        status=DeterminationStatus.DRAFT,
        content=content,
        item_review=review,
        content_sha256=sha256_hex(content.encode()),
        updated_at=unit.core.now(),
    )
    session.add(record)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise ConflictError(
            "another determination was started at the same moment; reload and retry"
        ) from None
    return record


def _next_draft(
    unit: Unit,
    record: DeterminationRecord,
    case_file: CaseFile,
    edit: DeterminationEdit,
    expected: int,
) -> None:
    """The next version of a draft: refused unless the reviewer edited the current one."""
    if record.status == DeterminationStatus.SIGNED:
        raise ConflictError("the determination is signed; it can no longer change")
    if record.version != expected:
        raise ConflictError(
            f"the determination is at version {record.version}; you edited version "
            f"{expected}. Reload it and apply your changes again"
        )
    session = unit.session
    proposal_row = session.get(Proposal, record.proposal_id) if record.proposal_id else None
    proposal = Determination.model_validate_json(proposal_row.content) if proposal_row else None
    current = Determination.model_validate_json(record.content)
    draft, review = signoff.apply_edit(case_file, proposal, current, list(record.item_review), edit)
    record.content = draft.model_dump_json()
    record.item_review = review
    record.content_sha256 = sha256_hex(record.content.encode())
    record.updated_at = unit.core.now()
    _write_locked(session, record)


# -- sign-off ----------------------------------------------------------------------------


def sign(
    core: Core,
    actor: Actor,
    case_id: str,
    *,
    version: int | None,
    acknowledged_flags: Sequence[int] = (),
    reason: str | None = None,
) -> DeterminationView:
    """Sign the determination: frozen from then on; only a signed one gets a letter. Refused
    while the letter it produces would be inconsistent (see the module's docstring)."""
    if version is None:
        raise InputError(
            "say which version you sign: a `version` field or an If-Match header",
            location="version",
        )
    with core.unit(actor) as unit:
        case = unit.case(case_id, "determination.sign")
        session = unit.session
        record = _record(session, case)
        if record is None:
            raise WorkflowError("there is no determination to sign; save it first")
        if record.status == DeterminationStatus.SIGNED:
            raise ConflictError("the determination is already signed")
        if record.version != version:
            raise ConflictError(
                f"the determination is at version {record.version}; you are signing version "
                f"{version}. Reload it and review the changes"
            )
        if case.status != CaseStatus.IN_REVIEW:
            check_transition(case.status, CaseStatus.DETERMINATION_SIGNED)
        signed = _signed(unit, case, record)
        clearance = signoff.clear_to_sign(
            list(record.item_review),
            signed,
            signoff.letter_findings(signed),
            acknowledged_flags=acknowledged_flags,
            reason=reason,
        )
        content = signed.model_dump_json()
        now = core.now()
        record.content = content
        record.status = DeterminationStatus.SIGNED
        record.content_sha256 = sha256_hex(content.encode())
        record.signed_by = actor.user_id
        record.signed_at = now
        record.updated_at = now
        _write_locked(session, record)
        _revision(unit, record, "sign")
        case.signed_on = core.today()
        unit.transition(case, CaseStatus.DETERMINATION_SIGNED, reason="signed")
        unit.record(
            "determination.sign",
            case.id,
            version=record.version,
            sha256=record.content_sha256,
            **clearance.audit(),
        )
        store_deadlines(core, session, case)
        session.flush()
        return view(session, case, core.today())


def _signed(unit: Unit, case: Case, record: DeterminationRecord) -> Determination:
    """The draft as signed: the signing reviewer's credentials and the case's dates."""
    session, actor = unit.session, unit.actor
    reviewer = session.get(Reviewer, actor.reviewer_id) if actor.reviewer_id else None
    if reviewer is None:
        raise AccessDenied("only a reviewer in the registry can sign")
    return would_sign(session, case, record, credentials(reviewer), unit.core.today())


def credentials(reviewer: Reviewer) -> ReviewerCredentials:
    """What a letter says of its reviewer (never the name)."""
    return ReviewerCredentials(
        licensure=list(reviewer.license_states),
        certifications=list(reviewer.board_certifications),
        specialty=reviewer.specialties[0] if reviewer.specialties else None,
    )


def would_sign(
    session: Session,
    case: Case,
    record: DeterminationRecord,
    reviewer: ReviewerCredentials,
    today: date,
) -> Determination:
    """The draft as signing it today by ``reviewer`` makes it: what the letter states."""
    first_assignment = session.execute(
        select(func.min(Assignment.assigned_at)).where(Assignment.case_id == case.id)
    ).scalar()
    return signoff.finalize(
        Determination.model_validate_json(record.content),
        case_id=case.external_id or case.id,
        credentials=reviewer,
        decision_date=today,
        date_assigned=case.assigned_on or (first_assignment.date() if first_assignment else None),
        application_received=case.received_on,
        priority="expedited" if case.review_type == "expedited" else "standard",
    )


# -- rows --------------------------------------------------------------------------------


def _record(session: Session, case: Case) -> DeterminationRecord | None:
    return session.execute(
        select(DeterminationRecord).where(DeterminationRecord.case_id == case.id)
    ).scalar_one_or_none()


#: The case's determination, draft or signed (``None`` before the first save).
determination_record = _record


def signed_record(session: Session, case: Case) -> DeterminationRecord | None:
    return session.execute(
        select(DeterminationRecord).where(
            DeterminationRecord.case_id == case.id,
            DeterminationRecord.status == DeterminationStatus.SIGNED,
        )
    ).scalar_one_or_none()


def _write_locked(session: Session, record: DeterminationRecord) -> None:
    """Write the changed draft now: the UPDATE matches only the version read (optimistic
    lock), so a save or signature made by someone else in between is not overwritten. The
    row is read back, so that what is shown is what the database stored."""
    try:
        session.flush()
    except StaleDataError:
        raise ConflictError(
            "the determination was changed or signed by someone else at the same moment; reload it"
        ) from None
    session.refresh(record)


def _revision(unit: Unit, record: DeterminationRecord, action: str) -> None:
    """Keep this version of the determination in its history (dated as it was saved)."""
    unit.session.add(
        DeterminationRevision(
            determination_id=record.id,
            version=record.version,
            action=action,
            content=record.content,
            item_review=list(record.item_review),
            content_sha256=record.content_sha256,
            author_id=unit.actor.user_id,
            at=record.updated_at,
        )
    )
