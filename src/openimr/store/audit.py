"""The audit log: append-only and chained by SHA-256 so that tampering shows.

Each entry's hash covers the previous entry's hash and the entry's own fields, so editing,
deleting or reordering any entry breaks every hash after it. Appends are serialised (a
PostgreSQL advisory lock held to the end of the transaction; SQLite has one writer anyway),
so the chain never forks. Entries hold identifiers, statuses and hashes, never health
information.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from openimr.store.models import AuditEntry

#: ``prev_hash`` of the first entry.
GENESIS_HASH = "0" * 64
#: Key of the PostgreSQL advisory lock that serialises appends ("OIMRAUDT" as an integer).
_PG_LOCK_KEY = 0x4F494D5241554454


@dataclass(frozen=True)
class PendingEntry:
    """An entry waiting for its place in the chain (written when its transaction commits)."""

    actor: str
    action: str
    case_id: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    at: datetime | None = None


def canonical_json(value: Any) -> str:
    """Stable JSON: sorted keys, no spaces, UTF-8 kept (the exact text that is hashed)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def format_time(moment: datetime) -> str:
    """UTC, microseconds, ``Z``: one spelling per instant, so hashes are reproducible."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def compute_hash(
    prev_hash: str, seq: int, at: str, actor: str, action: str, case_id: str | None, detail: str
) -> str:
    """The hash of one entry given the hash before it."""
    payload = canonical_json([seq, at, actor, action, case_id, detail])
    return hashlib.sha256(f"{prev_hash}\n{payload}".encode()).hexdigest()


def append(session: Session, entries: Iterable[PendingEntry]) -> list[AuditEntry]:
    """Add entries at the end of the chain inside the caller's transaction."""
    pending = list(entries)
    if not pending:
        return []
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
    last = session.execute(
        select(AuditEntry.seq, AuditEntry.entry_hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    seq, prev_hash = (last[0], last[1]) if last else (0, GENESIS_HASH)
    written: list[AuditEntry] = []
    for entry in pending:
        seq += 1
        at = format_time(entry.at or datetime.now(UTC))
        detail = canonical_json(entry.detail)
        entry_hash = compute_hash(
            prev_hash, seq, at, entry.actor, entry.action, entry.case_id, detail
        )
        row = AuditEntry(
            seq=seq,
            at=at,
            actor=entry.actor,
            action=entry.action,
            case_id=entry.case_id,
            detail=detail,
            prev_hash=prev_hash,
            entry_hash=entry_hash,
        )
        session.add(row)
        written.append(row)
        prev_hash = entry_hash
    session.flush()
    return written


@dataclass
class VerifyReport:
    """What ``openimr audit verify`` found."""

    entries: int = 0
    head_hash: str = GENESIS_HASH
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(session: Session, *, batch: int = 5000, max_problems: int = 50) -> VerifyReport:
    """Recompute the whole chain; report gaps, broken links and altered entries."""
    report = VerifyReport()
    expected_seq = 1
    prev_hash = GENESIS_HASH
    for row in _iterate(session, batch):
        report.entries += 1
        if row.seq != expected_seq:
            report.problems.append(
                f"entry {row.seq}: expected sequence number {expected_seq} (entries missing)"
            )
        if row.prev_hash != prev_hash:
            report.problems.append(f"entry {row.seq}: does not link to the entry before it")
        recomputed = compute_hash(
            row.prev_hash, row.seq, row.at, row.actor, row.action, row.case_id, row.detail
        )
        if recomputed != row.entry_hash:
            report.problems.append(f"entry {row.seq}: content does not match its hash (altered)")
        prev_hash = row.entry_hash
        expected_seq = row.seq + 1
        if len(report.problems) >= max_problems:
            report.problems.append("too many problems; stopped")
            break
    report.head_hash = prev_hash
    return report


def _iterate(session: Session, batch: int) -> Iterator[AuditEntry]:
    after = 0
    while True:
        rows = (
            session.execute(
                select(AuditEntry)
                .where(AuditEntry.seq > after)
                .order_by(AuditEntry.seq)
                .limit(batch)
            )
            .scalars()
            .all()
        )
        if not rows:
            return
        yield from rows
        after = rows[-1].seq
        session.expunge_all()


def count(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(AuditEntry)).scalar_one())
