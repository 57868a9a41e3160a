"""User administration in the workbench (administrators): the users with their tokens' expiry
and open sessions; creating a user; replacing a token; setting a password; revoking. A new
token is shown once, on the page that answers the request, never in a link."""

from __future__ import annotations

from fastapi import Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse

from openimr.errors import AccessDenied, ConflictError, InputError, NotFound
from openimr.web import forms
from openimr.web.failures import workbench_router
from openimr.web.pages import PREFIX, render
from openimr.web.session import Web, posted, signed_in
from openimr.workflow import Role

router = workbench_router()

_NOTICES = {
    "revoked": "The user was revoked: their token is refused and their sessions ended.",
    "password": "The password was set; the user's open sessions ended.",
}

_ROLE_LABELS = {
    Role.INTAKE: "Intake staff",
    Role.REVIEWER: "Reviewer",
    Role.ADMIN: "Administrator",
    Role.MEDICAL_DIRECTOR: "Medical director",
}


def _admin(web: Web) -> None:
    if web.actor.role is not Role.ADMIN:
        raise AccessDenied("user administration is for administrators")


def _page(
    web: Web,
    *,
    status: int = 200,
    token: tuple[str, str] | None = None,
    values: dict[str, str] | None = None,
    error: str | None = None,
    error_field: str | None = None,
    notice: str | None = None,
) -> Response:
    workflow, actor = web.workflow, web.actor
    return render(
        web.request,
        "users.html.j2",
        web.context(
            users=workflow.list_users(actor),
            reviewers=[r for r in workflow.list_reviewers(actor) if r.active],
            roles=list(_ROLE_LABELS.items()),
            role_labels={role.value: label for role, label in _ROLE_LABELS.items()},
            quality_review=workflow.settings.quality_review,
            token=token,
            values=values or {"name": "", "role": Role.INTAKE.value, "reviewer": ""},
            error=error,
            error_field=error_field,
            notice=notice,
        ),
        status=status,
    )


@router.get("/users")
async def users(request: Request, done: str | None = None) -> Response:
    web = await signed_in(request)
    _admin(web)
    return await run_in_threadpool(lambda: _page(web, notice=_NOTICES.get(done or "")))


@router.post("/users")
async def create(request: Request) -> Response:
    web, form = await posted(request)
    _admin(web)
    values = {name: forms.text_field(form, name).strip() for name in ("name", "role", "reviewer")}
    password = forms.text_field(form, "password")

    def act() -> Response:
        try:
            try:
                role = Role(values["role"])
            except ValueError:
                raise InputError("choose a role", location="role") from None
            _, token = web.workflow.create_user(
                web.actor,
                values["name"],
                role,
                reviewer_code=values["reviewer"] or None,
                password=password or None,
            )
        except (InputError, ConflictError, NotFound) as exc:
            field = exc.location if isinstance(exc, InputError) else "name"
            message = exc.detail if isinstance(exc, InputError) else exc.message
            status = 422 if isinstance(exc, InputError) else 409
            return _page(web, status=status, values=values, error=message, error_field=field)
        return _page(web, token=(values["name"], token))

    return await run_in_threadpool(act)


@router.post("/users/{name}/token")
async def rotate(request: Request, name: str) -> Response:
    web, _ = await posted(request)
    _admin(web)

    def act() -> Response:
        try:
            token = web.workflow.rotate_token(web.actor, name)
        except ConflictError as exc:
            return _page(web, status=409, error=exc.message)
        return _page(web, token=(name, token))

    return await run_in_threadpool(act)


@router.post("/users/{name}/password")
async def set_password(request: Request, name: str) -> Response:
    web, form = await posted(request)
    _admin(web)
    password = forms.text_field(form, "password")

    def act() -> Response:
        try:
            web.workflow.set_password(web.actor, name, password)
        except (InputError, ConflictError) as exc:
            message = exc.detail if isinstance(exc, InputError) else exc.message
            return _page(web, status=422, error=f"{name}: {message}")
        return RedirectResponse(f"{PREFIX}/users?done=password", status_code=303)

    return await run_in_threadpool(act)


@router.post("/users/{name}/revocation")
async def revoke(request: Request, name: str) -> Response:
    web, _ = await posted(request)
    _admin(web)
    await run_in_threadpool(web.workflow.revoke_user, web.actor, name)
    return RedirectResponse(f"{PREFIX}/users?done=revoked", status_code=303)
