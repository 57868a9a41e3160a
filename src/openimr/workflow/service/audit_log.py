"""Reading the hash-chained audit log (written by every unit of work, see ``unit.py``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from openimr.settings import Settings, key_file
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


#: The key file that signs checkpoints, in the home, apart from the database it vouches for.
AUDIT_KEY_FILE = "audit-checkpoint.key"


def audit_key(settings: Settings) -> bytes:
    """``$OPENIMR_AUDIT_KEY``, else a key file created once in the home."""
    if settings.audit_key is not None:
        return settings.audit_key.get_secret_value().encode()
    return key_file(settings.data_home() / AUDIT_KEY_FILE, "audit checkpoint")


def audit_checkpoint(core: Core) -> dict[str, Any]:
    """Chain what is pending, verify, and sign the head: kept outside the database, it shows
    later whether the log was cut short or rewritten."""
    report = verify_audit(core)
    if not report.ok:
        from openimr.errors import StoreError

        raise StoreError("the audit log does not verify; no checkpoint was written")
    return audit_log.sign_checkpoint(
        audit_key(core.settings), report.entries, report.head_hash, core.now()
    )


def verify_audit_against(core: Core, checkpoint: dict[str, Any]) -> audit_log.VerifyReport:
    """Verify the chain, then hold it against a checkpoint written earlier."""
    report = verify_audit(core)
    with core.db.session(write=False) as session:
        audit_log.check_against(session, audit_key(core.settings), checkpoint, report)
    return report
