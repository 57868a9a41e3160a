"""Signing in with a name and password or a bearer token, and out: the sign-in form is guarded
by a cookie of its own; both ways count failures against the same throttle.

Nothing posted without a session is carried through sign-in: a page that showed such values
as "your unsaved edits" would let another site fill in a reviewer's determination.
"""

from __future__ import annotations

import time

from fastapi import Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse

from openimr.errors import AccessDenied, TooManyAttempts
from openimr.web import forms
from openimr.web.failures import workbench_router
from openimr.web.pages import PREFIX
from openimr.web.security import LOGIN_COOKIE, LOGIN_FORM_SECONDS, SESSION_COOKIE, csrf_matches
from openimr.web.session import (
    current,
    login_page,
    posted,
    safe_next,
    set_session,
    signer,
    workflow_of,
)

router = workbench_router()


@router.get("/login")
async def login_form(request: Request, next: str | None = None) -> Response:
    if await current(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return login_page(request, next_url=safe_next(next))


@router.post("/login")
async def login(request: Request) -> Response:
    form = await request.form(max_part_size=2 * 1024 * 1024)
    next_url = safe_next(forms.text_field(form, "next"))
    guard = signer(request).loads("signin", request.cookies.get(LOGIN_COOKIE))
    nonce = guard.get("n") if guard else None
    issued = guard.get("t") if guard else None
    fresh = isinstance(issued, int) and 0 <= time.time() - issued <= LOGIN_FORM_SECONDS
    if not (isinstance(nonce, str) and fresh and csrf_matches(nonce, form.get("csrf"))):  # type: ignore[arg-type]
        return login_page(
            request,
            next_url=next_url,
            status=400,
            error="The sign-in form expired (or cookies are blocked). Please try again.",
        )
    token = forms.text_field(form, "token").strip()
    name = forms.text_field(form, "name").strip()
    password = forms.text_field(form, "password")
    workflow = workflow_of(request)
    address = request.client.host if request.client else None
    by_password = not token and bool(name or password)
    if not token and not (name and password):
        return login_page(
            request,
            next_url=next_url,
            status=422,
            error="Enter your name and password, or paste your access token.",
            name=name,
        )
    try:
        if by_password:
            _, session_id = await run_in_threadpool(
                workflow.start_password_session, name, password, address
            )
        else:
            _, session_id = await run_in_threadpool(workflow.start_session, token, address)
    except TooManyAttempts as exc:
        refused = login_page(
            request,
            next_url=next_url,
            status=429,
            error=f"Too many failed sign-ins. Wait {exc.retry_after} seconds, then try again.",
            name=name,
        )
        refused.headers["Retry-After"] = str(exc.retry_after)
        return refused
    except AccessDenied:
        if by_password:
            return login_page(
                request,
                next_url=next_url,
                status=401,
                error="That name and password do not match an active user.",
                name=name,
            )
        return login_page(
            request,
            next_url=next_url,
            status=401,
            error="That token is not recognised or has been revoked. Paste the whole token "
            "printed by “openimr users create”.",
        )
    response = RedirectResponse(next_url, status_code=303)
    set_session(request, response, session_id)
    response.delete_cookie(LOGIN_COOKIE, path=PREFIX)
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    web, _ = await posted(request)
    await run_in_threadpool(web.workflow.end_session, web.session.session_id)
    response = RedirectResponse(f"{PREFIX}/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path=PREFIX)
    return response
