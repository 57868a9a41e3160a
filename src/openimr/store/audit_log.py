"""The audit log: append-only and chained by SHA-256 so that tampering shows.

Each entry's hash covers the previous entry's hash and the entry's own fields, so editing,
deleting or reordering any entry breaks every hash after it. Entries hold identifiers,
statuses and hashes, never health information.

Writing an entry and chaining it are two steps. A unit of work writes its entries with
:func:`record` to ``audit_pending``, in its own transaction, so they exist exactly when the
change they describe does; that takes no lock. :func:`seal` then moves pending entries into
the chain in the order they were written, many per transaction. Sealing is serialised (a
PostgreSQL advisory lock held to the end of the transaction; SQLite has one writer anyway),
so the chain never forks, but requests no longer queue behind each other's commits to
extend it. Reads of the log seal first, so they see every committed entry; a server also
seals in the background (:class:`BackgroundSealer`) within a fraction of a second.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.orm import Session

from openimr.store.models import AuditEntry, PendingAuditEntry

logger = logging.getLogger("openimr.store")

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


def record(session: Session, entries: Iterable[PendingEntry]) -> int:
    """Write entries to ``audit_pending`` inside the caller's transaction (no lock taken).

    A refusal may name a case id no case can have (longer than the column): the entry keeps
    its length, not the id, so that the refusal is written on every database."""
    longest = PendingAuditEntry.__table__.c.case_id.type.length
    rows = []
    for entry in entries:
        case_id, detail = entry.case_id, entry.detail
        if case_id is not None and longest is not None and len(case_id) > longest:
            case_id, detail = None, {**detail, "case_id_length": len(entry.case_id)}
        rows.append(
            {
                "at": format_time(entry.at or datetime.now(UTC)),
                "actor": entry.actor,
                "action": entry.action,
                "case_id": case_id,
                "detail": canonical_json(detail),
            }
        )
    if rows:
        session.execute(insert(PendingAuditEntry), rows)
    return len(rows)


def seal(session: Session, *, wait: bool = True, batch: int = 5000) -> int | None:
    """Chain pending entries, oldest first, inside the caller's transaction.

    Returns how many were chained, or ``None`` when ``wait`` is false and another sealer
    holds the lock (it will chain them). Call it in a transaction of its own: the lock it
    takes on PostgreSQL is held until that transaction ends.
    """
    if not _lock(session, wait=wait):
        return None
    sealed = 0
    while True:
        pending = (
            session.execute(select(PendingAuditEntry).order_by(PendingAuditEntry.id).limit(batch))
            .scalars()
            .all()
        )
        if not pending:
            return sealed
        _link(session, pending)
        session.execute(
            delete(PendingAuditEntry).where(PendingAuditEntry.id.in_([p.id for p in pending]))
        )
        session.expunge_all()
        sealed += len(pending)


def pending_count(session: Session) -> int:
    """Entries written but not chained yet."""
    return int(session.execute(select(func.count()).select_from(PendingAuditEntry)).scalar_one())


def _lock(session: Session, *, wait: bool) -> bool:
    """Take the chain's lock until the end of the transaction (PostgreSQL only)."""
    if session.get_bind().dialect.name != "postgresql":
        return True  # SQLite: the writing transaction already holds the database's only lock
    # The chain is the schema's: stores in other schemas of one database do not wait on it.
    key = "hashtextextended(current_schema(), :key)"
    if wait:
        session.execute(text(f"SELECT pg_advisory_xact_lock({key})"), {"key": _PG_LOCK_KEY})
        return True
    return bool(
        session.execute(
            text(f"SELECT pg_try_advisory_xact_lock({key})"), {"key": _PG_LOCK_KEY}
        ).scalar()
    )


def _link(session: Session, pending: Sequence[PendingAuditEntry]) -> None:
    """Add pending entries, in the order given, at the end of the chain (lock held)."""
    last = session.execute(
        select(AuditEntry.seq, AuditEntry.entry_hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    seq, prev_hash = (last[0], last[1]) if last else (0, GENESIS_HASH)
    for entry in pending:
        seq += 1
        entry_hash = compute_hash(
            prev_hash, seq, entry.at, entry.actor, entry.action, entry.case_id, entry.detail
        )
        session.add(
            AuditEntry(
                seq=seq,
                at=entry.at,
                actor=entry.actor,
                action=entry.action,
                case_id=entry.case_id,
                detail=entry.detail,
                prev_hash=prev_hash,
                entry_hash=entry_hash,
            )
        )
        prev_hash = entry_hash
    session.flush()


class BackgroundSealer:
    """A thread that chains pending entries soon after they are written.

    ``poke`` after a commit wakes it; it then waits ``delay`` seconds so that one transaction
    chains what several requests wrote. Another process sealing at the same moment is not
    waited for: its sealer chains our entries, or our next round does. A failure is logged
    (without the entries, which name cases) and retried on the next round.
    """

    def __init__(
        self,
        run_seal: Callable[[], int | None],
        *,
        delay: float = 0.05,
        interval: float = 1.0,
    ) -> None:
        self._run_seal = run_seal
        self._delay = delay
        self._interval = interval
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="openimr-audit", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def poke(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after one last round, so nothing written before now stays pending."""
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _loop(self) -> None:
        while True:
            self._wake.wait(self._interval)
            stopping = self._stop.is_set()
            if not stopping:
                self._stop.wait(self._delay)
            self._wake.clear()
            try:
                self._run_seal()
            except Exception as error:  # keep sealing on the next round
                logger.warning("sealing the audit log failed (%s); retrying", type(error).__name__)
            if stopping:
                return


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


def checkpoint_payload(entries: int, head_hash: str, at: datetime) -> str:
    """The text a checkpoint signs: how long the chain was, its head, and when."""
    return canonical_json({"entries": entries, "head_hash": head_hash, "at": format_time(at)})


def sign_checkpoint(key: bytes, entries: int, head_hash: str, at: datetime) -> dict[str, Any]:
    """A checkpoint of the chain's head, signed (HMAC-SHA256) with a key kept elsewhere."""
    payload = checkpoint_payload(entries, head_hash, at)
    signature = hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()
    return {"entries": entries, "head_hash": head_hash, "at": format_time(at), "hmac": signature}


def check_against(
    session: Session, key: bytes, checkpoint: dict[str, Any], report: VerifyReport
) -> None:
    """Add to ``report`` what a checkpoint shows: the chain cut short, or rewritten up to it.

    A chain rebuilt after an entry was deleted or changed verifies on its own; only a head
    recorded outside the database shows that it is no longer the chain that was.
    """
    try:
        entries = int(checkpoint["entries"])
        head_hash = str(checkpoint["head_hash"])
        at = datetime.strptime(str(checkpoint["at"]), "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
        given = str(checkpoint["hmac"])
    except (KeyError, TypeError, ValueError):
        report.problems.append("the checkpoint is not one this command wrote")
        return
    expected = sign_checkpoint(key, entries, head_hash, at)["hmac"]
    if not hmac.compare_digest(expected, given):
        report.problems.append(
            "the checkpoint's signature does not match (altered, or another key)"
        )
        return
    if entries == 0:
        return
    row = session.execute(select(AuditEntry).where(AuditEntry.seq == entries)).scalar_one_or_none()
    if row is None:
        report.problems.append(
            f"the log ends before entry {entries}, which the checkpoint of {checkpoint['at']} "
            "recorded (entries removed)"
        )
    elif row.entry_hash != head_hash:
        report.problems.append(
            f"entry {entries} is not the one the checkpoint of {checkpoint['at']} recorded "
            "(the log was rewritten)"
        )


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
