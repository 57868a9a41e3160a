"""The engine's proposals: computed once per case file and engine version, on the engine thread.

A proposal is read from the store when it is there; otherwise the engine thread computes it,
outside any transaction, and a computation of the same case file already queued or running is
joined rather than repeated. In a server the thread also prepares proposals ahead of the first
read, as case files arrive or change (see :mod:`openimr.workflow.engine_lane`).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from types import ModuleType

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from openimr.errors import ComponentUnavailable, NotFound, StoreError
from openimr.store import audit_log
from openimr.store.audit_log import PendingEntry
from openimr.store.models import Case, Proposal
from openimr.workflow.schemas import Actor
from openimr.workflow.service import queue_index
from openimr.workflow.service.cases import effective_case_file
from openimr.workflow.service.unit import Core, Proposer
from openimr.workflow.states import ASSIGNABLE, REVIEWABLE

#: How the audit log names the engine thread when it prepares a proposal nobody asked for yet.
ENGINE_LABEL = "system:engine"
#: Case states whose proposal is worth preparing: the case is open and may reach a reviewer.
PREPARED_STATES = frozenset(ASSIGNABLE | REVIEWABLE)


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


def default_proposer() -> Proposer:
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
        from openimr.engine import default_engine
    except ImportError:
        return 0  # reported when a proposal is asked for
    default_engine()
    return 0


# -- reading -----------------------------------------------------------------------------


def get_proposal(core: Core, actor: Actor, case_id: str) -> str:
    """The engine's determination as JSON; computed once per case-file and engine version."""
    found = find_proposal(core, actor, case_id)
    if isinstance(found, str):
        return found
    return read_new_proposal(core, actor, case_id, found.result())


def find_proposal(core: Core, actor: Actor, case_id: str) -> str | Future[int]:
    """The stored proposal's JSON, or the engine job that is computing it.

    Once the job is done, read its result with :func:`read_new_proposal`. (A server awaits
    the job without holding a request thread; :func:`get_proposal` simply blocks.)
    """
    version = engine_version()
    with core.unit(actor) as unit:
        case = unit.case(case_id, "proposal.read")
        digest = case.case_file_sha256
        stored = stored_proposal(unit.session, case.id, digest, version)
        if stored is not None:
            unit.record("proposal.read", case.id, proposal=stored.id)
            return stored.content
    return core.engine_lane().submit(*_work(core, case_id, digest, version, actor.label))


def read_new_proposal(core: Core, actor: Actor, case_id: str, proposal_id: int) -> str:
    """The proposal an engine job of :func:`find_proposal` stored (access checked again)."""
    with core.unit(actor) as unit:
        case = unit.case(case_id, "proposal.read")
        proposal = unit.session.get(Proposal, proposal_id)
        if proposal is None or proposal.case_id != case.id:
            raise StoreError(f"proposal {proposal_id} of case {case_id} not found")
        unit.record("proposal.read", case.id, proposal=proposal.id)
        return proposal.content


def stored_proposal(session: Session, case_id: str, digest: str, version: str) -> Proposal | None:
    return session.execute(
        select(Proposal).where(
            Proposal.case_id == case_id,
            Proposal.case_file_sha256 == digest,
            Proposal.engine_version == version,
        )
    ).scalar_one_or_none()


def latest_proposal(session: Session, case_id: str) -> Proposal | None:
    return session.execute(
        select(Proposal).where(Proposal.case_id == case_id).order_by(Proposal.id.desc()).limit(1)
    ).scalar_one_or_none()


# -- computing ---------------------------------------------------------------------------


def prepare(core: Core, case_id: str, digest: str, status: str) -> None:
    """Queue the proposal of a case file that has just arrived or changed (if enabled)."""
    if core.prepare_proposals and status in PREPARED_STATES:
        core.engine_lane().prepare(*_work(core, case_id, digest, engine_version(), ENGINE_LABEL))


def warm_up(core: Core) -> None:
    """Load the engine on its thread now, so that the first proposal does not wait for it."""
    if core.proposer is None:
        core.engine_lane().prepare("engine:load", _load_default_engine)


def _work(
    core: Core, case_id: str, digest: str, version: str, by: str
) -> tuple[str, Callable[[], int]]:
    """The engine lane's key for one case file and engine version, and the job computing it."""
    key = f"{case_id}:{digest}:{version}"
    return key, lambda: _compute(core, case_id, digest, version, by)


def _compute(core: Core, case_id: str, digest: str, version: str, by: str) -> int:
    """Run the engine on a case file and store its proposal; returns the proposal's id.

    Runs on the engine thread. Another process may have stored the same proposal first:
    then theirs is kept and returned.
    """
    with core.db.session(write=False) as session:
        stored = stored_proposal(session, case_id, digest, version)
        if stored is not None:
            return stored.id
        case = session.get(Case, case_id)
        if case is None:
            raise NotFound(f"no case {case_id}")
        case_file = effective_case_file(session, case)
    proposer = core.proposer or default_proposer()
    content = proposer(case_file).model_dump_json()
    with core.db.session() as session:
        try:
            with session.begin_nested():
                proposal = Proposal(
                    case_id=case_id,
                    case_file_sha256=digest,
                    engine_version=version,
                    content=content,
                    created_at=core.now(),
                )
                session.add(proposal)
                session.flush()
                queue_index.index_proposal(session, case_id, content)
        except IntegrityError:  # computed at the same time elsewhere: keep theirs
            stored = stored_proposal(session, case_id, digest, version)
            if stored is None:
                raise
            return stored.id
        entry = PendingEntry(
            by, "proposal.create", case_id, {"proposal": proposal.id, "engine_version": version}
        )
        audit_log.record(session, [entry])
    core.audit_written()
    return proposal.id
