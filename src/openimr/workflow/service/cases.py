"""Reading cases: the case file as it stands, deadlines, the case list and the case in full."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from openimr.casefile import CaseFile, RecordKind, parse_case_data
from openimr.errors import StoreError
from openimr.store.audit_log import canonical_json
from openimr.store.models import (
    Assignment,
    Case,
    CaseDeadline,
    CaseEvent,
    CaseScreening,
    DeterminationRecord,
    Document,
    Proposal,
    Reviewer,
)
from openimr.workflow import deadlines as deadline_rules
from openimr.workflow.schemas import (
    Actor,
    AssignmentKind,
    AssignmentResult,
    CaseDetail,
    CaseEventOut,
    CaseSummary,
    DeadlineView,
    DocumentKind,
    DocumentOut,
    EligibilityResult,
    ScreeningOut,
)
from openimr.workflow.service import queue_index
from openimr.workflow.service.unit import Core, Unit, sha256_hex
from openimr.workflow.states import CLOSED, CaseStatus


def case_file_sha256(case_file: CaseFile) -> str:
    """The hash of a case file's canonical JSON: a proposal is kept per hash."""
    return sha256_hex(canonical_bytes(case_file))


def canonical_bytes(case_file: CaseFile) -> bytes:
    return canonical_json(case_file.model_dump(mode="json")).encode()


def effective_case_file(session: Session, case: Case) -> CaseFile:
    """The case file with the text of every record document added since it arrived."""
    documents = session.execute(
        select(Document.kind, Document.content, Document.text, Document.meta)
        .where(
            Document.case_id == case.id,
            Document.kind.in_([DocumentKind.CASE_FILE, DocumentKind.RECORD]),
        )
        .order_by(Document.id)
    ).all()
    base = next((d for d in documents if d.kind == DocumentKind.CASE_FILE), None)
    if base is None:
        raise StoreError(f"case {case.id} has no stored case file")
    data = json.loads(base.content)
    for document in documents:
        data["records"].extend(_added_records(document.kind, document.text, document.meta))
    return parse_case_data(data, source=f"case {case.id}")


def _added_records(
    kind: str, text: str | None, meta: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """The case-file records a stored document adds, in order (none for other kinds)."""
    meta = meta or {}
    if kind != DocumentKind.RECORD:
        return []
    if meta.get("records"):
        added = []
        for found in meta["records"]:
            record = {
                "kind": found["kind"],
                "date": found.get("date"),
                "author": found.get("author"),
                "specialty": found.get("specialty"),
                "text": found["text"],
            }
            if found.get("source"):  # documents stored before sources were kept have none
                record["source"] = found["source"]
            added.append(record)
        return added
    if text and text.strip():
        return [
            {
                "kind": meta.get("record_kind", RecordKind.OTHER.value),
                "date": meta.get("record_date"),
                "author": meta.get("author"),
                "specialty": meta.get("specialty"),
                "text": text,
            }
        ]
    return []


def record_documents(case_file: CaseFile, documents: list[Document]) -> list[int | None]:
    """For each record of the case file, the stored document it was read from (None for the
    records of the case file as it arrived)."""
    added = [d.id for d in documents for _ in _added_records(d.kind, d.text, d.meta)]
    base = len(case_file.records) - len(added)
    if base < 0:
        return [None] * len(case_file.records)
    return [None] * base + added


# -- deadlines ---------------------------------------------------------------------------


def _clock_of(case: Case) -> deadline_rules.CaseClock:
    app = case.application or {}
    eligibility = case.eligibility or {}
    served = app.get("ur_decision_served_on")
    served_on = date.fromisoformat(served) if served else None
    if served_on is None:
        served_on = case.ur_decision_date
    return deadline_rules.CaseClock(
        review_type=case.review_type,
        notice_method=case.notice_method or "electronic",
        ur_service_method=app.get("ur_service_method"),
        formulary_dispute=bool(app.get("formulary_dispute")),
        eligible=eligibility.get("outcome") == "eligible",
        closed=case.status in CLOSED,
        ur_decision_served=served_on,
        received=case.received_on,
        screened=case.screened_on,
        assigned=case.assigned_on,
        records_complete=case.records_complete_on,
        letter_issued=case.letter_issued_on,
    )


def deadlines(core: Core, case: Case) -> list[DeadlineView]:
    return deadline_rules.compute(core.rules, _clock_of(case), today=core.today())


def store_deadlines(core: Core, session: Session, case: Case) -> None:
    """Keep the computed deadlines as rows so that the overdue list is one query."""
    computed = deadlines(core, case)
    queue_index.index_deadlines(session, case, computed)
    views = {v.name: v for v in computed}
    rows = {
        row.name: row
        for row in session.execute(
            select(CaseDeadline).where(CaseDeadline.case_id == case.id)
        ).scalars()
    }
    for name, view in views.items():
        row = rows.get(name)
        if row is None:
            session.add(
                CaseDeadline(
                    case_id=case.id,
                    name=name,
                    due_on=view.due_on,
                    met_on=view.met_on,
                    provisional=view.provisional,
                )
            )
        else:
            row.due_on, row.met_on, row.provisional = view.due_on, view.met_on, view.provisional
    for name, row in rows.items():
        if name not in views:
            session.delete(row)


# -- what callers see --------------------------------------------------------------------


def summary(core: Core, session: Session, case: Case) -> CaseSummary:
    due = deadlines(core, case)
    reviewer = session.execute(
        select(Reviewer.code)
        .join(Assignment, Assignment.reviewer_id == Reviewer.id)
        .where(
            Assignment.case_id == case.id,
            Assignment.active.is_(True),
            Assignment.kind == AssignmentKind.PRIMARY,
        )
    ).scalar_one_or_none()
    return CaseSummary(
        id=case.id,
        external_id=case.external_id,
        status=case.status,
        review_type=case.review_type,
        version=case.version,
        received_on=case.received_on,
        deadlines=due,
        overdue=any(d.overdue for d in due),
        reviewer=reviewer,
        least_confidence=least_confidence(session, case.id),
    )


def least_confidence(session: Session, case_id: str) -> float | None:
    """The confidence of the least sure item of the case's latest proposal, if any."""
    content = session.execute(
        select(Proposal.content)
        .where(Proposal.case_id == case_id)
        .order_by(Proposal.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if content is None:
        return None
    items = json.loads(content).get("items") or []
    values = [item["confidence"] for item in items if item.get("confidence") is not None]
    return min(values) if values else None


def quality_review_pending(core: Core, case: Case) -> bool:
    """The case's signed determination waits for the medical director's release (when the
    organization asks for a quality review)."""
    return (
        core.settings.quality_review
        and case.status == CaseStatus.DETERMINATION_SIGNED
        and case.quality_reviewed_at is None
    )


def detail(unit: Unit, case: Case, case_file: CaseFile) -> CaseDetail:
    session = unit.session
    session.flush()
    assignments = session.execute(
        select(Assignment).where(Assignment.case_id == case.id).order_by(Assignment.id)
    ).scalars()
    documents = list(
        session.execute(
            select(Document).where(Document.case_id == case.id).order_by(Document.id)
        ).scalars()
    )
    events = session.execute(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
    ).scalars()
    record = session.execute(
        select(DeterminationRecord.status, DeterminationRecord.version).where(
            DeterminationRecord.case_id == case.id
        )
    ).first()
    return CaseDetail(
        **summary(unit.core, session, case).model_dump(),
        screenings=screenings(session, case.id),
        case_file=case_file.model_dump(mode="json"),
        case_file_sha256=case.case_file_sha256,
        application=dict(case.application or {}),
        eligibility=EligibilityResult.model_validate(case.eligibility)
        if case.eligibility
        else None,
        assignments=[AssignmentResult.model_validate(a.explanation) for a in assignments],
        documents=[DocumentOut.model_validate(d, from_attributes=True) for d in documents],
        record_documents=record_documents(case_file, documents),
        events=[CaseEventOut.model_validate(e, from_attributes=True) for e in events],
        determination_status=record.status if record else None,
        determination_version=record.version if record else None,
        quality_review_pending=quality_review_pending(unit.core, case),
        quality_reviewed_at=case.quality_reviewed_at,
    )


def changed_facts(before: dict[str, Any], now: dict[str, Any]) -> list[str]:
    """The names of the application facts that differ (never their values)."""
    return sorted(k for k in set(now) | set(before) if now.get(k) != before.get(k))


def screenings(session: Session, case_id: str) -> list[ScreeningOut]:
    """Every screening of the case in order, each with the facts changed since the one before."""
    rows = session.execute(
        select(CaseScreening).where(CaseScreening.case_id == case_id).order_by(CaseScreening.id)
    ).scalars()
    out: list[ScreeningOut] = []
    before: dict[str, Any] | None = None
    for row in rows:
        now = dict(row.application or {})
        changed = changed_facts(before, now) if before is not None else []
        result = row.result or {}
        out.append(
            ScreeningOut(
                at=row.at,
                actor_id=row.actor_id,
                outcome=result.get("outcome", "needs_information"),
                reasons=list(result.get("reasons") or []),
                changed=changed,
            )
        )
        before = now
    return out


def get_case(core: Core, actor: Actor, case_id: str) -> CaseDetail:
    """A case in full; the read of its health information is audited."""
    with core.unit(actor) as unit:
        case = unit.case(case_id, "case.read")
        unit.record("case.read", case.id)
        return detail(unit, case, effective_case_file(unit.session, case))
