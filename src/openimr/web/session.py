"""One signed-in workbench request: the session cookie, the actor and the CSRF check.

A page handler starts with :func:`signed_in` (a GET) or :func:`posted` (a POST form); both
raise :class:`SignInRequired` without a valid session, and :func:`posted` raises
:class:`BadForm` unless the form carries the session's CSRF token.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

from fastapi import Request, Response
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from openimr.errors import OpenIMRError
from openimr.web.pages import PREFIX, render
from openimr.web.security import (
    LOGIN_COOKIE,
    LOGIN_FORM_SECONDS,
    SESSION_COOKIE,
    SessionData,
    Signer,
    csrf_matches,
    load_secret,
)
from openimr.workflow import Actor, Workflow


class SignInRequired(Exception):
    """No valid session: the browser is sent to the sign-in page."""


class BadForm(Exception):
    """A POST without this session's CSRF token (or without a form at all)."""


@dataclass(frozen=True)
class Web:
    """One signed-in request: the workflow, who is acting and the session's CSRF token."""

    request: Request
    workflow: Workflow
    actor: Actor
    session: SessionData

    def context(self, **extra: Any) -> dict[str, Any]:
        return {"actor": self.actor, "csrf": self.session.csrf, **extra}


def signer(request: Request) -> Signer:
    """The app's cookie signer, its key read (or created) on first use."""
    state = request.app.state
    found: Signer | None = getattr(state, "workbench_signer", None)
    if found is None:
        found = Signer(load_secret(getattr(state, "workbench_home", None)))
        state.workbench_signer = found
    return found


def workflow_of(request: Request) -> Workflow:
    workflow: Workflow = request.app.state.workflow
    return workflow


async def current(request: Request) -> Web | None:
    """The signed-in request, or ``None`` without a live session of an active user."""
    data = session_of(request)
    if data is None:
        return None
    workflow = workflow_of(request)
    actor = await run_in_threadpool(workflow.session_actor, data.session_id)
    if actor is None:
        return None
    return Web(request, workflow, actor, data)


def session_of(request: Request) -> SessionData | None:
    """The session the cookie names (live or not: the store decides)."""
    keys = signer(request)
    return SessionData.from_payload(
        keys.loads("session", request.cookies.get(SESSION_COOKIE)), keys
    )


async def quiet(request: Request) -> Web | None:
    """The session for an error page's header, if it can be had (the store may be down)."""
    try:
        return await current(request)
    except OpenIMRError:
        return None


async def signed_in(request: Request) -> Web:
    web = await current(request)
    if web is None:
        raise SignInRequired
    return web


async def posted(request: Request) -> tuple[Web, FormData]:
    """The session and the form of a POST, refused unless it carries the session's token."""
    web = await signed_in(request)
    form = await request.form(max_part_size=2 * 1024 * 1024)
    given = form.get("csrf")
    if not csrf_matches(web.session.csrf, given if isinstance(given, str) else None):
        raise BadForm
    return web, form


def safe_next(value: str | None) -> str:
    """Only a path inside the workbench (no other host, no scheme)."""
    if (
        value
        and value.startswith(PREFIX + "/")
        and not value.startswith("//")
        and "\\" not in value
        and "://" not in value
    ):
        return value
    return PREFIX + "/"


def secure_cookies(request: Request) -> bool:
    """Secure when the deployment says it is behind TLS, else when this request is HTTPS
    (the scheme a trusted proxy forwarded, if one is configured)."""
    return workflow_of(request).settings.secure_cookies or request.url.scheme == "https"


def session_data(request: Request, session_id: str) -> SessionData:
    return SessionData(session_id=session_id, csrf=signer(request).derive("csrf", session_id))


def set_session(request: Request, response: Response, session_id: str) -> SessionData:
    """Give the browser the new session's id (a browser-session cookie: the store ends it)."""
    data = session_data(request, session_id)
    response.set_cookie(
        SESSION_COOKIE,
        signer(request).dumps("session", data.to_payload()),
        path=PREFIX,
        httponly=True,
        samesite="strict",
        secure=secure_cookies(request),
    )
    return data


def login_page(
    request: Request,
    *,
    next_url: str,
    error: str | None = None,
    status: int = 200,
    name: str = "",
) -> Response:
    """The sign-in form, with a fresh cookie guarding it (and nothing anyone posted but the
    name typed, never a password or token)."""
    nonce = secrets.token_urlsafe(32)
    settings = workflow_of(request).settings
    response = render(
        request,
        "login.html.j2",
        {
            "actor": None,
            "csrf": nonce,
            "next_url": next_url,
            "error": error,
            "name": name,
            "idle_minutes": settings.session_idle_minutes,
            "session_hours": settings.session_hours,
        },
        status=status,
    )
    response.set_cookie(
        LOGIN_COOKIE,
        signer(request).dumps("signin", {"n": nonce, "t": int(time.time())}),
        max_age=LOGIN_FORM_SECONDS,
        path=PREFIX,
        httponly=True,
        samesite="strict",
        secure=secure_cookies(request),
    )
    return response
