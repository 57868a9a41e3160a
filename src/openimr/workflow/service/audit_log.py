"""Reading the hash-chained audit log (written by every unit of work, see ``unit.py``)."""

from __future__ import annotations

from sqlalchemy import select

from openimr.store import audit_log
from openimr.store.models import AuditEntry
from openimr.workflow.schemas import Actor, AuditEntryOut
from openimr.workflow.service.unit import Core


def audit_entries(
    core: Core, actor: Actor, *, case_id: str | None = None, after: int = 0, limit: int = 500
) -> list[AuditEntryOut]:
    """Chained entries, oldest first (every entry committed so far is chained first)."""
    core.seal_audit()
    with core.unit(actor, write=False) as unit:
        unit.allow("audit.read")
        query = select(AuditEntry).where(AuditEntry.seq > after).order_by(AuditEntry.seq)
        if case_id is not None:
            query = query.where(AuditEntry.case_id == case_id)
        rows = unit.session.execute(query.limit(limit)).scalars()
        return [AuditEntryOut.model_validate(e, from_attributes=True) for e in rows]


def verify_audit(core: Core) -> audit_log.VerifyReport:
    """Chain what is pending, then recompute the whole chain."""
    core.seal_audit()
    with core.db.session(write=False) as session:
        return audit_log.verify(session)
