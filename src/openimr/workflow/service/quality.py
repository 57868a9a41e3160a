"""The medical director's quality review: when the organization turns it on
(``OPENIMR_QUALITY_REVIEW``), a signed determination's letter is held until a medical director
has read the determination and released it. The review changes nothing in the determination
(a signature freezes it); it is recorded on the case, in its history and in the audit log."""

from __future__ import annotations

from openimr.errors import WorkflowError
from openimr.store.models import Case, CaseEvent
from openimr.workflow.schemas import Actor, CaseDetail
from openimr.workflow.service.cases import detail, effective_case_file, quality_review_pending
from openimr.workflow.service.unit import Core
from openimr.workflow.states import CaseStatus


def check_released(core: Core, case: Case) -> None:
    """Refuse the letter while the determination waits for its quality review."""
    if quality_review_pending(core, case):
        raise WorkflowError(
            f"case {case.id}: the signed determination waits for the medical director's "
            "quality review; its letter is released after it"
        )


def release(core: Core, actor: Actor, case_id: str, note: str | None = None) -> CaseDetail:
    """The medical director read the signed determination and releases its letter."""
    with core.unit(actor) as unit:
        case = unit.case(case_id, "determination.quality_review")
        if not core.settings.quality_review:
            raise WorkflowError("this organization does not hold determinations for review")
        if case.status != CaseStatus.DETERMINATION_SIGNED or case.quality_reviewed_at:
            raise WorkflowError(
                f"case {case.id} is {case.status}"
                + (", already released" if case.quality_reviewed_at else "")
                + "; only a signed determination waiting for review can be released"
            )
        now = core.now()
        case.quality_reviewed_at = now
        case.quality_reviewed_by = actor.user_id
        reason = "quality review: released" + (
            f" ({note.strip()})" if note and note.strip() else ""
        )
        unit.session.add(
            CaseEvent(
                case_id=case.id,
                from_status=case.status,
                to_status=case.status,
                reason=reason,
                actor_id=actor.user_id,
                at=now,
            )
        )
        unit.record("determination.quality_review", case.id, released=True)
        return detail(unit, case, effective_case_file(unit.session, case))
