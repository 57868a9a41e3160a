"""Typed dependencies: the workflow of this app and the authenticated caller."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException

from openimr.errors import AccessDenied, InputError
from openimr.workflow import Actor, Workflow
from openimr.workflow.schemas import MAX_COUNT

_bearer = HTTPBearer(auto_error=False, description="Token printed by `openimr users create`.")


def get_workflow(request: Request) -> Workflow:
    workflow: Workflow = request.app.state.workflow
    return workflow


def get_actor(
    workflow: Annotated[Workflow, Depends(get_workflow)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    """The caller named by the bearer token; 401 without a valid one."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(401, "a bearer token is required", {"WWW-Authenticate": "Bearer"})
    try:
        return workflow.authenticate(credentials.credentials)
    except AccessDenied:
        raise HTTPException(
            401, "unknown, expired or revoked token", {"WWW-Authenticate": "Bearer"}
        ) from None


_ETAG = re.compile(r'^\s*(?:W/)?"?(\d+)"?\s*$')


def if_match_version(
    if_match: Annotated[
        str | None, Header(alias="If-Match", description='The version being changed, e.g. "3".')
    ] = None,
) -> int | None:
    """The version number in an ``If-Match`` header (our ETags are version numbers)."""
    if if_match is None:
        return None
    found = _ETAG.match(if_match)
    if not found or len(found.group(1)) > len(str(MAX_COUNT)) or int(found.group(1)) > MAX_COUNT:
        raise InputError('If-Match must hold a version number, e.g. "3"', location="If-Match")
    return int(found.group(1))


WorkflowDep = Annotated[Workflow, Depends(get_workflow)]
ActorDep = Annotated[Actor, Depends(get_actor)]
IfMatchDep = Annotated[int | None, Depends(if_match_version)]
