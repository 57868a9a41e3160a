"""Intake in the workbench: receiving an application, and the intake steps on a case page
(adding a record, assigning the reviewer or, for administrators, overriding the automatic
choice with a reason, records complete, screening again after information or a correction,
withdrawal and termination), and the medical director's release after quality review."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from typing import Any

from fastapi import Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile

from openimr.casefile import parse_case_bytes
from openimr.casefile.load import MAX_FILE_BYTES, describe_validation_error
from openimr.errors import AccessDenied, InputError, NotFound, OpenIMRError, http_status
from openimr.web import forms
from openimr.web.failures import workbench_router
from openimr.web.pages import PREFIX, render
from openimr.web.review import case_page_response
from openimr.web.session import Web, posted, signed_in
from openimr.workflow import MAX_DOCUMENT_BYTES, Role
from openimr.workflow.schemas import AssignmentRequest

router = workbench_router()


def _intake_page(
    web: Web,
    *,
    status: int = 200,
    error: str | None = None,
    error_field: str | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    if web.actor.role not in {Role.INTAKE, Role.ADMIN}:
        raise AccessDenied("intake is for intake staff and administrators")
    return render(
        web.request,
        "intake.html.j2",
        web.context(
            application=values or forms.application_defaults(),
            error=error,
            error_field=error_field,
            today=web.workflow.today(),
        ),
        status=status,
    )


@router.get("/intake")
async def intake_form(request: Request) -> Response:
    web = await signed_in(request)
    return _intake_page(web)


async def _upload(form: FormData, name: str, limit: int) -> tuple[bytes, UploadFile] | None:
    upload = form.get(name)
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None
    content = await upload.read(limit + 1)
    if len(content) > limit:
        raise InputError(
            f"the file is larger than {limit // 1_048_576} MB", location=name, source=None
        )
    return content, upload


@router.post("/intake")
async def intake(request: Request) -> Response:
    web, form = await posted(request)
    values = forms.application_values(form)
    try:
        found = await _upload(form, "case_file", MAX_FILE_BYTES)
        if found is None:
            raise InputError("choose the case file to upload", location="case_file")
        raw, upload = found
        name = upload.filename or "case file"
        case = parse_case_bytes(raw, source=name)
        application = forms.application(form)
        detail = await run_in_threadpool(
            web.workflow.create_case,
            web.actor,
            case,
            application,
            original=raw,
            filename=name,
        )
    except InputError as exc:
        return _intake_page(
            web,
            status=422,
            error=str(exc),
            error_field=exc.location or "case_file",
            values=values,
        )
    return RedirectResponse(f"{PREFIX}/cases/{detail.id}?done=created", status_code=303)


async def _case_action(
    web: Web,
    form: FormData,
    case_id: str,
    act: Callable[[Web, FormData], Any],
    done: str,
    *,
    anchor: str = "",
) -> Response:
    """Run one intake step; on failure show the case page again with the reason."""
    try:
        await run_in_threadpool(act, web, form)
    except OpenIMRError as exc:
        if isinstance(exc, NotFound | AccessDenied):
            raise
        return await run_in_threadpool(
            functools.partial(
                case_page_response,
                web,
                case_id,
                status=http_status(exc),
                error=exc.detail if isinstance(exc, InputError) else exc.message,
                error_field=exc.location if isinstance(exc, InputError) else None,
                intake_values=forms.application_values(form) if done == "screened" else None,
            )
        )
    return RedirectResponse(f"{PREFIX}/cases/{case_id}?done={done}{anchor}", status_code=303)


@router.post("/cases/{case_id}/documents")
async def add_document(request: Request, case_id: str) -> Response:
    web, form = await posted(request)
    found = None
    with contextlib.suppress(InputError):  # too large: said below like a missing file
        found = await _upload(form, "file", MAX_DOCUMENT_BYTES)
    if found is None:
        return await run_in_threadpool(
            lambda: case_page_response(
                web,
                case_id,
                status=422,
                error="Choose a PDF or text file of 25 MB or less.",
                error_field="file",
            )
        )
    content, upload = found

    def act(web: Web, form: FormData) -> None:
        web.workflow.add_document(
            web.actor,
            case_id,
            content,
            filename=upload.filename,
            media_type=upload.content_type,
            record={
                "record_kind": forms.text_field(form, "record_kind") or None,
                "record_date": forms.text_field(form, "record_date") or None,
                "author": forms.text_field(form, "author").strip() or None,
                "specialty": forms.text_field(form, "specialty").strip() or None,
            },
        )

    return await _case_action(web, form, case_id, act, "document", anchor="#records")


@router.post("/cases/{case_id}/assignment")
async def assign(request: Request, case_id: str) -> Response:
    def act(web: Web, form: FormData) -> None:
        code = forms.text_field(form, "reviewer").strip() or None
        reason = forms.text_field(form, "override_reason").strip() or None
        if reason is not None and len(reason) > 1000:
            raise InputError(
                "the reason is longer than 1000 characters", location="override_reason"
            )
        try:
            request = AssignmentRequest(reviewer=code, override_reason=reason)
        except ValidationError as exc:
            field = "override_reason" if "override_reason" in str(exc) else "reviewer"
            raise InputError(describe_validation_error(exc)[0], location=field) from None
        web.workflow.assign(web.actor, case_id, request)

    web, form = await posted(request)
    return await _case_action(web, form, case_id, act, "assigned", anchor="#assignment")


@router.post("/cases/{case_id}/records-complete")
async def records_complete(request: Request, case_id: str) -> Response:
    def act(web: Web, _form: FormData) -> None:
        web.workflow.mark_records_complete(web.actor, case_id)

    web, form = await posted(request)
    return await _case_action(web, form, case_id, act, "records")


@router.post("/cases/{case_id}/screening")
async def screen(request: Request, case_id: str) -> Response:
    def act(web: Web, form: FormData) -> None:
        web.workflow.screen_case(web.actor, case_id, forms.application(form))

    web, form = await posted(request)
    return await _case_action(web, form, case_id, act, "screened", anchor="#eligibility")


def _close(case_id: str, target: str) -> Callable[[Web, FormData], None]:
    """Withdraw or terminate with the reason typed (named by its own field on failure)."""

    def act(web: Web, form: FormData) -> None:
        reason = forms.text_field(form, "reason").strip()
        field = f"{target}-reason"
        if not reason:
            raise InputError("say why the case is closed", location=field)
        if len(reason) > 2000:
            raise InputError("the reason is longer than 2000 characters", location=field)
        close = web.workflow.withdraw if target == "withdraw" else web.workflow.terminate
        close(web.actor, case_id, reason)

    return act


@router.post("/cases/{case_id}/withdrawal")
async def withdraw(request: Request, case_id: str) -> Response:
    web, form = await posted(request)
    return await _case_action(web, form, case_id, _close(case_id, "withdraw"), "withdrawn")


@router.post("/cases/{case_id}/termination")
async def terminate(request: Request, case_id: str) -> Response:
    web, form = await posted(request)
    return await _case_action(web, form, case_id, _close(case_id, "terminate"), "terminated")


@router.post("/cases/{case_id}/quality-review")
async def release(request: Request, case_id: str) -> Response:
    def act(web: Web, form: FormData) -> None:
        note = forms.text_field(form, "note").strip() or None
        if note is not None and len(note) > 2000:
            raise InputError("the note is longer than 2000 characters", location="quality-note")
        web.workflow.release_determination(web.actor, case_id, note)

    web, form = await posted(request)
    return await _case_action(web, form, case_id, act, "released", anchor="#letter")
