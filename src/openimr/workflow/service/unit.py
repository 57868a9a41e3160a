"""What every case operation shares: the database, the clock, the rules and the unit of work.

Each operation is one unit of work: one database transaction, the role and assignment checks,
the state-machine check, and the audit entries, which are written to the pending list with
the change and chained into the log just after the commit. If anything fails the whole unit
is rolled back; only the audit entry recording a refused access survives (it is written in a
transaction of its own).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from openimr.casefile import CaseFile
from openimr.domain import Determination
from openimr.errors import AccessDenied, ConflictError, NotFound, StoreError
from openimr.settings import Settings
from openimr.store import audit_log
from openimr.store.audit_log import PendingEntry
from openimr.store.db import Database
from openimr.store.models import Assignment, Case, CaseEvent
from openimr.workflow.auth import PERMISSIONS
from openimr.workflow.engine_lane import EngineLane
from openimr.workflow.rules import SpecialtyRules, WorkflowRules, specialty_rules, workflow_rules
from openimr.workflow.schemas import Actor, Role
from openimr.workflow.service import queue_index
from openimr.workflow.states import CaseStatus, check_transition

Proposer = Callable[[CaseFile], Determination]


class LetterRenderer(Protocol):
    """Renders a determination's letter in a format (``text``, ``html``, ``pdf``); ``draft``
    marks it DRAFT (a letter of a determination not yet signed), ``False`` says it is the
    signed one; a letter to the parties is headed with the employee's name and claim number
    the application gave, if any."""

    def __call__(
        self,
        determination: Determination,
        fmt: str,
        /,
        *,
        draft: bool | None = None,
        employee: str | None = None,
        claim_number: str | None = None,
    ) -> bytes: ...


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Core:
    """One database, the clock, the rules, the settings, and the background threads."""

    def __init__(
        self,
        database: Database,
        *,
        proposer: Proposer | None = None,
        renderer: LetterRenderer | None = None,
        clock: Callable[[], datetime] | None = None,
        rules: WorkflowRules | None = None,
        specialties: SpecialtyRules | None = None,
        prepare_proposals: bool = False,
        seal_audit_in_background: bool = False,
        settings: Settings | None = None,
    ) -> None:
        self.db = database
        self.settings = settings or Settings.load()
        self.proposer = proposer
        self.renderer = renderer
        self.prepare_proposals = prepare_proposals
        self.seal_audit_in_background = seal_audit_in_background
        self.rules = rules or workflow_rules()
        self.specialties = specialties or specialty_rules()
        self._clock = clock or (lambda: datetime.now(UTC))
        self._zone = ZoneInfo(self.rules.timezone)
        self._sealer: audit_log.BackgroundSealer | None = None
        self._lane: EngineLane | None = None
        self._lane_lock = threading.Lock()

    # -- time ------------------------------------------------------------------------------

    def now(self) -> datetime:
        return self._clock()

    def today(self) -> date:
        """Today in California: the date every deadline and receipt is counted in."""
        return self.now().astimezone(self._zone).date()

    # -- units of work and the audit log ---------------------------------------------------

    @contextmanager
    def unit(self, actor: Actor, *, write: bool = True) -> Iterator[Unit]:
        """One transaction for ``actor``, with its audit entries written before the commit."""
        unit: Unit | None = None
        try:
            with self.db.session(write=write) as session:
                unit = Unit(core=self, session=session, actor=actor)
                yield unit
                try:
                    session.flush()
                except StaleDataError:
                    raise ConflictError(
                        "someone else changed this at the same moment; reload it and retry"
                    ) from None
                audit_log.record(session, unit.entries)
        except BaseException:
            if unit is not None and unit.refusals:
                with self.db.session() as session:
                    audit_log.record(session, unit.refusals)
                self.audit_written()
            raise
        if unit.entries:
            self.audit_written()

    def audit_written(self) -> None:
        """Entries were committed to the pending list: chain them now, or wake the sealer."""
        if self._sealer is not None:
            self._sealer.poke()
            return
        # On failure they stay pending and the next seal chains them: nothing is lost.
        with suppress(StoreError):
            self.seal_audit()

    def seal_audit(self, *, wait: bool = True) -> int | None:
        """Chain every committed pending audit entry (see :mod:`openimr.store.audit_log`)."""
        with self.db.session() as session:
            return audit_log.seal(session, wait=wait)

    # -- background threads ----------------------------------------------------------------

    def engine_lane(self) -> EngineLane:
        """The engine thread of this process, started on first use."""
        with self._lane_lock:
            if self._lane is None:
                self._lane = EngineLane()
            return self._lane

    def wait_for_engine(self, timeout: float | None = None) -> None:
        if self._lane is not None:
            self._lane.join(timeout)

    def start_sealer(self) -> None:
        if self.seal_audit_in_background and self._sealer is None:
            self._sealer = audit_log.BackgroundSealer(lambda: self.seal_audit(wait=False))
            self._sealer.start()

    def close(self) -> None:
        """Stop the background threads (queued preparations are dropped, pending audit entries
        are chained) and close the database."""
        sealer, self._sealer = self._sealer, None
        if sealer is not None:
            sealer.stop()
        with self._lane_lock:
            lane, self._lane = self._lane, None
        if lane is not None:
            lane.shutdown()
        with suppress(StoreError):  # else left pending: the next process to seal chains them
            self.seal_audit()
        self.db.dispose()


@dataclass
class Unit:
    """One unit of work: its session, who acts, and the audit entries it will write."""

    core: Core
    session: Session
    actor: Actor
    entries: list[PendingEntry] = field(default_factory=list)
    refusals: list[PendingEntry] = field(default_factory=list)

    def record(self, action: str, case_id: str | None = None, **detail: Any) -> None:
        self.entries.append(PendingEntry(self.actor.label, action, case_id, detail))

    def refuse(self, action: str, case_id: str | None, why: str) -> None:
        self.refusals.append(
            PendingEntry(
                self.actor.label, "access.denied", case_id, {"attempted": action, "why": why}
            )
        )

    def allow(self, action: str, case_id: str | None = None) -> None:
        """Refuse (and audit the refusal) unless the actor's role may do ``action``."""
        if self.actor.role not in PERMISSIONS[action]:
            self.refuse(action, case_id, f"role {self.actor.role.value}")
            raise AccessDenied(f"a user with role {self.actor.role.value} may not do {action}")

    def case(self, case_id: str, action: str) -> Case:
        """The case, if the actor may act on it; reviewers see only cases assigned to them."""
        self.allow(action, case_id)
        case = self.session.get(Case, case_id)
        if case is None:
            raise NotFound(f"no case {case_id}")
        if self.actor.role is Role.REVIEWER and not _assigned(self.session, case_id, self.actor):
            self.refuse(action, case_id, "not assigned to this reviewer")
            raise NotFound(f"no case {case_id}")
        return case

    def transition(self, case: Case, target: CaseStatus, reason: str | None = None) -> None:
        """Move the case to ``target``: refused if the table forbids it or someone else moved
        the case first (the UPDATE matches only the version and status read)."""
        check_transition(case.status, target)
        expected = case.version
        now = self.core.now()
        result = self.session.execute(
            update(Case)
            .where(Case.id == case.id, Case.version == expected, Case.status == case.status)
            .values(status=target.value, version=expected + 1, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise ConflictError(f"case {case.id} was changed by someone else; reload it and retry")
        self.session.add(
            CaseEvent(
                case_id=case.id,
                from_status=case.status,
                to_status=target.value,
                reason=reason,
                actor_id=self.actor.user_id,
                at=now,
            )
        )
        self.record("case.transition", case.id, from_status=case.status, to_status=target.value)
        queue_index.index_status(self.session, case.id, target.value)
        # The UPDATE above already wrote these; tell the ORM so it does not write them again.
        set_committed_value(case, "status", target.value)
        set_committed_value(case, "version", expected + 1)


def _assigned(session: Session, case_id: str, actor: Actor) -> bool:
    if actor.reviewer_id is None:
        return False
    return bool(
        session.execute(
            select(
                exists().where(
                    Assignment.case_id == case_id,
                    Assignment.reviewer_id == actor.reviewer_id,
                    Assignment.active.is_(True),
                )
            )
        ).scalar()
    )
