"""Assigning the expert reviewer: the registry and the case go to the pure rules of
:mod:`openimr.workflow.assignment`; the choice, with every exclusion explained, is stored.
An administrator may override the rules' choice, giving a reason the assignment, the case's
history and the audit log keep."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from openimr.errors import AccessDenied, InputError, WorkflowError
from openimr.store.models import Assignment, Case, CaseEvent, Reviewer
from openimr.workflow import assignment as choosing
from openimr.workflow.schemas import (
    Actor,
    Application,
    AssignmentKind,
    AssignmentRequest,
    AssignmentResult,
    Role,
)
from openimr.workflow.service.cases import effective_case_file, store_deadlines
from openimr.workflow.service.reviewers import candidate, loads
from openimr.workflow.service.unit import Core, Unit
from openimr.workflow.states import ASSIGNABLE, REVIEWER_LOAD, CaseStatus, check_transition


def assign(
    core: Core, actor: Actor, case_id: str, request: AssignmentRequest | None = None
) -> AssignmentResult:
    """Assign a qualified, conflict-free reviewer, explaining every exclusion."""
    request = request or AssignmentRequest()
    with core.unit(actor) as unit:
        case = unit.case(case_id, "case.assign")
        session = unit.session
        _check_assignable(unit, case, request)
        current = (
            session.execute(
                select(Assignment).where(Assignment.case_id == case.id, Assignment.active.is_(True))
            )
            .scalars()
            .all()
        )
        override = _override_reason(unit, case, request)
        case_file = effective_case_file(session, case)
        choice = choosing.choose(
            case_file,
            choosing.Parties.of(case_file, Application.model_validate(case.application)),
            _candidates(session),
            core.rules.reviewer_qualifications,
            core.specialties,
            wanted=request.reviewer,
            override=override is not None,
            already_on_case=frozenset(a.reviewer_id for a in current),
        )
        overridden = choice.chosen is not choice.automatic
        automatic = choice.automatic.code if choice.automatic is not None else None
        kind = AssignmentKind.ADDITIONAL if request.additional else AssignmentKind.PRIMARY
        result = AssignmentResult(
            case_id=case.id,
            reviewer=choice.chosen.code,
            kind=kind,
            specialties=list(choice.chosen.specialties),
            reasons=choice.reasons
            + ([f"second reviewer approved: {request.approval}"] if request.additional else [])
            + (
                [f"override of the automatic choice ({automatic or 'none'}): {override}"]
                if overridden
                else []
            ),
            excluded=choice.excluded,
            needed_specialties=choice.needed,
            assigned_at=core.now(),
            automatic=automatic if overridden else None,
            override_reason=override if overridden else None,
        )
        if kind is AssignmentKind.PRIMARY:
            for previous in current:
                if previous.kind == AssignmentKind.PRIMARY:
                    previous.active = False
        session.add(
            Assignment(
                case_id=case.id,
                reviewer_id=choice.chosen.id,
                kind=kind,
                active=True,
                explanation=result.model_dump(mode="json"),
                assigned_by=actor.user_id,
                assigned_at=result.assigned_at,
            )
        )
        if request.notice_method:
            case.notice_method = request.notice_method
        why = f"assigned to {choice.chosen.code}"
        if overridden:
            why += f" over the automatic choice ({automatic or 'none'}): {override}"
        if case.status == CaseStatus.ELIGIBLE:
            case.assigned_on = core.today()
            unit.transition(case, CaseStatus.ASSIGNED, reason=why)
        else:
            session.add(
                CaseEvent(
                    case_id=case.id,
                    from_status=case.status,
                    to_status=case.status,
                    reason=why,
                    actor_id=actor.user_id,
                    at=result.assigned_at,
                )
            )
        audit: dict[str, object] = {"reviewer": choice.chosen.code, "kind": kind}
        if overridden:
            audit |= {"override": True, "automatic": automatic, "reason": override}
        unit.record("case.assign", case.id, **audit)
        store_deadlines(core, session, case)
        return result


def _check_assignable(unit: Unit, case: Case, request: AssignmentRequest) -> None:
    """A first reviewer (or a replacement) while the case is assignable; a second one only by
    an administrator, with the written approval, while a reviewer is on the case."""
    if not request.additional:
        if case.status not in ASSIGNABLE:
            check_transition(case.status, CaseStatus.ASSIGNED)
            raise WorkflowError(f"case {case.id} is {case.status}; it cannot be assigned now")
        return
    if unit.actor.role is not Role.ADMIN:
        unit.refuse("case.assign.additional", case.id, f"role {unit.actor.role.value}")
        raise AccessDenied("only an administrator may add a second reviewer")
    if not request.approval:
        raise InputError(
            "a second reviewer needs the Administrative Director's written "
            "approval (8 CCR 9792.10.6(b)); describe it in `approval`",
            location="approval",
        )
    if case.status not in REVIEWER_LOAD:
        raise WorkflowError(f"case {case.id} is {case.status}; it has no reviewer to add to")


def _override_reason(unit: Unit, case: Case, request: AssignmentRequest) -> str | None:
    """The reason of an override: an administrator's, naming the reviewer, with a reason."""
    reason = (request.override_reason or "").strip()
    if not reason:
        return None
    if unit.actor.role is not Role.ADMIN:
        unit.refuse("case.assign.override", case.id, f"role {unit.actor.role.value}")
        raise AccessDenied("only an administrator may override the automatic assignment")
    if not request.reviewer:
        raise InputError("an override names the reviewer to assign", location="reviewer")
    return reason


def _candidates(session: Session) -> list[choosing.Candidate]:
    """Every registry entry with its open cases."""
    counts = loads(session)
    return [candidate(r, counts.get(r.id, 0)) for r in session.execute(select(Reviewer)).scalars()]
