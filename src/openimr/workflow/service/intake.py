"""Intake and screening: receiving an application, screening it, and the case's lifecycle steps
that are not the review (records complete, withdrawal, termination)."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select, text

from openimr.casefile import CaseFile
from openimr.errors import InputError, WorkflowError
from openimr.store.models import Case, CaseEvent
from openimr.workflow.eligibility import ScreeningFacts, dispute_key, screen
from openimr.workflow.schemas import Actor, Application, CaseDetail, DocumentKind, EligibilityResult
from openimr.workflow.service import documents, proposals
from openimr.workflow.service.cases import (
    canonical_bytes,
    detail,
    effective_case_file,
    store_deadlines,
)
from openimr.workflow.service.unit import Core, Unit, sha256_hex
from openimr.workflow.states import CaseStatus, check_transition

#: The case status each screening outcome leads to.
_SCREENED = {
    "eligible": CaseStatus.ELIGIBLE,
    "ineligible": CaseStatus.INELIGIBLE,
    "needs_information": CaseStatus.NEEDS_INFORMATION,
}


def create_case(
    core: Core,
    actor: Actor,
    case_file: CaseFile,
    application: Application | None = None,
    *,
    original: bytes | None = None,
    original_media_type: str | None = None,
    filename: str | None = None,
) -> CaseDetail:
    """Receive an application: store the case file, screen it, date its deadlines."""
    application = application or Application()
    today = core.today()
    received = application.received_on or today
    if received > today:
        raise InputError("the receipt date is in the future", location="application.received_on")
    canonical = canonical_bytes(case_file)
    key = dispute_key(case_file, application)
    with core.unit(actor) as unit:
        unit.allow("case.create")
        session = unit.session
        if core.db.engine.dialect.name == "postgresql":  # one filing of a dispute at a time
            session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})
        duplicates = tuple(
            session.execute(
                select(Case.id)
                .where(Case.dispute_key == key, Case.status != CaseStatus.WITHDRAWN)
                .order_by(Case.created_at)
            ).scalars()
        )
        case = _received(unit, case_file, application, received, sha256_hex(canonical), key)
        documents.store(
            unit, case, DocumentKind.CASE_FILE, canonical, "application/json", filename, None, {}
        )
        if original is not None and original != canonical:
            media = original_media_type or "application/octet-stream"
            documents.store(unit, case, DocumentKind.ORIGINAL, original, media, filename, None, {})
        unit.record("case.create", case.id, case_file_sha256=case.case_file_sha256)
        facts = ScreeningFacts.resolve(
            case_file, application, received_on=received, duplicates=duplicates
        )
        _apply_screening(unit, case, screen(facts, core.rules, today=today))
        created = detail(unit, case, case_file)
    proposals.prepare(core, case.id, case.case_file_sha256, case.status)
    return created


def _received(
    unit: Unit,
    case_file: CaseFile,
    application: Application,
    received: date,
    digest: str,
    key: str,
) -> Case:
    """The new case row and its first event, added to the unit's session."""
    now = unit.core.now()
    case = Case(
        id="imr-" + uuid.uuid4().hex[:16],
        external_id=case_file.case_id,
        status=CaseStatus.APPLICATION_RECEIVED.value,
        review_type=case_file.review_type,
        version=1,
        case_file_sha256=digest,
        dispute_key=key,
        application=application.model_dump(mode="json"),
        received_on=received,
        ur_decision_date=case_file.ur_decision_date,
        notice_method=application.notice_method,
        created_by=unit.actor.user_id,
        created_at=now,
        updated_at=now,
    )
    unit.session.add(case)
    unit.session.add(
        CaseEvent(
            case_id=case.id,
            from_status=None,
            to_status=case.status,
            reason="application received",
            actor_id=unit.actor.user_id,
            at=now,
        )
    )
    return case


def screen_case(
    core: Core, actor: Actor, case_id: str, application: Application | None = None
) -> CaseDetail:
    """Screen again after the parties answered a request for information."""
    with core.unit(actor) as unit:
        case = unit.case(case_id, "case.screen")
        if case.status not in {CaseStatus.APPLICATION_RECEIVED, CaseStatus.NEEDS_INFORMATION}:
            raise WorkflowError(
                f"case {case.id} is {case.status}; only a case waiting for "
                "screening or for information can be screened"
            )
        if application is not None:
            case.application = application.model_dump(mode="json")
            case.notice_method = application.notice_method
        app = Application.model_validate(case.application)
        case_file = effective_case_file(unit.session, case)
        duplicates = tuple(
            unit.session.execute(
                select(Case.id)
                .where(
                    Case.dispute_key == case.dispute_key,
                    Case.id != case.id,
                    Case.created_at <= case.created_at,
                    Case.status != CaseStatus.WITHDRAWN,
                )
                .order_by(Case.created_at)
            ).scalars()
        )
        facts = ScreeningFacts.resolve(
            case_file, app, received_on=case.received_on, duplicates=duplicates
        )
        _apply_screening(unit, case, screen(facts, core.rules, today=core.today()))
        screened = detail(unit, case, case_file)
    proposals.prepare(core, case.id, case.case_file_sha256, case.status)
    return screened


def _apply_screening(unit: Unit, case: Case, result: EligibilityResult) -> None:
    target = _SCREENED[result.outcome]
    case.eligibility = result.model_dump(mode="json")
    case.screened_on = result.screened_on
    if target is CaseStatus.INELIGIBLE:
        case.closed_on = result.screened_on
    unit.session.flush()
    failed = [r.rule for r in result.rules if r.outcome in {"fail", "unknown"}]
    unit.transition(case, target, reason="; ".join(result.reasons) or "all rules met")
    unit.record("case.screen", case.id, outcome=result.outcome, rules=failed)
    store_deadlines(unit.core, unit.session, case)


def mark_records_complete(core: Core, actor: Actor, case_id: str) -> CaseDetail:
    """All records are in (or their deadline passed): the review may start."""
    with core.unit(actor) as unit:
        case = unit.case(case_id, "case.records_complete")
        if case.status != CaseStatus.ASSIGNED:
            check_transition(case.status, CaseStatus.RECORDS_COMPLETE)
        unit.transition(case, CaseStatus.RECORDS_COMPLETE, reason="records complete")
        case.records_complete_on = core.today()
        store_deadlines(core, unit.session, case)
        return detail(unit, case, effective_case_file(unit.session, case))


def close(core: Core, actor: Actor, case_id: str, target: CaseStatus, reason: str) -> CaseDetail:
    """The application was withdrawn, or the review terminated (a closed state)."""
    with core.unit(actor) as unit:
        case = unit.case(case_id, "case.close")
        unit.transition(case, target, reason=reason)
        case.closed_on = core.today()
        store_deadlines(core, unit.session, case)
        return detail(unit, case, effective_case_file(unit.session, case))
