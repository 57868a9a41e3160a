"""The case workflow: every operation on a case, as Python calls.

Each public method is one unit of work: one database transaction, the role and assignment
checks, the state-machine check, and the audit entries, which are chained into the log just
before the commit. If anything fails the whole unit is rolled back; only the audit entry
recording a refused access survives (it is written in a transaction of its own).

The API, the command line and the reviewer workbench all call these methods; nothing here
knows about HTTP.
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import exists, func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from openimr.casefile import CaseFile, Record, RecordKind, parse_case_data
from openimr.domain import Determination
from openimr.domain.determination import ReviewerCredentials
from openimr.errors import (
    AccessDenied,
    ComponentUnavailable,
    ConflictError,
    InputError,
    NotFound,
    StoreError,
    WorkflowError,
)
from openimr.store import audit_log
from openimr.store.audit_log import PendingEntry, canonical_json
from openimr.store.db import Database
from openimr.store.models import (
    Assignment,
    AuditEntry,
    Case,
    CaseDeadline,
    CaseEvent,
    DeterminationRecord,
    DeterminationRevision,
    Document,
    Proposal,
    Reviewer,
    User,
)
from openimr.workflow import assignment as assigning
from openimr.workflow import deadlines as deadline_rules
from openimr.workflow import signoff
from openimr.workflow.auth import PERMISSIONS, new_token, token_hash
from openimr.workflow.eligibility import ScreeningFacts, dispute_key, screen
from openimr.workflow.engine_lane import EngineLane
from openimr.workflow.rules import SpecialtyRules, WorkflowRules, specialty_rules, workflow_rules
from openimr.workflow.schemas import (
    Actor,
    Application,
    AssignmentRequest,
    AssignmentResult,
    AuditEntryOut,
    CaseDetail,
    CaseEventOut,
    CaseSummary,
    DeadlineView,
    DeterminationEdit,
    DeterminationRevisionOut,
    DeterminationView,
    DocumentOut,
    EligibilityResult,
    LetterOut,
    ReviewerIn,
    ReviewerOut,
    Role,
)
from openimr.workflow.states import (
    ASSIGNABLE,
    CLOSED,
    REVIEWABLE,
    REVIEWER_LOAD,
    CaseStatus,
    check_transition,
)

#: Largest document accepted, in bytes.
MAX_DOCUMENT_BYTES = 25 * 1024 * 1024
LETTER_MEDIA_TYPES = {"pdf": "application/pdf", "html": "text/html", "text": "text/plain"}

Proposer = Callable[[CaseFile], Determination]
#: How the audit log names the engine thread when it prepares a proposal nobody asked for yet.
ENGINE_LABEL = "system:engine"
#: Case states whose proposal is worth preparing: the case is open and may reach a reviewer.
PREPARED_STATES = frozenset(s.value for s in ASSIGNABLE | REVIEWABLE)
LetterRenderer = Callable[[Determination, str], bytes]


def _default_proposer() -> Proposer:
    try:
        from openimr.engine import review
    except ImportError:
        review = None
    if isinstance(review, ModuleType):  # the submodule, while the package does not export it
        review = getattr(review, "review", None)
    if not callable(review):
        raise ComponentUnavailable(
            "the decision engine (openimr.engine.review) is not available in this build"
        )
    return review  # type: ignore[no-any-return]


def _load_default_engine() -> int:
    try:
        from openimr.engine import default_reviewer
    except ImportError:
        return 0  # reported when a proposal is asked for
    default_reviewer()
    return 0


def _default_renderer() -> LetterRenderer:
    try:
        from openimr.letters import render_letter
    except ImportError:
        raise ComponentUnavailable(
            "letter rendering (openimr.letters.render_letter) is not available in this build"
        ) from None
    return render_letter


def engine_version() -> str:
    """Identifies the engine build, so a proposal is recomputed when the engine changes."""
    import openimr

    try:
        from openimr import engine
    except ImportError:
        return openimr.__version__
    return str(
        getattr(engine, "__version__", None)
        or getattr(engine, "ENGINE_VERSION", None)
        or openimr.__version__
    )


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class _Unit:
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


class Workflow:
    """Case operations over one database, with the engine and letter renderer to use."""

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
    ) -> None:
        self.db = database
        self.prepare_proposals = prepare_proposals
        self.seal_audit_in_background = seal_audit_in_background
        self._sealer: audit_log.BackgroundSealer | None = None
        self._lane: EngineLane | None = None
        self._lane_lock = threading.Lock()
        self._proposer = proposer
        self._renderer = renderer
        self._clock = clock or (lambda: datetime.now(UTC))
        self.rules = rules or workflow_rules()
        self.specialties = specialties or specialty_rules()
        self._zone = ZoneInfo(self.rules.timezone)

    # -- time, units of work, access -------------------------------------------------------

    def now(self) -> datetime:
        return self._clock()

    def today(self) -> date:
        """Today in California: the date every deadline and receipt is counted in."""
        return self.now().astimezone(self._zone).date()

    @contextmanager
    def _unit(self, actor: Actor, *, write: bool = True) -> Iterator[_Unit]:
        unit: _Unit | None = None
        try:
            with self.db.session(write=write) as session:
                unit = _Unit(session=session, actor=actor)
                yield unit
                audit_log.record(session, unit.entries)
        except BaseException:
            if unit is not None and unit.refusals:
                with self.db.session() as session:
                    audit_log.record(session, unit.refusals)
                self._audit_written()
            raise
        if unit.entries:
            self._audit_written()

    def _audit_written(self) -> None:
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

    def _allow(self, unit: _Unit, action: str, case_id: str | None = None) -> None:
        if unit.actor.role not in PERMISSIONS[action]:
            unit.refuse(action, case_id, f"role {unit.actor.role.value}")
            raise AccessDenied(f"a user with role {unit.actor.role.value} may not do {action}")

    def _case(self, unit: _Unit, case_id: str, action: str) -> Case:
        """The case, if the actor may act on it; reviewers see only cases assigned to them."""
        self._allow(unit, action, case_id)
        case = unit.session.get(Case, case_id)
        if case is None:
            raise NotFound(f"no case {case_id}")
        if unit.actor.role is Role.REVIEWER and not self._assigned(
            unit.session, case_id, unit.actor
        ):
            unit.refuse(action, case_id, "not assigned to this reviewer")
            raise NotFound(f"no case {case_id}")
        return case

    @staticmethod
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

    def _transition(
        self, unit: _Unit, case: Case, target: CaseStatus, reason: str | None = None
    ) -> None:
        check_transition(case.status, target)
        expected = case.version
        result = unit.session.execute(
            update(Case)
            .where(Case.id == case.id, Case.version == expected, Case.status == case.status)
            .values(status=target.value, version=expected + 1, updated_at=self.now())
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise ConflictError(f"case {case.id} was changed by someone else; reload it and retry")
        unit.session.add(
            CaseEvent(
                case_id=case.id,
                from_status=case.status,
                to_status=target.value,
                reason=reason,
                actor_id=unit.actor.user_id,
                at=self.now(),
            )
        )
        unit.record("case.transition", case.id, from_status=case.status, to_status=target.value)
        # The UPDATE above already wrote these; tell the ORM so it does not write them again.
        set_committed_value(case, "status", target.value)
        set_committed_value(case, "version", expected + 1)

    # -- users and reviewers ---------------------------------------------------------------

    def authenticate(self, token: str) -> Actor:
        """The actor a bearer token belongs to (:class:`AccessDenied` if none)."""
        with self.db.session(write=False) as session:
            user = session.execute(
                select(User).where(User.token_sha256 == token_hash(token))
            ).scalar_one_or_none()
            if user is None or not user.active:
                raise AccessDenied("unknown or revoked token")
            return Actor(
                user_id=user.id, name=user.name, role=Role(user.role), reviewer_id=user.reviewer_id
            )

    def create_user(
        self, actor: Actor, name: str, role: Role, *, reviewer_code: str | None = None
    ) -> tuple[int, str]:
        """Create a user; returns the id and the token (shown once, stored only as a hash)."""
        if not name.strip():
            raise InputError("a user needs a name", location="name")
        token = new_token()
        with self._unit(actor) as unit:
            self._allow(unit, "user.manage")
            reviewer_id = None
            if reviewer_code is not None:
                reviewer_id = self._reviewer_by_code(unit.session, reviewer_code).id
            elif role is Role.REVIEWER:
                raise InputError(
                    "a reviewer user must name their registry entry (--reviewer CODE)",
                    location="reviewer",
                )
            if unit.session.execute(select(User.id).where(User.name == name)).first():
                raise ConflictError(f"a user named {name!r} already exists")
            user = User(
                name=name,
                role=role.value,
                token_sha256=token_hash(token),
                reviewer_id=reviewer_id,
                active=True,
                created_at=self.now(),
            )
            unit.session.add(user)
            unit.session.flush()
            unit.record("user.create", None, user_id=user.id, role=role.value)
            return user.id, token

    @staticmethod
    def _reviewer_by_code(session: Session, code: str) -> Reviewer:
        reviewer = session.execute(
            select(Reviewer).where(Reviewer.code == code)
        ).scalar_one_or_none()
        if reviewer is None:
            raise NotFound(f"no reviewer {code!r} in the registry")
        return reviewer

    def add_reviewer(
        self, actor: Actor, data: ReviewerIn, *, user: str | None = None
    ) -> ReviewerOut:
        with self._unit(actor) as unit:
            self._allow(unit, "reviewer.manage")
            if unit.session.execute(select(Reviewer.id).where(Reviewer.code == data.code)).first():
                raise ConflictError(f"reviewer {data.code} is already in the registry")
            reviewer = Reviewer(**data.model_dump(), created_at=self.now())
            unit.session.add(reviewer)
            unit.session.flush()
            if user is not None:
                row = unit.session.execute(
                    select(User).where(User.name == user)
                ).scalar_one_or_none()
                if row is None:
                    raise NotFound(f"no user {user!r}")
                row.reviewer_id = reviewer.id
            unit.record("reviewer.add", None, reviewer=reviewer.code)
            return self._reviewer_out(reviewer, 0, show_name=True)

    def list_reviewers(self, actor: Actor) -> list[ReviewerOut]:
        with self._unit(actor, write=False) as unit:
            self._allow(unit, "reviewer.list")
            loads = self._loads(unit.session)
            rows = unit.session.execute(select(Reviewer).order_by(Reviewer.code)).scalars().all()
            return [
                self._reviewer_out(r, loads.get(r.id, 0), show_name=actor.role is Role.ADMIN)
                for r in rows
            ]

    @staticmethod
    def _reviewer_out(row: Reviewer, load: int, *, show_name: bool) -> ReviewerOut:
        return ReviewerOut(
            id=row.id,
            code=row.code,
            name=row.name if show_name else None,
            license_states=list(row.license_states),
            license_unrestricted=row.license_unrestricted,
            board_certifications=list(row.board_certifications),
            specialties=list(row.specialties),
            years_active_practice=row.years_active_practice,
            weekly_clinical_hours=row.weekly_clinical_hours,
            affiliations=list(row.affiliations),
            max_open_cases=row.max_open_cases,
            active=row.active,
            open_cases=load,
        )

    @staticmethod
    def _loads(session: Session) -> dict[int, int]:
        rows = session.execute(
            select(Assignment.reviewer_id, func.count(Assignment.id))
            .join(Case, Case.id == Assignment.case_id)
            .where(Assignment.active.is_(True), Case.status.in_([s.value for s in REVIEWER_LOAD]))
            .group_by(Assignment.reviewer_id)
        ).all()
        return {reviewer_id: count for reviewer_id, count in rows}

    # -- cases -----------------------------------------------------------------------------

    def create_case(
        self,
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
        today = self.today()
        received = application.received_on or today
        if received > today:
            raise InputError(
                "the receipt date is in the future", location="application.received_on"
            )
        canonical = canonical_json(case_file.model_dump(mode="json")).encode()
        key = dispute_key(case_file, application)
        with self._unit(actor) as unit:
            self._allow(unit, "case.create")
            session = unit.session
            if self.db.engine.dialect.name == "postgresql":  # one filing of a dispute at a time
                session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})
            duplicates = tuple(
                session.execute(
                    select(Case.id)
                    .where(Case.dispute_key == key, Case.status != CaseStatus.WITHDRAWN.value)
                    .order_by(Case.created_at)
                ).scalars()
            )
            now = self.now()
            case = Case(
                id="imr-" + uuid.uuid4().hex[:16],
                external_id=case_file.case_id,
                status=CaseStatus.APPLICATION_RECEIVED.value,
                review_type=case_file.review_type,
                version=1,
                case_file_sha256=sha256_hex(canonical),
                dispute_key=key,
                application=application.model_dump(mode="json"),
                received_on=received,
                ur_decision_date=case_file.ur_decision_date,
                notice_method=application.notice_method,
                created_by=actor.user_id,
                created_at=now,
                updated_at=now,
            )
            session.add(case)
            session.add(
                CaseEvent(
                    case_id=case.id,
                    from_status=None,
                    to_status=case.status,
                    reason="application received",
                    actor_id=actor.user_id,
                    at=now,
                )
            )
            self._store_document(
                unit, case, "case_file", canonical, "application/json", filename, None, {}
            )
            if original is not None and original != canonical:
                self._store_document(
                    unit,
                    case,
                    "original",
                    original,
                    original_media_type or "application/octet-stream",
                    filename,
                    None,
                    {},
                )
            unit.record("case.create", case.id, case_file_sha256=case.case_file_sha256)
            facts = ScreeningFacts.resolve(
                case_file, application, received_on=received, duplicates=duplicates
            )
            self._apply_screening(unit, case, screen(facts, self.rules, today=today))
            detail = self._detail(unit, case, case_file)
        self._prepare_proposal(case.id, case.case_file_sha256, case.status)
        return detail

    def screen_case(
        self, actor: Actor, case_id: str, application: Application | None = None
    ) -> CaseDetail:
        """Screen again after the parties answered a request for information."""
        with self._unit(actor) as unit:
            case = self._case(unit, case_id, "case.screen")
            if case.status not in {
                CaseStatus.APPLICATION_RECEIVED.value,
                CaseStatus.NEEDS_INFORMATION.value,
            }:
                raise WorkflowError(
                    f"case {case.id} is {case.status}; only a case waiting for "
                    "screening or for information can be screened"
                )
            if application is not None:
                case.application = application.model_dump(mode="json")
                case.notice_method = application.notice_method
            app = Application.model_validate(case.application)
            case_file = self._case_file(unit.session, case)
            duplicates = tuple(
                unit.session.execute(
                    select(Case.id)
                    .where(
                        Case.dispute_key == case.dispute_key,
                        Case.id != case.id,
                        Case.created_at <= case.created_at,
                        Case.status != CaseStatus.WITHDRAWN.value,
                    )
                    .order_by(Case.created_at)
                ).scalars()
            )
            facts = ScreeningFacts.resolve(
                case_file, app, received_on=case.received_on, duplicates=duplicates
            )
            self._apply_screening(unit, case, screen(facts, self.rules, today=self.today()))
            detail = self._detail(unit, case, case_file)
        self._prepare_proposal(case.id, case.case_file_sha256, case.status)
        return detail

    def _apply_screening(self, unit: _Unit, case: Case, result: EligibilityResult) -> None:
        target = {
            "eligible": CaseStatus.ELIGIBLE,
            "ineligible": CaseStatus.INELIGIBLE,
            "needs_information": CaseStatus.NEEDS_INFORMATION,
        }[result.outcome]
        case.eligibility = result.model_dump(mode="json")
        case.screened_on = result.screened_on
        if target is CaseStatus.INELIGIBLE:
            case.closed_on = result.screened_on
        unit.session.flush()
        failed = [r.rule for r in result.rules if r.outcome in {"fail", "unknown"}]
        self._transition(unit, case, target, reason="; ".join(result.reasons) or "all rules met")
        unit.record("case.screen", case.id, outcome=result.outcome, rules=failed)
        self._store_deadlines(unit.session, case)

    def _clock_of(self, case: Case) -> deadline_rules.CaseClock:
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
            closed=case.status in {s.value for s in CLOSED},
            ur_decision_served=served_on,
            received=case.received_on,
            screened=case.screened_on,
            assigned=case.assigned_on,
            records_complete=case.records_complete_on,
            letter_issued=case.letter_issued_on,
        )

    def deadlines(self, case: Case) -> list[DeadlineView]:
        return deadline_rules.compute(self.rules, self._clock_of(case), today=self.today())

    def _store_deadlines(self, session: Session, case: Case) -> None:
        """Keep the computed deadlines as rows so that the overdue list is one query."""
        views = {v.name: v for v in self.deadlines(case)}
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

    def _case_file(self, session: Session, case: Case) -> CaseFile:
        """The case file with the text of every record document added since it arrived."""
        documents = session.execute(
            select(Document.kind, Document.content, Document.text, Document.meta)
            .where(Document.case_id == case.id, Document.kind.in_(["case_file", "record"]))
            .order_by(Document.id)
        ).all()
        base = next((d for d in documents if d.kind == "case_file"), None)
        if base is None:
            raise StoreError(f"case {case.id} has no stored case file")
        import json

        data = json.loads(base.content)
        for document in documents:
            if document.kind == "record" and document.text and document.text.strip():
                meta = document.meta or {}
                data["records"].append(
                    {
                        "kind": meta.get("record_kind", RecordKind.OTHER.value),
                        "date": meta.get("record_date"),
                        "author": meta.get("author"),
                        "specialty": meta.get("specialty"),
                        "text": document.text,
                    }
                )
        return parse_case_data(data, source=f"case {case.id}")

    def get_case(self, actor: Actor, case_id: str) -> CaseDetail:
        """A case in full; the read of its health information is audited."""
        with self._unit(actor) as unit:
            case = self._case(unit, case_id, "case.read")
            unit.record("case.read", case.id)
            return self._detail(unit, case, self._case_file(unit.session, case))

    def list_cases(
        self,
        actor: Actor,
        *,
        status: str | None = None,
        overdue: bool | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[CaseSummary]:
        """Cases without health information, newest first; reviewers see only theirs."""
        if status is not None and status not in {s.value for s in CaseStatus}:
            raise InputError(f"unknown status {status!r}", location="status")
        with self._unit(actor, write=False) as unit:
            self._allow(unit, "case.list")
            query = (
                select(Case).order_by(Case.created_at.desc(), Case.id).limit(limit).offset(offset)
            )
            if status is not None:
                query = query.where(Case.status == status)
            if actor.role is Role.REVIEWER:
                query = query.where(
                    exists().where(
                        Assignment.case_id == Case.id,
                        Assignment.reviewer_id == (actor.reviewer_id or -1),
                        Assignment.active.is_(True),
                    )
                )
            late = exists().where(
                CaseDeadline.case_id == Case.id,
                CaseDeadline.met_on.is_(None),
                CaseDeadline.due_on < self.today(),
            ) & Case.status.not_in([s.value for s in CLOSED])
            if overdue is True:
                query = query.where(late)
            elif overdue is False:
                query = query.where(~late)
            cases = unit.session.execute(query).scalars().all()
            return [self._summary(unit.session, case) for case in cases]

    def _summary(self, session: Session, case: Case) -> CaseSummary:
        deadlines = self.deadlines(case)
        reviewer = session.execute(
            select(Reviewer.code)
            .join(Assignment, Assignment.reviewer_id == Reviewer.id)
            .where(
                Assignment.case_id == case.id,
                Assignment.active.is_(True),
                Assignment.kind == "primary",
            )
        ).scalar_one_or_none()
        return CaseSummary(
            id=case.id,
            external_id=case.external_id,
            status=case.status,
            review_type=case.review_type,
            version=case.version,
            received_on=case.received_on,
            deadlines=deadlines,
            overdue=any(d.overdue for d in deadlines),
            reviewer=reviewer,
        )

    def _detail(self, unit: _Unit, case: Case, case_file: CaseFile) -> CaseDetail:
        session = unit.session
        session.flush()
        summary = self._summary(session, case)
        assignments = session.execute(
            select(Assignment).where(Assignment.case_id == case.id).order_by(Assignment.id)
        ).scalars()
        documents = session.execute(
            select(Document).where(Document.case_id == case.id).order_by(Document.id)
        ).scalars()
        events = session.execute(
            select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
        ).scalars()
        record = session.execute(
            select(DeterminationRecord.status, DeterminationRecord.version).where(
                DeterminationRecord.case_id == case.id
            )
        ).first()
        return CaseDetail(
            **summary.model_dump(),
            case_file=case_file.model_dump(mode="json"),
            case_file_sha256=case.case_file_sha256,
            application=dict(case.application or {}),
            eligibility=EligibilityResult.model_validate(case.eligibility)
            if case.eligibility
            else None,
            assignments=[AssignmentResult.model_validate(a.explanation) for a in assignments],
            documents=[self._document_out(d) for d in documents],
            events=[
                CaseEventOut(
                    from_status=e.from_status,
                    to_status=e.to_status,
                    reason=e.reason,
                    at=e.at,
                    actor_id=e.actor_id,
                )
                for e in events
            ],
            determination_status=record.status if record else None,
            determination_version=record.version if record else None,
        )

    def withdraw(self, actor: Actor, case_id: str, reason: str) -> CaseDetail:
        """The employee withdrew the application."""
        return self._close(actor, case_id, CaseStatus.WITHDRAWN, reason)

    def terminate(self, actor: Actor, case_id: str, reason: str) -> CaseDetail:
        """The claims administrator authorized the disputed treatment (8 CCR 9792.10.6(a))."""
        return self._close(actor, case_id, CaseStatus.TERMINATED, reason)

    def _close(self, actor: Actor, case_id: str, target: CaseStatus, reason: str) -> CaseDetail:
        with self._unit(actor) as unit:
            case = self._case(unit, case_id, "case.close")
            self._transition(unit, case, target, reason=reason)
            case.closed_on = self.today()
            self._store_deadlines(unit.session, case)
            return self._detail(unit, case, self._case_file(unit.session, case))

    def mark_records_complete(self, actor: Actor, case_id: str) -> CaseDetail:
        """All records are in (or their deadline passed): the review may start."""
        with self._unit(actor) as unit:
            case = self._case(unit, case_id, "case.records_complete")
            if case.status != CaseStatus.ASSIGNED.value:
                check_transition(case.status, CaseStatus.RECORDS_COMPLETE)
            self._transition(unit, case, CaseStatus.RECORDS_COMPLETE, reason="records complete")
            case.records_complete_on = self.today()
            self._store_deadlines(unit.session, case)
            return self._detail(unit, case, self._case_file(unit.session, case))

    # -- documents -------------------------------------------------------------------------

    def add_document(
        self,
        actor: Actor,
        case_id: str,
        content: bytes,
        *,
        filename: str | None,
        media_type: str | None,
        record: dict[str, Any] | None = None,
    ) -> DocumentOut:
        """Store a PDF or text record with its hash; the same bytes twice is refused."""
        kind_media, text_content = _read_document(content, media_type, filename)
        meta = _record_meta(record or {})
        with self._unit(actor) as unit:
            case = self._case(unit, case_id, "document.add")
            if (
                case.status in {s.value for s in CLOSED}
                or case.status == CaseStatus.DETERMINATION_SIGNED.value
            ):
                raise WorkflowError(f"case {case.id} is {case.status}; it takes no more records")
            document = self._store_document(
                unit, case, "record", content, kind_media, filename, text_content, meta
            )
            if text_content and text_content.strip():
                effective = self._case_file(unit.session, case)
                canonical = canonical_json(effective.model_dump(mode="json")).encode()
                case.case_file_sha256 = sha256_hex(canonical)
                case.updated_at = self.now()
            added = self._document_out(document)
        self._prepare_proposal(case.id, case.case_file_sha256, case.status)
        return added

    def _store_document(
        self,
        unit: _Unit,
        case: Case,
        kind: str,
        content: bytes,
        media_type: str,
        filename: str | None,
        text_content: str | None,
        meta: dict[str, Any],
        *,
        letter_version: int | None = None,
    ) -> Document:
        digest = sha256_hex(content)
        existing = unit.session.execute(
            select(Document.id).where(
                Document.case_id == case.id, Document.kind == kind, Document.sha256 == digest
            )
        ).scalar_one_or_none()
        if existing is not None:
            raise ConflictError(
                f"this {kind} is already stored on case {case.id} as document {existing} "
                f"(sha256 {digest[:12]}...); nothing was overwritten"
            )
        document = Document(
            case_id=case.id,
            kind=kind,
            filename=filename,
            media_type=media_type,
            size=len(content),
            sha256=digest,
            content=content,
            text=text_content,
            meta=meta,
            letter_version=letter_version,
            created_by=unit.actor.user_id,
            created_at=self.now(),
        )
        unit.session.add(document)
        try:
            with unit.session.begin_nested():
                unit.session.flush()
        except IntegrityError:
            raise ConflictError(
                f"this {kind} was stored on case {case.id} at the same moment; "
                "nothing was overwritten"
            ) from None
        unit.record("document.add", case.id, document=document.id, kind=kind, sha256=digest)
        return document

    def get_document(
        self, actor: Actor, case_id: str, document_id: int
    ) -> tuple[DocumentOut, bytes]:
        with self._unit(actor) as unit:
            case = self._case(unit, case_id, "document.read")
            document = unit.session.get(Document, document_id)
            if document is None or document.case_id != case.id:
                raise NotFound(f"no document {document_id} on case {case_id}")
            unit.record("document.read", case.id, document=document.id)
            return self._document_out(document), document.content

    @staticmethod
    def _document_out(document: Document) -> DocumentOut:
        return DocumentOut(
            id=document.id,
            kind=document.kind,
            filename=document.filename,
            media_type=document.media_type,
            size=document.size,
            sha256=document.sha256,
            created_at=document.created_at,
            letter_version=document.letter_version,
            meta=document.meta or {},
            has_text=bool(document.text),
        )

    # -- assignment ------------------------------------------------------------------------

    def assign(
        self, actor: Actor, case_id: str, request: AssignmentRequest | None = None
    ) -> AssignmentResult:
        """Assign a qualified, conflict-free reviewer, explaining every exclusion."""
        request = request or AssignmentRequest()
        with self._unit(actor) as unit:
            case = self._case(unit, case_id, "case.assign")
            session = unit.session
            if request.additional:
                if actor.role is not Role.ADMIN:
                    unit.refuse("case.assign.additional", case.id, f"role {actor.role.value}")
                    raise AccessDenied("only an administrator may add a second reviewer")
                if not request.approval:
                    raise InputError(
                        "a second reviewer needs the Administrative Director's written "
                        "approval (8 CCR 9792.10.6(b)); describe it in `approval`",
                        location="approval",
                    )
                if case.status not in {s.value for s in REVIEWER_LOAD}:
                    raise WorkflowError(
                        f"case {case.id} is {case.status}; it has no reviewer to add to"
                    )
            elif case.status not in {s.value for s in ASSIGNABLE}:
                check_transition(case.status, CaseStatus.ASSIGNED)
                raise WorkflowError(f"case {case.id} is {case.status}; it cannot be assigned now")
            current = (
                session.execute(
                    select(Assignment).where(
                        Assignment.case_id == case.id, Assignment.active.is_(True)
                    )
                )
                .scalars()
                .all()
            )
            loads = self._loads(session)
            reviewers = session.execute(select(Reviewer)).scalars().all()
            candidates = [
                assigning.Candidate(
                    id=r.id,
                    code=r.code,
                    license_states=tuple(r.license_states),
                    license_unrestricted=r.license_unrestricted,
                    board_certifications=tuple(r.board_certifications),
                    specialties=tuple(r.specialties),
                    years_active_practice=r.years_active_practice,
                    weekly_clinical_hours=r.weekly_clinical_hours,
                    affiliations=tuple(r.affiliations),
                    max_open_cases=r.max_open_cases,
                    active=r.active,
                    open_cases=loads.get(r.id, 0),
                )
                for r in reviewers
            ]
            case_file = self._case_file(session, case)
            application = Application.model_validate(case.application)
            choice = assigning.choose(
                case_file,
                assigning.Parties.of(case_file, application),
                candidates,
                self.rules.reviewer_qualifications,
                self.specialties,
                wanted=request.reviewer,
                already_on_case=frozenset(a.reviewer_id for a in current),
            )
            kind = "additional" if request.additional else "primary"
            now = self.now()
            result = AssignmentResult(
                case_id=case.id,
                reviewer=choice.chosen.code,
                kind=kind,
                specialties=list(choice.chosen.specialties),
                reasons=choice.reasons
                + ([f"second reviewer approved: {request.approval}"] if request.additional else []),
                excluded=choice.excluded,
                needed_specialties=choice.needed,
                assigned_at=now,
            )
            if kind == "primary":
                for previous in current:
                    if previous.kind == "primary":
                        previous.active = False
            session.add(
                Assignment(
                    case_id=case.id,
                    reviewer_id=choice.chosen.id,
                    kind=kind,
                    active=True,
                    explanation=result.model_dump(mode="json"),
                    assigned_by=actor.user_id,
                    assigned_at=now,
                )
            )
            if request.notice_method:
                case.notice_method = request.notice_method
            if case.status == CaseStatus.ELIGIBLE.value:
                case.assigned_on = self.today()
                self._transition(
                    unit, case, CaseStatus.ASSIGNED, reason=f"assigned to {choice.chosen.code}"
                )
            unit.record("case.assign", case.id, reviewer=choice.chosen.code, kind=kind)
            self._store_deadlines(session, case)
            return result

    # -- proposal and determination --------------------------------------------------------

    def get_proposal(self, actor: Actor, case_id: str) -> str:
        """The engine's determination as JSON; computed once per case-file and engine version."""
        found = self.find_proposal(actor, case_id)
        if isinstance(found, str):
            return found
        return self.read_new_proposal(actor, case_id, found.result())

    def find_proposal(self, actor: Actor, case_id: str) -> str | Future[int]:
        """The stored proposal's JSON, or the engine job that is computing it.

        The job runs on the engine thread, outside any transaction; a preparation of this
        case file already queued or running is joined, not repeated. Once it is done, read
        the result with :meth:`read_new_proposal`. (A server awaits the job without holding
        a request thread; :meth:`get_proposal` simply blocks.)
        """
        version = engine_version()
        with self._unit(actor) as unit:
            case = self._case(unit, case_id, "proposal.read")
            digest = case.case_file_sha256
            stored = self._stored_proposal(unit.session, case.id, digest, version)
            if stored is not None:
                unit.record("proposal.read", case.id, proposal=stored.id)
                return stored.content
        return self._engine_lane().submit(
            *self._proposal_work(case_id, digest, version, actor.label)
        )

    def read_new_proposal(self, actor: Actor, case_id: str, proposal_id: int) -> str:
        """The proposal an engine job of :meth:`find_proposal` stored (access checked again)."""
        with self._unit(actor) as unit:
            case = self._case(unit, case_id, "proposal.read")
            proposal = unit.session.get(Proposal, proposal_id)
            if proposal is None or proposal.case_id != case.id:
                raise StoreError(f"proposal {proposal_id} of case {case_id} not found")
            unit.record("proposal.read", case.id, proposal=proposal.id)
            return proposal.content

    def _engine_lane(self) -> EngineLane:
        with self._lane_lock:
            if self._lane is None:
                self._lane = EngineLane()
            return self._lane

    def _proposal_work(
        self, case_id: str, digest: str, version: str, by: str
    ) -> tuple[str, Callable[[], int]]:
        """The engine lane's key for one case file and engine version, and the job computing it."""
        key = f"{case_id}:{digest}:{version}"
        return key, lambda: self._compute_proposal(case_id, digest, version, by)

    def _prepare_proposal(self, case_id: str, digest: str, status: str) -> None:
        """Queue the proposal of a case file that has just arrived or changed (if enabled)."""
        if self.prepare_proposals and status in PREPARED_STATES:
            self._engine_lane().prepare(
                *self._proposal_work(case_id, digest, engine_version(), ENGINE_LABEL)
            )

    def _compute_proposal(self, case_id: str, digest: str, version: str, by: str) -> int:
        """Run the engine on a case file and store its proposal; returns the proposal's id.

        Runs on the engine thread. Another process may have stored the same proposal first:
        then theirs is kept and returned.
        """
        with self.db.session(write=False) as session:
            stored = self._stored_proposal(session, case_id, digest, version)
            if stored is not None:
                return stored.id
            case = session.get(Case, case_id)
            if case is None:
                raise NotFound(f"no case {case_id}")
            case_file = self._case_file(session, case)
        proposer = self._proposer or _default_proposer()
        content = proposer(case_file).model_dump_json()
        with self.db.session() as session:
            try:
                with session.begin_nested():
                    proposal = Proposal(
                        case_id=case_id,
                        case_file_sha256=digest,
                        engine_version=version,
                        content=content,
                        created_at=self.now(),
                    )
                    session.add(proposal)
                    session.flush()
            except IntegrityError:  # computed at the same time elsewhere: keep theirs
                stored = self._stored_proposal(session, case_id, digest, version)
                if stored is None:
                    raise
                return stored.id
            audit_log.record(
                session,
                [
                    PendingEntry(
                        by,
                        "proposal.create",
                        case_id,
                        {"proposal": proposal.id, "engine_version": version},
                    )
                ],
            )
        self._audit_written()
        return proposal.id

    def warm_up(self) -> None:
        """Load the engine on its thread now, so that the first proposal does not wait for it."""
        if self._proposer is None:
            self._engine_lane().prepare("engine:load", _load_default_engine)

    def wait_for_proposals(self, timeout: float | None = None) -> None:
        """Block until every proposal queued so far is stored (tests, benchmarks)."""
        if self._lane is not None:
            self._lane.join(timeout)

    def start_background(self) -> None:
        """Server start: load the engine, and chain audit entries on a thread of their own."""
        if self.prepare_proposals:
            self.warm_up()
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

    @staticmethod
    def _stored_proposal(
        session: Session, case_id: str, digest: str, version: str
    ) -> Proposal | None:
        return session.execute(
            select(Proposal).where(
                Proposal.case_id == case_id,
                Proposal.case_file_sha256 == digest,
                Proposal.engine_version == version,
            )
        ).scalar_one_or_none()

    @staticmethod
    def _latest_proposal(session: Session, case_id: str) -> Proposal | None:
        return session.execute(
            select(Proposal)
            .where(Proposal.case_id == case_id)
            .order_by(Proposal.id.desc())
            .limit(1)
        ).scalar_one_or_none()

    def get_determination(self, actor: Actor, case_id: str) -> DeterminationView:
        with self._unit(actor) as unit:
            case = self._case(unit, case_id, "determination.read")
            unit.record("determination.read", case.id)
            return self._determination_view(unit.session, case)

    def _determination_view(self, session: Session, case: Case) -> DeterminationView:
        record = session.execute(
            select(DeterminationRecord).where(DeterminationRecord.case_id == case.id)
        ).scalar_one_or_none()
        proposal_row = (
            session.get(Proposal, record.proposal_id)
            if record is not None and record.proposal_id
            else self._latest_proposal(session, case.id)
        )
        proposal = Determination.model_validate_json(proposal_row.content) if proposal_row else None
        if record is None:
            return DeterminationView(
                case_id=case.id,
                status="none",
                version=0,
                determination=None,
                proposal_id=proposal_row.id if proposal_row else None,
                proposal_outdated=bool(
                    proposal_row and proposal_row.case_file_sha256 != case.case_file_sha256
                ),
                items=[],
                revisions=[],
            )
        determination = Determination.model_validate_json(record.content)
        revisions = session.execute(
            select(DeterminationRevision)
            .where(DeterminationRevision.determination_id == record.id)
            .order_by(DeterminationRevision.version)
        ).scalars()
        return DeterminationView(
            case_id=case.id,
            status=record.status,  # type: ignore[arg-type]
            version=record.version,
            determination=determination,
            proposal_id=record.proposal_id,
            proposal_outdated=bool(
                proposal_row and proposal_row.case_file_sha256 != case.case_file_sha256
            ),
            items=signoff.changes(proposal, determination, list(record.item_review)),
            revisions=[
                DeterminationRevisionOut(
                    version=r.version,
                    action=r.action,
                    at=r.at,
                    author_id=r.author_id,
                    content_sha256=r.content_sha256,
                )
                for r in revisions
            ],
            signed_at=record.signed_at,
            content_sha256=record.content_sha256,
        )

    def save_determination(
        self, actor: Actor, case_id: str, edit: DeterminationEdit, *, if_match: int | None = None
    ) -> DeterminationView:
        """Save the reviewer's accepts and edits; refused if the version moved on (409)."""
        expected = edit.version if edit.version is not None else if_match
        if expected is None:
            raise InputError(
                "say which version you edited: a `version` field or an If-Match header",
                location="version",
            )
        if edit.version is not None and if_match is not None and edit.version != if_match:
            raise InputError(
                "the If-Match header and the version field disagree", location="version"
            )
        with self._unit(actor) as unit:
            case = self._case(unit, case_id, "determination.edit")
            session = unit.session
            if case.status not in {s.value for s in REVIEWABLE}:
                raise WorkflowError(
                    f"case {case.id} is {case.status}; the determination can be edited once the "
                    "records are complete and until it is signed"
                )
            record = session.execute(
                select(DeterminationRecord).where(DeterminationRecord.case_id == case.id)
            ).scalar_one_or_none()
            case_file = self._case_file(session, case)
            now = self.now()
            if record is None:
                if expected != 0:
                    raise ConflictError(
                        f"there is no determination yet (version 0); you edited version {expected}"
                    )
                proposal_row = self._latest_proposal(session, case.id)
                proposal = (
                    Determination.model_validate_json(proposal_row.content)
                    if proposal_row
                    else None
                )
                draft, review = signoff.apply_edit(case_file, proposal, None, None, edit)
                content = draft.model_dump_json()
                record = DeterminationRecord(
                    case_id=case.id,
                    proposal_id=proposal_row.id if proposal_row else None,
                    status="draft",
                    version=1,
                    content=content,
                    item_review=review,
                    content_sha256=sha256_hex(content.encode()),
                    updated_at=now,
                )
                session.add(record)
                try:
                    with session.begin_nested():
                        session.flush()
                except IntegrityError:
                    raise ConflictError(
                        "another determination was started at the same moment; reload and retry"
                    ) from None
            else:
                if record.status == "signed":
                    raise ConflictError("the determination is signed; it can no longer change")
                if record.version != expected:
                    raise ConflictError(
                        f"the determination is at version {record.version}; you edited version "
                        f"{expected}. Reload it and apply your changes again"
                    )
                proposal_row = (
                    session.get(Proposal, record.proposal_id) if record.proposal_id else None
                )
                proposal = (
                    Determination.model_validate_json(proposal_row.content)
                    if proposal_row
                    else None
                )
                current = Determination.model_validate_json(record.content)
                draft, review = signoff.apply_edit(
                    case_file, proposal, current, list(record.item_review), edit
                )
                content = draft.model_dump_json()
                self._conditional_update(
                    session,
                    record,
                    expected,
                    content=content,
                    item_review=review,
                    content_sha256=sha256_hex(content.encode()),
                    updated_at=now,
                )
            session.add(
                DeterminationRevision(
                    determination_id=record.id,
                    version=record.version,
                    action="edit",
                    content=record.content,
                    item_review=list(record.item_review),
                    content_sha256=record.content_sha256,
                    author_id=actor.user_id,
                    at=now,
                )
            )
            if case.status == CaseStatus.RECORDS_COMPLETE.value:
                self._transition(unit, case, CaseStatus.IN_REVIEW, reason="review started")
            unit.record(
                "determination.edit",
                case.id,
                version=record.version,
                items=list(record.item_review),
            )
            session.flush()
            return self._determination_view(session, case)

    def _conditional_update(
        self, session: Session, record: DeterminationRecord, expected: int, **values: Any
    ) -> None:
        """Optimistic lock: the UPDATE matches only if nobody moved the version on."""
        result = session.execute(
            update(DeterminationRecord)
            .where(
                DeterminationRecord.id == record.id,
                DeterminationRecord.version == expected,
                DeterminationRecord.status == "draft",
            )
            .values(version=expected + 1, **values)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise ConflictError(
                "the determination was changed or signed by someone else at the same moment; "
                "reload it"
            )
        session.refresh(record)

    def sign(self, actor: Actor, case_id: str, *, version: int | None) -> DeterminationView:
        """Sign the determination: frozen from then on; only a signed one gets a letter."""
        if version is None:
            raise InputError(
                "say which version you sign: a `version` field or an If-Match header",
                location="version",
            )
        with self._unit(actor) as unit:
            case = self._case(unit, case_id, "determination.sign")
            session = unit.session
            record = session.execute(
                select(DeterminationRecord).where(DeterminationRecord.case_id == case.id)
            ).scalar_one_or_none()
            if record is None:
                raise WorkflowError("there is no determination to sign; save it first")
            if record.status == "signed":
                raise ConflictError("the determination is already signed")
            if record.version != version:
                raise ConflictError(
                    f"the determination is at version {record.version}; you are signing version "
                    f"{version}. Reload it and review the changes"
                )
            if case.status != CaseStatus.IN_REVIEW.value:
                check_transition(case.status, CaseStatus.DETERMINATION_SIGNED)
            signoff.ready_to_sign(list(record.item_review))
            reviewer = session.get(Reviewer, actor.reviewer_id) if actor.reviewer_id else None
            if reviewer is None:
                raise AccessDenied("only a reviewer in the registry can sign")
            first_assignment = session.execute(
                select(func.min(Assignment.assigned_at)).where(Assignment.case_id == case.id)
            ).scalar()
            signed = signoff.finalize(
                Determination.model_validate_json(record.content),
                case_id=case.external_id or case.id,
                credentials=ReviewerCredentials(
                    licensure=list(reviewer.license_states),
                    certifications=list(reviewer.board_certifications),
                    specialty=reviewer.specialties[0] if reviewer.specialties else None,
                ),
                decision_date=self.today(),
                date_assigned=case.assigned_on
                or (first_assignment.date() if first_assignment else None),
                application_received=case.received_on,
                priority="expedited" if case.review_type == "expedited" else "standard",
            )
            content = signed.model_dump_json()
            now = self.now()
            self._conditional_update(
                session,
                record,
                version,
                content=content,
                status="signed",
                content_sha256=sha256_hex(content.encode()),
                signed_by=actor.user_id,
                signed_at=now,
                updated_at=now,
            )
            session.add(
                DeterminationRevision(
                    determination_id=record.id,
                    version=record.version,
                    action="sign",
                    content=content,
                    item_review=list(record.item_review),
                    content_sha256=record.content_sha256,
                    author_id=actor.user_id,
                    at=now,
                )
            )
            case.signed_on = self.today()
            self._transition(unit, case, CaseStatus.DETERMINATION_SIGNED, reason="signed")
            unit.record(
                "determination.sign", case.id, version=record.version, sha256=record.content_sha256
            )
            self._store_deadlines(session, case)
            session.flush()
            return self._determination_view(session, case)

    # -- letters ---------------------------------------------------------------------------

    def get_letter(
        self, actor: Actor, case_id: str, fmt: str, *, version: int | None = None
    ) -> LetterOut:
        """The letter of the signed determination; rendered and kept the first time it is asked."""
        media_type = _letter_media_type(fmt)
        with self._unit(actor) as unit:
            case = self._case(unit, case_id, "letter.read")
            stored = self._stored_letter(unit.session, case, fmt, version)
            if stored is not None:
                unit.record("letter.read", case.id, document=stored.id)
                return _letter_out(stored, fmt)
            if version is not None:
                raise NotFound(f"no letter version {version} in {fmt} for case {case_id}")
            signed = self._signed(unit.session, case)
        return self._render_and_store(actor, case_id, fmt, media_type, signed, reissue=False)

    def issue_letter(self, actor: Actor, case_id: str, fmt: str) -> LetterOut:
        """Render the letter again (a new version if the bytes differ; old ones are kept)."""
        media_type = _letter_media_type(fmt)
        with self._unit(actor) as unit:
            case = self._case(unit, case_id, "letter.issue")
            signed = self._signed(unit.session, case)
        return self._render_and_store(actor, case_id, fmt, media_type, signed, reissue=True)

    def _signed(self, session: Session, case: Case) -> DeterminationRecord:
        record = session.execute(
            select(DeterminationRecord).where(
                DeterminationRecord.case_id == case.id, DeterminationRecord.status == "signed"
            )
        ).scalar_one_or_none()
        if record is None:
            raise WorkflowError(
                f"case {case.id} is {case.status}: a letter exists only for a signed determination"
            )
        return record

    def _render_and_store(
        self,
        actor: Actor,
        case_id: str,
        fmt: str,
        media_type: str,
        signed: DeterminationRecord,
        *,
        reissue: bool,
    ) -> LetterOut:
        renderer = self._renderer or _default_renderer()
        content = renderer(Determination.model_validate_json(signed.content), fmt)
        digest = sha256_hex(content)
        with self._unit(actor) as unit:
            action = "letter.issue" if reissue else "letter.read"
            case = self._case(unit, case_id, action)
            session = unit.session
            same = session.execute(
                select(Document).where(
                    Document.case_id == case.id,
                    Document.kind == "letter",
                    Document.sha256 == digest,
                )
            ).scalar_one_or_none()
            if same is not None:
                unit.record("letter.read", case.id, document=same.id)
                return _letter_out(same, fmt)
            latest = session.execute(
                select(func.max(Document.letter_version)).where(
                    Document.case_id == case.id,
                    Document.kind == "letter",
                    Document.media_type == media_type,
                )
            ).scalar()
            document = self._store_document(
                unit,
                case,
                "letter",
                content,
                media_type,
                f"{case.id}-letter.{'txt' if fmt == 'text' else fmt}",
                None,
                {"format": fmt, "determination_sha256": signed.content_sha256},
                letter_version=(latest or 0) + 1,
            )
            if case.status == CaseStatus.DETERMINATION_SIGNED.value:
                case.letter_issued_on = self.today()
                case.closed_on = self.today()
                self._transition(unit, case, CaseStatus.LETTER_ISSUED, reason=f"letter ({fmt})")
                self._store_deadlines(session, case)
            unit.record(
                "letter.issue", case.id, document=document.id, version=document.letter_version
            )
            return _letter_out(document, fmt)

    @staticmethod
    def _stored_letter(
        session: Session, case: Case, fmt: str, version: int | None
    ) -> Document | None:
        query = select(Document).where(
            Document.case_id == case.id,
            Document.kind == "letter",
            Document.media_type == LETTER_MEDIA_TYPES[fmt],
        )
        if version is not None:
            query = query.where(Document.letter_version == version)
        return session.execute(
            query.order_by(Document.letter_version.desc()).limit(1)
        ).scalar_one_or_none()

    # -- audit -----------------------------------------------------------------------------

    def audit_entries(
        self, actor: Actor, *, case_id: str | None = None, after: int = 0, limit: int = 500
    ) -> list[AuditEntryOut]:
        """Chained entries, oldest first (every entry committed so far is chained first)."""
        import json

        self.seal_audit()
        with self._unit(actor, write=False) as unit:
            self._allow(unit, "audit.read")
            query = (
                select(AuditEntry)
                .where(AuditEntry.seq > after)
                .order_by(AuditEntry.seq)
                .limit(limit)
            )
            if case_id is not None:
                query = query.where(AuditEntry.case_id == case_id)
            return [
                AuditEntryOut(
                    seq=e.seq,
                    at=e.at,
                    actor=e.actor,
                    action=e.action,
                    case_id=e.case_id,
                    detail=json.loads(e.detail),
                    entry_hash=e.entry_hash,
                )
                for e in unit.session.execute(query).scalars()
            ]

    def verify_audit(self) -> audit_log.VerifyReport:
        """Chain what is pending, then recompute the whole chain."""
        self.seal_audit()
        with self.db.session(write=False) as session:
            return audit_log.verify(session)


def _letter_media_type(fmt: str) -> str:
    if fmt not in LETTER_MEDIA_TYPES:
        raise InputError(f"unknown letter format {fmt!r}; use pdf, html or text", location="format")
    return LETTER_MEDIA_TYPES[fmt]


def _letter_out(document: Document, fmt: str) -> LetterOut:
    return LetterOut(
        content=document.content,
        media_type=document.media_type,
        version=document.letter_version or 1,
        sha256=document.sha256,
        format=fmt,
    )


def _read_document(
    content: bytes, media_type: str | None, filename: str | None
) -> tuple[str, str | None]:
    """Accept PDF or UTF-8 text only; return the media type and the text for the engine."""
    where = filename or "document"
    if not content:
        raise InputError("the document is empty", source=where, location="file")
    if len(content) > MAX_DOCUMENT_BYTES:
        raise InputError(
            f"the document is {len(content) / 1_048_576:.1f} MB; the limit is "
            f"{MAX_DOCUMENT_BYTES // 1_048_576} MB",
            source=where,
            location="file",
        )
    if content.startswith(b"%PDF-"):
        return "application/pdf", _pdf_text(content)
    if media_type == "application/pdf":
        raise InputError("declared as PDF but is not a PDF file", source=where, location="file")
    if b"\x00" in content[:65536]:
        raise InputError(
            "only PDF and plain-text documents are accepted", source=where, location="file"
        )
    try:
        decoded = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(
            "only PDF and UTF-8 plain-text documents are accepted", source=where, location="file"
        ) from None
    return "text/plain", decoded


def _pdf_text(content: bytes) -> str | None:
    """Text of a PDF for the engine; ``None`` when it has none (a scan) or cannot be read."""
    try:
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument(content)
        try:
            pages = []
            for index in range(len(pdf)):
                page = pdf[index]
                text_page = page.get_textpage()
                pages.append(text_page.get_text_range())
                text_page.close()
                page.close()
        finally:
            pdf.close()
    except Exception:  # a damaged PDF is still stored; it only gives no text
        return None
    joined = "\n\f\n".join(pages).replace("\x00", "")
    return joined if joined.strip() else None


def _record_meta(record: dict[str, Any]) -> dict[str, Any]:
    """Validate the record fields given with an upload against the case-file contract."""
    fields = {k: v for k, v in record.items() if v not in (None, "")}
    probe = {"kind": fields.get("record_kind", RecordKind.OTHER.value), "text": "probe"}
    for key in ("author", "specialty"):
        if key in fields:
            probe[key] = fields[key]
    if "record_date" in fields:
        probe["date"] = fields["record_date"]
    try:
        Record.model_validate(probe)
    except Exception as exc:
        from pydantic import ValidationError

        if isinstance(exc, ValidationError):
            detail = exc.errors(include_url=False)[0]
            loc = str(detail.get("loc", ("record",))[0])
            name = {"kind": "record_kind", "date": "record_date"}.get(loc, loc)
            raise InputError(str(detail.get("msg")), location=name) from None
        raise
    return {
        "record_kind": probe["kind"],
        "record_date": probe.get("date"),
        "author": probe.get("author"),
        "specialty": probe.get("specialty"),
    }
