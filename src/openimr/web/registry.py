"""The reviewer registry in the workbench: intake staff read it, administrators add, edit,
deactivate and reactivate reviewers; every entry says what keeps it from any assignment, and
the page says what assignment requires of a reviewer of each profession."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.datastructures import FormData

from openimr.casefile.load import describe_validation_error
from openimr.errors import AccessDenied, InputError, NotFound
from openimr.web import forms
from openimr.web.failures import workbench_router
from openimr.web.pages import PREFIX, render
from openimr.web.session import Web, posted, signed_in
from openimr.workflow import Role
from openimr.workflow.schemas import ReviewerChange, ReviewerIn, ReviewerOut

router = workbench_router()

_NOTICES = {
    "added": "The reviewer was added to the registry.",
    "saved": "The reviewer's entry was saved.",
    "deactivated": "The reviewer was deactivated: no new case goes to them.",
    "activated": "The reviewer can be assigned new cases again.",
}

#: The form's fields: text fields, lists one entry a line, and numbers.
_LINES = ("specialties", "board_certifications", "affiliations")
_FIELDS = (
    "code",
    "name",
    "profession",
    "license_states",
    "license_restricted",
    *_LINES,
    "years_active_practice",
    "weekly_clinical_hours",
    "max_open_cases",
)


def _staff(web: Web) -> None:
    if web.actor.role not in {Role.INTAKE, Role.ADMIN}:
        raise AccessDenied("the registry is for intake staff and administrators")


def _values(form: FormData) -> dict[str, str]:
    return {name: forms.text_field(form, name) for name in _FIELDS}


def _from_reviewer(row: ReviewerOut) -> dict[str, str]:
    return {
        "code": row.code,
        "name": row.name or "",
        "profession": row.profession,
        "license_states": ", ".join(row.license_states),
        "license_restricted": "" if row.license_unrestricted else "on",
        "specialties": "\n".join(row.specialties),
        "board_certifications": "\n".join(row.board_certifications),
        "affiliations": "\n".join(row.affiliations),
        "years_active_practice": f"{row.years_active_practice:g}",
        "weekly_clinical_hours": f"{row.weekly_clinical_hours:g}",
        "max_open_cases": str(row.max_open_cases or ""),
    }


def _number(values: dict[str, str], name: str, *, whole: bool = False) -> Any:
    raw = values[name].strip()
    if not raw:
        return None
    try:
        return int(raw) if whole else float(raw)
    except ValueError:
        raise InputError("write a number", location=name) from None


def _data(values: dict[str, str]) -> dict[str, Any]:
    """The entry as the workflow takes it (lists one entry a line, states comma-separated)."""
    lines = {
        name: [line.strip() for line in values[name].splitlines() if line.strip()]
        for name in _LINES
    }
    return {
        "name": values["name"].strip() or None,
        "profession": values["profession"] or "md",
        "license_states": [s.strip() for s in values["license_states"].split(",") if s.strip()],
        "license_unrestricted": values["license_restricted"] != "on",
        **lines,
        "years_active_practice": _number(values, "years_active_practice"),
        "weekly_clinical_hours": _number(values, "weekly_clinical_hours"),
        "max_open_cases": _number(values, "max_open_cases", whole=True),
    }


def _invalid(exc: ValidationError) -> InputError:
    message, location = describe_validation_error(exc)
    return InputError(message, location=location)


def _page(
    web: Web,
    *,
    editing: ReviewerOut | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
    error: str | None = None,
    error_field: str | None = None,
    notice: str | None = None,
) -> Response:
    workflow, actor = web.workflow, web.actor
    rows = workflow.list_reviewers(actor)
    rules = workflow.rules.reviewer_qualifications
    profession = (values or {}).get("profession") or (editing.profession if editing else "md")
    if profession not in rules.professions:
        profession = "md"
    blank = dict.fromkeys(_FIELDS, "") | {"profession": "md"}
    return render(
        web.request,
        "reviewers.html.j2",
        web.context(
            rows=rows,
            editing=editing,
            values=values or (_from_reviewer(editing) if editing else blank),
            professions=list(rules.professions.items()),
            requirements=workflow.reviewer_requirements(actor, profession),
            requirements_for=rules.professions[profession],
            error=error,
            error_field=error_field,
            notice=notice,
        ),
        status=status,
    )


def _one(web: Web, code: str) -> ReviewerOut:
    found = next((r for r in web.workflow.list_reviewers(web.actor) if r.code == code), None)
    if found is None:
        raise NotFound(f"no reviewer {code!r} in the registry")
    return found


@router.get("/reviewers")
async def registry(request: Request, done: str | None = None) -> Response:
    web = await signed_in(request)
    _staff(web)
    return await run_in_threadpool(lambda: _page(web, notice=_NOTICES.get(done or "")))


@router.get("/reviewers/{code}")
async def reviewer_page(request: Request, code: str, done: str | None = None) -> Response:
    web = await signed_in(request)
    _staff(web)
    return await run_in_threadpool(
        lambda: _page(web, editing=_one(web, code), notice=_NOTICES.get(done or ""))
    )


@router.post("/reviewers")
async def add(request: Request) -> Response:
    web, form = await posted(request)
    values = _values(form)

    def act() -> Response:
        try:
            try:
                data = ReviewerIn.model_validate({"code": values["code"].strip(), **_data(values)})
            except ValidationError as exc:
                raise _invalid(exc) from None
            added = web.workflow.add_reviewer(web.actor, data)
        except InputError as exc:
            return _page(web, values=values, status=422, error=exc.detail, error_field=exc.location)
        return RedirectResponse(f"{PREFIX}/reviewers/{added.code}?done=added", status_code=303)

    return await run_in_threadpool(act)


@router.post("/reviewers/{code}")
async def edit(request: Request, code: str) -> Response:
    web, form = await posted(request)
    values = _values(form) | {"code": code}

    def act() -> Response:
        current = _one(web, code)
        try:
            try:
                change = ReviewerChange.model_validate(_data(values))
            except ValidationError as exc:
                raise _invalid(exc) from None
            web.workflow.update_reviewer(web.actor, code, change)
        except InputError as exc:
            return _page(
                web,
                editing=current,
                values=values,
                status=422,
                error=exc.detail,
                error_field=exc.location,
            )
        return RedirectResponse(f"{PREFIX}/reviewers/{code}?done=saved", status_code=303)

    return await run_in_threadpool(act)


@router.post("/reviewers/{code}/active")
async def set_active(request: Request, code: str) -> Response:
    web, form = await posted(request)
    active = forms.text_field(form, "active") == "yes"
    await run_in_threadpool(web.workflow.set_reviewer_active, web.actor, code, active=active)
    done = "activated" if active else "deactivated"
    return RedirectResponse(f"{PREFIX}/reviewers/{code}?done={done}", status_code=303)
