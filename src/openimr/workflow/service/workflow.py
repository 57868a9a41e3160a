"""The case workflow as one object: every operation on a case, as Python calls.

A thin facade: each method is one unit of work carried out by the module of its concern
(:mod:`.accounts`, :mod:`.reviewers`, :mod:`.intake`, :mod:`.cases`, :mod:`.documents`,
:mod:`.assignment`, :mod:`.proposals`, :mod:`.determinations`, :mod:`.quality`,
:mod:`.letters`, :mod:`.audit_log`, :mod:`.corpus`), over the shared :class:`~.unit.Core`. The
API, the command line and the reviewer workbench all call these methods; nothing here knows
about HTTP.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future
from datetime import date, datetime
from typing import Any

from sqlalchemy import text

from openimr.casefile import CaseFile
from openimr.corpus.schemas import (
    CorpusQuery,
    DecisionHit,
    DecisionLetter,
    DecisionPage,
    StatsRow,
    TurnaroundRow,
)
from openimr.settings import Settings
from openimr.store import audit_log as audit_store
from openimr.store.db import Database
from openimr.workflow.rules import SpecialtyRules, WorkflowRules
from openimr.workflow.schemas import (
    Actor,
    Application,
    AssignmentRequest,
    AssignmentResult,
    AuditEntryOut,
    CaseDetail,
    CasePage,
    CaseQuery,
    CaseSummary,
    DeterminationEdit,
    DeterminationView,
    DocumentOut,
    EvidenceRef,
    LetterOut,
    PageImageOut,
    PublishedOut,
    ReviewerChange,
    ReviewerIn,
    ReviewerOut,
    Role,
    UserOut,
)
from openimr.workflow.service import (
    accounts,
    assignment,
    audit_log,
    cases,
    corpus,
    determinations,
    documents,
    intake,
    letters,
    proposals,
    quality,
    queue,
    reviewers,
)
from openimr.workflow.service.unit import Core, LetterRenderer, Proposer
from openimr.workflow.states import CaseStatus


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
        settings: Settings | None = None,
    ) -> None:
        self.core = Core(
            database,
            proposer=proposer,
            renderer=renderer,
            clock=clock,
            rules=rules,
            specialties=specialties,
            prepare_proposals=prepare_proposals,
            seal_audit_in_background=seal_audit_in_background,
            settings=settings,
        )
        self.db = database
        self.settings = self.core.settings
        self.rules = self.core.rules
        self.specialties = self.core.specialties

    # -- time, the process's background threads, the database ------------------------------

    def now(self) -> datetime:
        return self.core.now()

    def today(self) -> date:
        """Today in California: the date every deadline and receipt is counted in."""
        return self.core.today()

    def start_background(self) -> None:
        """Server start: load the engine, and chain audit entries on a thread of their own."""
        if self.core.prepare_proposals:
            proposals.warm_up(self.core)
        self.core.start_sealer()

    def warm_up(self) -> None:
        """Load the engine on its thread now, so that the first proposal does not wait for it."""
        proposals.warm_up(self.core)

    def wait_for_proposals(self, timeout: float | None = None) -> None:
        """Block until every proposal queued so far is stored (tests, benchmarks)."""
        self.core.wait_for_engine(timeout)

    def close(self) -> None:
        """Stop the background threads (queued preparations are dropped, pending audit entries
        are chained) and close the database."""
        self.core.close()

    def check_database(self) -> str:
        """Run a trivial query; returns the database's kind (``sqlite``, ``postgresql``)."""
        with self.db.session(write=False) as session:
            session.execute(text("SELECT 1"))
        return self.db.engine.dialect.name

    # -- users and reviewers ---------------------------------------------------------------

    def authenticate(self, token: str) -> Actor:
        return accounts.authenticate(self.core, token)

    def start_session(self, token: str, address: str | None = None) -> tuple[Actor, str]:
        """Sign in to the workbench: the actor and the session id for the cookie (failures
        throttled per ``address`` and per account, and audited)."""
        return accounts.start_session(self.core, token, address)

    def start_password_session(
        self, name: str, password: str, address: str | None = None
    ) -> tuple[Actor, str]:
        """Sign in to the workbench by name and password, under the same throttle."""
        return accounts.start_password_session(self.core, name, password, address)

    def session_actor(self, session_id: str) -> Actor | None:
        return accounts.session_actor(self.core, session_id)

    def end_session(self, session_id: str) -> None:
        accounts.end_session(self.core, session_id)

    def create_user(
        self,
        actor: Actor,
        name: str,
        role: Role,
        *,
        reviewer_code: str | None = None,
        password: str | None = None,
    ) -> tuple[int, str]:
        return accounts.create_user(
            self.core, actor, name, role, reviewer_code=reviewer_code, password=password
        )

    def set_password(self, actor: Actor, name: str, password: str) -> None:
        """A new workbench password for the user; their open sessions end."""
        accounts.set_password(self.core, actor, name, password)

    def list_users(self, actor: Actor) -> list[UserOut]:
        return accounts.list_users(self.core, actor)

    def revoke_user(self, actor: Actor, name: str) -> None:
        """Deactivate a user: token refused, workbench sessions ended."""
        accounts.revoke_user(self.core, actor, name)

    def rotate_token(self, actor: Actor, name: str) -> str:
        """A new token for the user (shown once); the old token and its sessions end."""
        return accounts.rotate_token(self.core, actor, name)

    def add_reviewer(
        self, actor: Actor, data: ReviewerIn, *, user: str | None = None
    ) -> ReviewerOut:
        return reviewers.add_reviewer(self.core, actor, data, user=user)

    def list_reviewers(self, actor: Actor) -> list[ReviewerOut]:
        return reviewers.list_reviewers(self.core, actor)

    def update_reviewer(self, actor: Actor, code: str, change: ReviewerChange) -> ReviewerOut:
        return reviewers.update_reviewer(self.core, actor, code, change)

    def set_reviewer_active(self, actor: Actor, code: str, *, active: bool) -> ReviewerOut:
        """Deactivate a reviewer (no new cases; theirs stay until reassigned), or reactivate."""
        return reviewers.set_active(self.core, actor, code, active=active)

    def reviewer_requirements(self, actor: Actor, profession: str) -> list[str]:
        """What assignment will require of a reviewer of ``profession``, in words."""
        return reviewers.requirements(self.core, actor, profession)

    # -- intake, screening and the case's lifecycle ----------------------------------------

    def create_case(
        self,
        actor: Actor,
        case_file: CaseFile,
        application: Application | None = None,
        *,
        original: bytes | None = None,
        filename: str | None = None,
    ) -> CaseDetail:
        return intake.create_case(
            self.core,
            actor,
            case_file,
            application,
            original=original,
            filename=filename,
        )

    def screen_case(
        self, actor: Actor, case_id: str, application: Application | None = None
    ) -> CaseDetail:
        return intake.screen_case(self.core, actor, case_id, application)

    def mark_records_complete(self, actor: Actor, case_id: str) -> CaseDetail:
        return intake.mark_records_complete(self.core, actor, case_id)

    def withdraw(self, actor: Actor, case_id: str, reason: str) -> CaseDetail:
        """The employee withdrew the application."""
        return intake.close(self.core, actor, case_id, CaseStatus.WITHDRAWN, reason)

    def terminate(self, actor: Actor, case_id: str, reason: str) -> CaseDetail:
        """The claims administrator authorized the disputed treatment (8 CCR 9792.10.6(a))."""
        return intake.close(self.core, actor, case_id, CaseStatus.TERMINATED, reason)

    def get_case(self, actor: Actor, case_id: str) -> CaseDetail:
        return cases.get_case(self.core, actor, case_id)

    def list_cases(
        self,
        actor: Actor,
        *,
        status: str | None = None,
        overdue: bool | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[CaseSummary]:
        return queue.list_cases(
            self.core, actor, status=status, overdue=overdue, limit=limit, offset=offset
        )

    def queue(
        self,
        actor: Actor,
        query: CaseQuery,
        *,
        with_items: bool = False,
        with_choices: bool = False,
    ) -> CasePage:
        """A page of cases searched, filtered and sorted; ``with_items`` adds the disputed
        treatments and the proposals on them (an audited read), ``with_choices`` what the
        filters offer."""
        return queue.page(self.core, actor, query, with_items=with_items, with_choices=with_choices)

    def next_case(self, actor: Actor, query: CaseQuery, after: str | None = None) -> str | None:
        """The case to open after ``after`` in the order of ``query`` (None when none is left)."""
        return queue.next_case(self.core, actor, query, after)

    # -- documents and assignment ----------------------------------------------------------

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
        return documents.add_document(
            self.core,
            actor,
            case_id,
            content,
            filename=filename,
            media_type=media_type,
            record=record,
        )

    def get_document(
        self, actor: Actor, case_id: str, document_id: int
    ) -> tuple[DocumentOut, bytes]:
        return documents.get_document(self.core, actor, case_id, document_id)

    def get_page_image(
        self,
        actor: Actor,
        case_id: str,
        document_id: int,
        page: int,
        evidence: EvidenceRef | None = None,
    ) -> PageImageOut:
        return documents.page_image(self.core, actor, case_id, document_id, page, evidence)

    def assign(
        self, actor: Actor, case_id: str, request: AssignmentRequest | None = None
    ) -> AssignmentResult:
        return assignment.assign(self.core, actor, case_id, request)

    # -- the engine's proposal, the reviewer's determination, the letter -------------------

    def get_proposal(self, actor: Actor, case_id: str) -> str:
        return proposals.get_proposal(self.core, actor, case_id)

    def find_proposal(self, actor: Actor, case_id: str) -> str | Future[int]:
        return proposals.find_proposal(self.core, actor, case_id)

    def read_new_proposal(self, actor: Actor, case_id: str, proposal_id: int) -> str:
        return proposals.read_new_proposal(self.core, actor, case_id, proposal_id)

    def get_determination(self, actor: Actor, case_id: str) -> DeterminationView:
        return determinations.get_determination(self.core, actor, case_id)

    def save_determination(
        self, actor: Actor, case_id: str, edit: DeterminationEdit, *, if_match: int | None = None
    ) -> DeterminationView:
        return determinations.save_determination(self.core, actor, case_id, edit, if_match=if_match)

    def sign(
        self,
        actor: Actor,
        case_id: str,
        *,
        version: int | None,
        acknowledged_flags: Sequence[int] = (),
        reason: str | None = None,
    ) -> DeterminationView:
        return determinations.sign(
            self.core,
            actor,
            case_id,
            version=version,
            acknowledged_flags=acknowledged_flags,
            reason=reason,
        )

    def preview_letter(self, actor: Actor, case_id: str, fmt: str) -> LetterOut:
        return letters.preview_letter(self.core, actor, case_id, fmt)

    def release_determination(
        self, actor: Actor, case_id: str, note: str | None = None
    ) -> CaseDetail:
        """The medical director's quality review releases the signed determination's letter."""
        return quality.release(self.core, actor, case_id, note)

    def get_letter(
        self, actor: Actor, case_id: str, fmt: str, *, version: int | None = None
    ) -> LetterOut:
        return letters.get_letter(self.core, actor, case_id, fmt, version=version)

    def issue_letter(self, actor: Actor, case_id: str, fmt: str) -> LetterOut:
        return letters.issue_letter(self.core, actor, case_id, fmt)

    def published(self, actor: Actor, case_id: str, fmt: str) -> PublishedOut:
        return letters.published(self.core, actor, case_id, fmt)

    def fhir_export(self, actor: Actor, case_id: str, kind: str) -> PublishedOut:
        return letters.fhir_export(self.core, actor, case_id, kind)

    # -- audit -----------------------------------------------------------------------------

    def seal_audit(self, *, wait: bool = True) -> int | None:
        return self.core.seal_audit(wait=wait)

    def audit_entries(
        self, actor: Actor, *, case_id: str | None = None, after: int = 0, limit: int = 500
    ) -> list[AuditEntryOut]:
        return audit_log.audit_entries(self.core, actor, case_id=case_id, after=after, limit=limit)

    def verify_audit(self) -> audit_store.VerifyReport:
        return audit_log.verify_audit(self.core)

    def audit_checkpoint(self) -> dict[str, Any]:
        return audit_log.audit_checkpoint(self.core)

    def verify_audit_against(self, checkpoint: dict[str, Any]) -> audit_store.VerifyReport:
        return audit_log.verify_audit_against(self.core, checkpoint)

    # -- the precedent corpus (published decisions; any role may read them) ----------------

    def corpus_query(self, **values: Any) -> CorpusQuery:
        """A corpus search from typed values (``q`` the words); a bad one names its field."""
        return corpus.corpus_query(**values)

    def search_decisions(self, actor: Actor, query: CorpusQuery) -> DecisionPage:
        return corpus.search(self.core, actor, query)

    def decision_letter(self, actor: Actor, key: str) -> DecisionLetter:
        return corpus.letter(self.core, actor, key)

    def decision_rates(self, actor: Actor, by: str, query: CorpusQuery) -> list[StatsRow]:
        return corpus.rates(self.core, actor, by, query)

    def decision_turnaround(self, actor: Actor, by: str, query: CorpusQuery) -> list[TurnaroundRow]:
        return corpus.turnaround_rows(self.core, actor, by, query)

    def decision_chart(
        self,
        actor: Actor,
        kind: corpus.ChartKind,
        by: str,
        query: CorpusQuery,
        fmt: corpus.ChartFormat = "svg",
    ) -> bytes:
        return corpus.chart(self.core, actor, kind, by, query, fmt)

    def similar_decisions(
        self, actor: Actor, topic: str, region: str | None, facts: str, limit: int = 5
    ) -> list[DecisionHit]:
        return corpus.similar(self.core, actor, topic, region, facts, limit)
