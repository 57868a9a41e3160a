"""The registry of expert reviewers: adding them, listing them with their open cases."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from openimr.errors import ConflictError, NotFound
from openimr.store.models import Assignment, Case, Reviewer, User
from openimr.workflow.schemas import Actor, ReviewerIn, ReviewerOut, Role
from openimr.workflow.service.unit import Core
from openimr.workflow.states import REVIEWER_LOAD


def add_reviewer(
    core: Core, actor: Actor, data: ReviewerIn, *, user: str | None = None
) -> ReviewerOut:
    """Add a reviewer to the registry, and link an existing user to them if named."""
    with core.unit(actor) as unit:
        unit.allow("reviewer.manage")
        if unit.session.execute(select(Reviewer.id).where(Reviewer.code == data.code)).first():
            raise ConflictError(f"reviewer {data.code} is already in the registry")
        reviewer = Reviewer(**data.model_dump(), created_at=core.now())
        unit.session.add(reviewer)
        unit.session.flush()
        if user is not None:
            row = unit.session.execute(select(User).where(User.name == user)).scalar_one_or_none()
            if row is None:
                raise NotFound(f"no user {user!r}")
            row.reviewer_id = reviewer.id
        unit.record("reviewer.add", None, reviewer=reviewer.code)
        return reviewer_out(reviewer, 0, show_name=True)


def list_reviewers(core: Core, actor: Actor) -> list[ReviewerOut]:
    """The registry with each reviewer's open cases (names for administrators only)."""
    with core.unit(actor, write=False) as unit:
        unit.allow("reviewer.list")
        counts = loads(unit.session)
        rows = unit.session.execute(select(Reviewer).order_by(Reviewer.code)).scalars().all()
        return [
            reviewer_out(r, counts.get(r.id, 0), show_name=actor.role is Role.ADMIN) for r in rows
        ]


def reviewer_out(row: Reviewer, load: int, *, show_name: bool) -> ReviewerOut:
    shown = ReviewerOut.model_validate(row, from_attributes=True)
    return shown.model_copy(update={"open_cases": load, "name": row.name if show_name else None})


def loads(session: Session) -> dict[int, int]:
    """Open cases per reviewer id: the cases they are on that are not yet signed."""
    rows = session.execute(
        select(Assignment.reviewer_id, func.count(Assignment.id))
        .join(Case, Case.id == Assignment.case_id)
        .where(Assignment.active.is_(True), Case.status.in_([s.value for s in REVIEWER_LOAD]))
        .group_by(Assignment.reviewer_id)
    ).all()
    return {reviewer_id: count for reviewer_id, count in rows}


def by_code(session: Session, code: str) -> Reviewer:
    reviewer = session.execute(select(Reviewer).where(Reviewer.code == code)).scalar_one_or_none()
    if reviewer is None:
        raise NotFound(f"no reviewer {code!r} in the registry")
    return reviewer
