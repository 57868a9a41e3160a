"""``/api/v1/audit`` and ``/api/v1/reviewers``: the audit log and the reviewer registry
(adding, editing, deactivating reviewers, and what assignment requires of them)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from openimr.api.deps import ActorDep, WorkflowDep
from openimr.api.errors import responses
from openimr.workflow.schemas import (
    MAX_COUNT,
    AuditEntryOut,
    ReviewerChange,
    ReviewerIn,
    ReviewerOut,
)

router = APIRouter()


@router.get(
    "/audit",
    response_model=list[AuditEntryOut],
    responses=responses(403),
    tags=["audit"],
    summary="Audit entries in order (administrators)",
)
def audit(
    workflow: WorkflowDep,
    actor: ActorDep,
    case: Annotated[str | None, Query(description="Only entries about this case.")] = None,
    after: Annotated[
        int, Query(ge=0, le=MAX_COUNT, description="Entries after this sequence number.")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> list[AuditEntryOut]:
    return workflow.audit_entries(actor, case_id=case, after=after, limit=limit)


@router.get(
    "/reviewers", response_model=list[ReviewerOut], responses=responses(403), tags=["reviewers"]
)
def list_reviewers(workflow: WorkflowDep, actor: ActorDep) -> list[ReviewerOut]:
    """The registry with each reviewer's open cases (names for administrators only)."""
    return workflow.list_reviewers(actor)


@router.post(
    "/reviewers",
    status_code=201,
    response_model=ReviewerOut,
    responses=responses(403, 409),
    tags=["reviewers"],
)
def add_reviewer(body: ReviewerIn, workflow: WorkflowDep, actor: ActorDep) -> ReviewerOut:
    """Add a reviewer to the registry (administrators)."""
    return workflow.add_reviewer(actor, body)


@router.get(
    "/reviewers/requirements",
    response_model=list[str],
    responses=responses(403, 422),
    tags=["reviewers"],
)
def reviewer_requirements(
    workflow: WorkflowDep,
    actor: ActorDep,
    profession: Annotated[
        str, Query(max_length=20, description="Kind of licence: md, do, dc, dpm, ...")
    ] = "md",
) -> list[str]:
    """What assignment requires of a reviewer of a profession, in words (staff)."""
    return workflow.reviewer_requirements(actor, profession)


@router.patch(
    "/reviewers/{code}",
    response_model=ReviewerOut,
    responses=responses(403, 404, 422),
    tags=["reviewers"],
)
def update_reviewer(
    code: str, body: ReviewerChange, workflow: WorkflowDep, actor: ActorDep
) -> ReviewerOut:
    """Change the fields given of a registry entry (administrators)."""
    return workflow.update_reviewer(actor, code, body)


@router.post(
    "/reviewers/{code}/deactivation",
    response_model=ReviewerOut,
    responses=responses(403, 404),
    tags=["reviewers"],
)
def deactivate_reviewer(code: str, workflow: WorkflowDep, actor: ActorDep) -> ReviewerOut:
    """No new case is offered to the reviewer; the cases they are on stay theirs until
    reassigned (administrators)."""
    return workflow.set_reviewer_active(actor, code, active=False)


@router.post(
    "/reviewers/{code}/activation",
    response_model=ReviewerOut,
    responses=responses(403, 404),
    tags=["reviewers"],
)
def activate_reviewer(code: str, workflow: WorkflowDep, actor: ActorDep) -> ReviewerOut:
    """Offer the reviewer new cases again (administrators)."""
    return workflow.set_reviewer_active(actor, code, active=True)


class Health(BaseModel):
    status: str
    database: str


@router.get(
    "/health",
    response_model=Health,
    responses={500: responses()[500], 503: responses()[503]},
    tags=["service"],
)
def health(workflow: WorkflowDep) -> Health:
    """Liveness and database reachability; needs no token and reveals nothing about cases."""
    return Health(status="ok", database=workflow.check_database())
