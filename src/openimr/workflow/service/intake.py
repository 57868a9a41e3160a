"""Intake and screening: receiving an application, screening it (again after a correction),
and the case's lifecycle steps that are not the review (records complete, withdrawal,
termination).

Every screening is kept (``case_screenings``) with the application facts it read. A case found
ineligible only for reasons the applicant can cure may be corrected and screened again; an
ineligible or withdrawn case never makes a later filing of the same dispute a duplicate."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select, text

from openimr.casefile import CaseFile
from openimr.errors import InputError, WorkflowError
from openimr.store.models import Case, CaseEvent, CaseScreening
from openimr.workflow.eligibility import ScreeningFacts, dispute_key, screen
from openimr.workflow.schemas import Actor, Application, CaseDetail, DocumentKind, EligibilityResult
from openimr.workflow.service import documents, proposals, queue_index
from openimr.workflow.service.cases import (
    canonical_bytes,
    changed_facts,
    detail,
    effective_case_file,
    store_deadlines,
)
from openimr.workflow.service.unit import Core, Unit, sha256_hex
from openimr.workflow.states import NOT_ON_FILE, SCREENABLE, CaseStatus, check_transition

_NOT_ON_FILE = [s.value for s in NOT_ON_FILE]
#: Waiting for their first screening: a later filing of the same dispute that is screened
#: first does not count them.
_UNSCREENED = [CaseStatus.APPLICATION_RECEIVED.value, CaseStatus.NEEDS_INFORMATION.value]

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
                .where(Case.dispute_key == key, Case.status.not_in(_NOT_ON_FILE))
                .order_by(Case.created_at)
            ).scalars()
        )
        case = _received(unit, case_file, application, received, sha256_hex(canonical), key)
        documents.store(
            unit, case, DocumentKind.CASE_FILE, canonical, "application/json", filename, None, {}
        )
        if original is not None and original != canonical:
            media = _case_file_media(original)
            documents.store(unit, case, DocumentKind.ORIGINAL, original, media, filename, None, {})
        unit.record("case.create", case.id, case_file_sha256=case.case_file_sha256)
        queue_index.index_case(session, case, case_file)
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
        review_type=application.review_type or case_file.review_type,
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
    """Screen again: after the parties answered a request for information, or after a case
    found ineligible only for curable reasons was corrected (its earlier screening is kept)."""
    with core.unit(actor) as unit:
        case = unit.case(case_id, "case.screen")
        _check_screenable(case)
        if application is not None:
            case.application = application.model_dump(mode="json")
            case.notice_method = application.notice_method
        app = Application.model_validate(case.application)
        case_file = effective_case_file(unit.session, case)
        if app.review_type is not None:
            case.review_type = app.review_type
        if app.received_on is not None and app.received_on != case.received_on:
            if app.received_on > core.today():
                raise InputError(
                    "the receipt date is in the future", location="application.received_on"
                )
            case.received_on = app.received_on
        case.dispute_key = dispute_key(case_file, app)
        queue_index.index_case(unit.session, case, case_file)
        duplicates = tuple(
            unit.session.execute(
                select(Case.id)
                .where(
                    Case.dispute_key == case.dispute_key,
                    Case.id != case.id,
                    Case.status.not_in(_NOT_ON_FILE),
                    (Case.created_at <= case.created_at) | Case.status.not_in(_UNSCREENED),
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


def _check_screenable(case: Case) -> None:
    """Waiting for screening or information, or ineligible only for curable reasons."""
    if case.status not in SCREENABLE:
        raise WorkflowError(
            f"case {case.id} is {case.status}; only a case waiting for screening or for "
            "information, or one found ineligible for a reason that can be corrected, can be "
            "screened"
        )
    if case.status == CaseStatus.INELIGIBLE and not (case.eligibility or {}).get("correctable"):
        raise WorkflowError(
            f"case {case.id} was found ineligible for a reason a correction cannot cure "
            "(see its eligibility); it cannot be screened again"
        )


def _apply_screening(unit: Unit, case: Case, result: EligibilityResult) -> None:
    """Store the result and move the case; the screening row keeps the facts it read."""
    target = _SCREENED[result.outcome]
    again = case.status != CaseStatus.APPLICATION_RECEIVED
    changed = _changed_facts(unit, case) if again else []
    case.eligibility = result.model_dump(mode="json")
    case.screened_on = result.screened_on
    case.closed_on = result.screened_on if target is CaseStatus.INELIGIBLE else None
    unit.session.add(
        CaseScreening(
            case_id=case.id,
            at=unit.core.now(),
            actor_id=unit.actor.user_id,
            application=dict(case.application),
            result=case.eligibility,
        )
    )
    unit.session.flush()
    failed = [r.rule for r in result.rules if r.outcome in {"fail", "unknown"}]
    reason = "; ".join(result.reasons) or "all rules met"
    if changed:
        reason = f"screened again after correcting {', '.join(changed)}: {reason}"
    unit.transition(case, target, reason=reason)
    entry: dict[str, object] = {"outcome": result.outcome, "rules": failed}
    if again:
        entry["corrected"] = changed
    unit.record("case.screen", case.id, **entry)
    store_deadlines(unit.core, unit.session, case)


def _changed_facts(unit: Unit, case: Case) -> list[str]:
    """The application facts that differ from those of the case's last screening (names
    only: the audit log and the history say what was corrected, never the values)."""
    last = unit.session.execute(
        select(CaseScreening.application)
        .where(CaseScreening.case_id == case.id)
        .order_by(CaseScreening.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    return [] if last is None else changed_facts(last, dict(case.application or {}))


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
    """The application was withdrawn, or the review terminated (a closed state), for the
    reason given (kept in the case's history)."""
    reason = reason.strip()
    if not reason:
        raise InputError("say why the case is closed", location="reason")
    with core.unit(actor) as unit:
        case = unit.case(case_id, "case.close")
        unit.transition(case, target, reason=reason)
        case.closed_on = core.today()
        store_deadlines(core, unit.session, case)
        return detail(unit, case, effective_case_file(unit.session, case))


def _case_file_media(original: bytes) -> str:
    """The media type of an uploaded case file as it was read (JSON or YAML), not as the
    client labelled it: the document is served back with it."""
    return (
        "application/json"
        if original.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[")
        else "application/yaml"
    )
