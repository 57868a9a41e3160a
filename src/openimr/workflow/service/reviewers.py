"""The registry of expert reviewers: adding, editing and deactivating them, listing them with
their open cases and what keeps any case from being assigned to them."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from openimr.errors import ConflictError, InputError, NotFound
from openimr.store.models import Assignment, Case, Reviewer, User
from openimr.workflow import assignment as choosing
from openimr.workflow.rules import ReviewerQualifications
from openimr.workflow.schemas import Actor, ReviewerChange, ReviewerIn, ReviewerOut, Role
from openimr.workflow.service.unit import Core
from openimr.workflow.states import REVIEWER_LOAD

#: Fields a change may set to null: the confidential name and the case limit.
_CLEARABLE = frozenset({"name", "max_open_cases"})


def add_reviewer(
    core: Core, actor: Actor, data: ReviewerIn, *, user: str | None = None
) -> ReviewerOut:
    """Add a reviewer to the registry, and link an existing user to them if named."""
    _check_profession(core.rules.reviewer_qualifications, data.profession)
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
        return reviewer_out(core, reviewer, 0, show_name=True)


def update_reviewer(core: Core, actor: Actor, code: str, change: ReviewerChange) -> ReviewerOut:
    """Change the fields given (a deactivated reviewer is offered no new case; the cases they
    are on stay theirs until reassigned)."""
    fields = change.model_dump(exclude_unset=True)
    if not fields:
        raise InputError("nothing to change", location="body")
    for name, value in fields.items():
        if value is None and name not in _CLEARABLE:
            raise InputError(f"{name} cannot be cleared", location=name)
    if fields.get("profession") is not None:
        _check_profession(core.rules.reviewer_qualifications, fields["profession"])
    with core.unit(actor) as unit:
        unit.allow("reviewer.manage")
        reviewer = by_code(unit.session, code)
        changed = sorted(k for k, v in fields.items() if getattr(reviewer, k) != v)
        for key in changed:
            setattr(reviewer, key, fields[key])
        if changed:
            action = "reviewer.update"
            if changed == ["active"]:
                action = "reviewer.activate" if reviewer.active else "reviewer.deactivate"
            unit.record(action, None, reviewer=reviewer.code, fields=changed)
        unit.session.flush()
        load = loads(unit.session).get(reviewer.id, 0)
        return reviewer_out(core, reviewer, load, show_name=True)


def set_active(core: Core, actor: Actor, code: str, *, active: bool) -> ReviewerOut:
    """Deactivate a reviewer (no new cases), or make them available again."""
    return update_reviewer(core, actor, code, ReviewerChange(active=active))


def list_reviewers(core: Core, actor: Actor) -> list[ReviewerOut]:
    """The registry with each reviewer's open cases (names for administrators only)."""
    with core.unit(actor, write=False) as unit:
        unit.allow("reviewer.list")
        counts = loads(unit.session)
        rows = unit.session.execute(select(Reviewer).order_by(Reviewer.code)).scalars().all()
        return [
            reviewer_out(core, r, counts.get(r.id, 0), show_name=actor.role is Role.ADMIN)
            for r in rows
        ]


def requirements(core: Core, actor: Actor, profession: str) -> list[str]:
    """What assignment will require of a reviewer of ``profession``, in words."""
    with core.unit(actor, write=False) as unit:
        unit.allow("reviewer.list")
    _check_profession(core.rules.reviewer_qualifications, profession)
    return choosing.requirements(core.rules.reviewer_qualifications, profession)


def _check_profession(rules: ReviewerQualifications, profession: str) -> None:
    if profession not in rules.professions:
        known = ", ".join(rules.professions)
        raise InputError(
            f"unknown profession {profession!r}; use one of: {known}", location="profession"
        )


def reviewer_out(core: Core, row: Reviewer, load: int, *, show_name: bool) -> ReviewerOut:
    shown = ReviewerOut.model_validate(row, from_attributes=True)
    problems = choosing.qualification_problems(
        candidate(row, load), core.rules.reviewer_qualifications
    )
    return shown.model_copy(
        update={
            "open_cases": load,
            "name": row.name if show_name else None,
            "qualification_problems": problems,
        }
    )


def candidate(row: Reviewer, load: int) -> choosing.Candidate:
    """A registry row as the assignment rules read it."""
    return choosing.Candidate(
        id=row.id,
        code=row.code,
        profession=row.profession,
        license_states=tuple(row.license_states),
        license_unrestricted=row.license_unrestricted,
        board_certifications=tuple(row.board_certifications),
        specialties=tuple(row.specialties),
        years_active_practice=row.years_active_practice,
        weekly_clinical_hours=row.weekly_clinical_hours,
        affiliations=tuple(row.affiliations),
        max_open_cases=row.max_open_cases,
        active=row.active,
        open_cases=load,
    )


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
