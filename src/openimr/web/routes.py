"""The workbench's pages: sign-in, queue, case, editing and sign-off, letter, intake.

Every page calls the same :class:`~openimr.workflow.Workflow` methods the API calls, with the
actor of the session, so role and assignment checks and the audit log are the API's. Errors
come back as pages (the API's handlers answer JSON), and a POST is answered with a redirect
when it succeeds, or with the page again, holding what was typed, when it does not.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute
from starlette.datastructures import FormData, UploadFile

from openimr.casefile import RecordKind, parse_case_bytes
from openimr.casefile.load import MAX_FILE_BYTES
from openimr.domain import Determination
from openimr.errors import (
    AccessDenied,
    ComponentUnavailable,
    ConflictError,
    InputError,
    NotFound,
    OpenIMRError,
    http_status,
)
from openimr.web import forms, views
from openimr.web.pages import DOWNLOAD_CSP, LETTER_CSP, PREFIX, private_headers, render
from openimr.web.security import (
    LOGIN_COOKIE,
    LOGIN_FORM_SECONDS,
    SESSION_COOKIE,
    SESSION_SECONDS,
    SessionData,
    Signer,
    csrf_matches,
    load_secret,
    new_session,
)
from openimr.workflow import MAX_DOCUMENT_BYTES, Actor, Role, Workflow
from openimr.workflow.auth import token_hash
from openimr.workflow.schemas import AssignmentRequest, DeterminationView
from openimr.workflow.states import CaseStatus

#: Statuses in which a case has a reviewer and so a proposal worth showing.
_REVIEW_STATES = frozenset(
    {
        CaseStatus.ASSIGNED.value,
        CaseStatus.RECORDS_COMPLETE.value,
        CaseStatus.IN_REVIEW.value,
        CaseStatus.DETERMINATION_SIGNED.value,
        CaseStatus.LETTER_ISSUED.value,
    }
)
_LETTER_FILES = {"pdf": "pdf", "html": "html", "text": "txt"}
log = logging.getLogger("openimr.web")

_NOTICES = {
    "created": "The application was received and screened.",
    "screened": "The application was screened again.",
    "assigned": "The reviewer was assigned.",
    "records": "The records are marked complete; the review may begin.",
    "document": "The record was added to the case.",
    "saved": "Your draft was saved.",
    "signed": "The determination is signed. The letter is ready.",
}


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


def _signer(request: Request) -> Signer:
    state = request.app.state
    signer: Signer | None = getattr(state, "workbench_signer", None)
    if signer is None:
        signer = Signer(load_secret(getattr(state, "workbench_home", None)))
        state.workbench_signer = signer
    return signer


def _workflow(request: Request) -> Workflow:
    workflow: Workflow = request.app.state.workflow
    return workflow


async def _web(request: Request) -> Web | None:
    data = SessionData.from_payload(
        _signer(request).loads("session", request.cookies.get(SESSION_COOKIE)),
        now=int(time.time()),
    )
    if data is None:
        return None
    workflow = _workflow(request)
    actor = await run_in_threadpool(workflow.session_actor, data.user_id, data.token_sha256)
    if actor is None:
        return None
    return Web(request, workflow, actor, data)


async def _quiet_web(request: Request) -> Web | None:
    """The session for an error page's header, if it can be had (the store may be down)."""
    try:
        return await _web(request)
    except OpenIMRError:
        return None


async def signed_in(request: Request) -> Web:
    web = await _web(request)
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


def _safe_next(value: str | None) -> str:
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


def _error_page(request: Request, status: int, message: str, web: Web | None = None) -> Response:
    titles = {
        400: "The request could not be read",
        403: "Not allowed",
        404: "Not found",
        409: "It cannot be done now",
        422: "Please check what you entered",
        503: "A part of the service is unavailable",
    }
    context = {
        "title": titles.get(status, "Something went wrong"),
        "message": message,
        "status": status,
    }
    return render(
        request, "error.html.j2", web.context(**context) if web else context, status=status
    )


class WorkbenchRoute(APIRoute):
    """Answers errors with pages: a sign-in redirect, a refusal or the reason a step failed."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                return await original(request)
            except SignInRequired:
                target = request.url.path
                if request.url.query:
                    target += "?" + request.url.query
                if request.method != "GET":
                    target = PREFIX + "/"
                return RedirectResponse(
                    f"{PREFIX}/login?next={quote(target, safe='/')}", status_code=303
                )
            except BadForm:
                return _error_page(
                    request,
                    403,
                    "This form has expired or did not come from this page. Go back, reload "
                    "the page and try again; nothing was changed.",
                    await _quiet_web(request),
                )
            except OpenIMRError as exc:
                message = exc.detail if isinstance(exc, InputError) else exc.message
                return _error_page(request, http_status(exc), message, await _quiet_web(request))
            except RequestValidationError as exc:
                problems = exc.errors()
                where = ".".join(str(p) for p in problems[0].get("loc", ())) if problems else ""
                return _error_page(
                    request,
                    422,
                    f"A field is missing or invalid: {where}",
                    await _quiet_web(request),
                )
            except Exception as exc:
                # The type only: a library's message may quote health information.
                log.error(
                    "internal error on %s %s: %s",
                    request.method,
                    request.url.path,
                    type(exc).__name__,
                )
                return _error_page(
                    request,
                    500,
                    "Something went wrong on our side. Reload the page to see what was "
                    "saved, then try again.",
                )

        return handler


router = APIRouter(prefix=PREFIX, route_class=WorkbenchRoute, include_in_schema=False)


def _set_session(request: Request, response: Response, data: SessionData) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        _signer(request).dumps("session", data.to_payload()),
        max_age=SESSION_SECONDS,
        path=PREFIX,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


# -- sign-in -------------------------------------------------------------------------------


def _login_page(
    request: Request,
    *,
    next_url: str,
    error: str | None = None,
    status: int = 200,
    carry: list[tuple[str, str]] | None = None,
) -> Response:
    nonce = new_session(0, "").csrf
    response = render(
        request,
        "login.html.j2",
        {
            "actor": None,
            "csrf": nonce,
            "next_url": next_url,
            "error": error,
            "carry": carry or [],
        },
        status=status,
    )
    response.set_cookie(
        LOGIN_COOKIE,
        _signer(request).dumps("signin", {"n": nonce, "t": int(time.time())}),
        max_age=LOGIN_FORM_SECONDS,
        path=PREFIX,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.get("/login")
async def login_form(request: Request, next: str | None = None) -> Response:
    if await _web(request) is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return _login_page(request, next_url=_safe_next(next))


@router.post("/login")
async def login(request: Request) -> Response:
    form = await request.form(max_part_size=2 * 1024 * 1024)
    next_url = _safe_next(forms.text_field(form, "next"))
    carry = [(k, v) for k, v in form.multi_items() if k.startswith("carry:") and isinstance(v, str)]
    guard = _signer(request).loads("signin", request.cookies.get(LOGIN_COOKIE))
    nonce = guard.get("n") if guard else None
    issued = guard.get("t") if guard else None
    fresh = isinstance(issued, int) and 0 <= time.time() - issued <= LOGIN_FORM_SECONDS
    if not (isinstance(nonce, str) and fresh and csrf_matches(nonce, form.get("csrf"))):  # type: ignore[arg-type]
        return _login_page(
            request,
            next_url=next_url,
            status=400,
            carry=carry,
            error="The sign-in form expired (or cookies are blocked). Please try again.",
        )
    token = forms.text_field(form, "token").strip()
    workflow = _workflow(request)
    try:
        actor = await run_in_threadpool(workflow.authenticate, token)
    except AccessDenied:
        return _login_page(
            request,
            next_url=next_url,
            status=401,
            carry=carry,
            error="That token is not recognised or has been revoked. Paste the whole token "
            "printed by “openimr users create”.",
        )
    assert actor.user_id is not None
    data = new_session(actor.user_id, token_hash(token))
    web = Web(request, workflow, actor, data)
    if carry and next_url.endswith("/determination"):
        # Edits posted after the session ended: show them again, unsaved, to be checked.
        restored = FormData([(k.removeprefix("carry:"), v) for k, v in carry])
        case_id = next_url.removeprefix(PREFIX + "/cases/").removesuffix("/determination")
        response = await run_in_threadpool(
            _case_page,
            web,
            case_id,
            restored=restored,
            notice="You are signed in again. Your unsaved edits are below; check them and save.",
        )
    else:
        response = RedirectResponse(next_url, status_code=303)
    _set_session(request, response, data)
    response.delete_cookie(LOGIN_COOKIE, path=PREFIX)
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    await posted(request)
    response = RedirectResponse(f"{PREFIX}/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path=PREFIX)
    return response


# -- queue ---------------------------------------------------------------------------------


@router.get("/")
async def queue(request: Request, show: str = "open") -> Response:
    web = await signed_in(request)
    cases = await run_in_threadpool(web.workflow.list_cases, web.actor, limit=1000)
    show_all = show == "all"
    rows = views.queue(cases, web.actor.role, show_all=show_all)
    titles = {Role.REVIEWER: "Your cases", Role.INTAKE: "Intake work", Role.ADMIN: "All cases"}
    return render(
        request,
        "queue.html.j2",
        web.context(
            rows=rows,
            show_all=show_all,
            title=titles[web.actor.role],
            today=web.workflow.today(),
            overdue=sum(1 for r in rows if r.case.overdue and not r.closed),
        ),
    )


# -- the case page -------------------------------------------------------------------------


def _case_page(
    web: Web,
    case_id: str,
    *,
    status: int = 200,
    submitted: forms.DraftValues | None = None,
    restored: FormData | None = None,
    conflict: str | None = None,
    error: str | None = None,
    error_field: str | None = None,
    notice: str | None = None,
    intake_values: dict[str, str] | None = None,
) -> Response:
    """The case with its records, the proposal and the reviewer's draft (every read audited)."""
    workflow, actor = web.workflow, web.actor
    detail = workflow.get_case(actor, case_id)
    proposal: Determination | None = None
    proposal_error = None
    view: DeterminationView | None = None
    if actor.role is not Role.INTAKE and detail.status in _REVIEW_STATES:
        try:
            proposal = Determination.model_validate_json(workflow.get_proposal(actor, case_id))
        except ComponentUnavailable as exc:
            proposal_error = exc.message
    if (actor.role is not Role.INTAKE and detail.status in _REVIEW_STATES) or (
        detail.determination_status == "signed"
    ):
        view = workflow.get_determination(actor, case_id)
    records = list(detail.case_file.get("records") or [])
    shown = [*(proposal.items if proposal else [])]
    if view is not None and view.determination is not None:
        shown += view.determination.items
    record_views, located = views.records_view(records, shown)
    count = len(
        view.determination.items
        if view is not None and view.determination is not None
        else proposal.items
        if proposal
        else detail.case_file.get("disputed_items") or []
    )
    if restored is not None:
        try:
            submitted = forms.DraftValues.from_form(restored, count)
        except InputError:
            submitted = None
    items = views.item_views(detail.case_file, proposal, view, located, submitted)
    draft = view.determination if view is not None else None
    summary_saved = (
        draft.clinical_case_summary if draft else proposal.clinical_case_summary if proposal else ""
    )
    editable = views.can_edit(actor.role, detail.status, view)
    reviewers = []
    if actor.role is not Role.REVIEWER and detail.status in {
        CaseStatus.ELIGIBLE.value,
        CaseStatus.ASSIGNED.value,
        CaseStatus.RECORDS_COMPLETE.value,
    }:
        reviewers = workflow.list_reviewers(actor)
    return render(
        web.request,
        "case.html.j2",
        web.context(
            case=detail,
            claimant=detail.case_file.get("claimant") or {},
            records=record_views,
            proposal=proposal,
            proposal_error=proposal_error,
            view=view,
            items=items,
            summary_value=submitted.summary if submitted is not None else summary_saved,
            summary_unsaved=submitted is not None and submitted.summary != summary_saved,
            summary_saved=summary_saved,
            summary_proposed=proposal.clinical_case_summary if proposal else None,
            form_version=view.version if view is not None else 0,
            editable=editable,
            signed=view is not None and view.status == "signed",
            submitted=submitted is not None,
            conflict=conflict,
            conflict_from=submitted.version if submitted is not None else None,
            error=error,
            error_field=error_field,
            notice=notice,
            reviewers=reviewers,
            application=forms.application_defaults(detail.application)
            if intake_values is None
            else intake_values,
            families=forms.FAMILY_CHOICES,
            letter_ready=detail.status
            in {CaseStatus.DETERMINATION_SIGNED.value, CaseStatus.LETTER_ISSUED.value},
            next_deadline=views.next_deadline(detail.deadlines),
            edited_count=sum(1 for c in (view.items if view else []) if c.review == "edited"),
            record_kinds=[(k.value, views.record_kind(k.value)) for k in RecordKind],
        ),
        status=status,
    )


@router.get("/cases/{case_id}")
async def case_page(request: Request, case_id: str, done: str | None = None) -> Response:
    web = await signed_in(request)
    return await run_in_threadpool(_case_page, web, case_id, notice=_NOTICES.get(done or ""))


def _item_count(web: Web, case_id: str) -> tuple[int, Determination | None, DeterminationView]:
    """How many items the form holds, the proposal (if the engine could make one), the draft."""
    try:
        proposal = Determination.model_validate_json(web.workflow.get_proposal(web.actor, case_id))
    except ComponentUnavailable:
        proposal = None
    view = web.workflow.get_determination(web.actor, case_id)
    base = view.determination or proposal
    if base is not None:
        return len(base.items), proposal, view
    detail = web.workflow.get_case(web.actor, case_id)
    return len(detail.case_file.get("disputed_items") or []), proposal, view


@router.post("/cases/{case_id}/determination")
async def save_determination(request: Request, case_id: str) -> Response:
    web = await _web(request)
    if web is None:
        # The session ended while the reviewer was editing: keep every field for after sign-in.
        form = await request.form(max_part_size=2 * 1024 * 1024)
        carry = [
            (f"carry:{k}", v) for k, v in form.multi_items() if isinstance(v, str) and k != "csrf"
        ]
        return _login_page(
            request,
            next_url=f"{PREFIX}/cases/{case_id}/determination",
            status=401,
            carry=carry,
            error="Your session ended before the draft was saved. Sign in again: your edits "
            "are kept and shown to you before anything is saved.",
        )
    web, form = await posted(request)
    return await run_in_threadpool(_save, web, case_id, form)


def _save(web: Web, case_id: str, form: FormData) -> Response:
    count, proposal, view = _item_count(web, case_id)
    values = forms.DraftValues.from_form(form, count)
    current = view.determination
    try:
        edit = forms.determination_edit(
            values,
            proposal.items if proposal else None,
            current.items if current else None,
            current.clinical_case_summary
            if current
            else proposal.clinical_case_summary
            if proposal
            else None,
        )
        saved = web.workflow.save_determination(web.actor, case_id, edit)
    except ConflictError as exc:
        return _case_page(web, case_id, status=409, submitted=values, conflict=exc.message)
    except InputError as exc:
        return _case_page(
            web,
            case_id,
            status=422,
            submitted=values,
            error=exc.detail,
            error_field=exc.location,
        )
    return RedirectResponse(
        f"{PREFIX}/cases/{case_id}?done=saved&v={saved.version}#determination", status_code=303
    )


@router.post("/cases/{case_id}/sign")
async def sign(request: Request, case_id: str) -> Response:
    web, form = await posted(request)
    return await run_in_threadpool(_sign, web, case_id, form)


def _sign(web: Web, case_id: str, form: FormData) -> Response:
    raw = forms.text_field(form, "version").strip()
    if form.get("confirm") != "on":
        return _case_page(
            web,
            case_id,
            status=422,
            error="Tick the box to confirm that this is your determination before signing.",
            error_field="confirm",
        )
    try:
        web.workflow.sign(web.actor, case_id, version=int(raw) if raw.isdigit() else None)
    except (ConflictError, InputError) as exc:
        message = exc.detail if isinstance(exc, InputError) else exc.message
        return _case_page(web, case_id, status=409, error=message)
    except OpenIMRError as exc:
        if isinstance(exc, NotFound | AccessDenied):
            raise
        return _case_page(web, case_id, status=http_status(exc), error=exc.message)
    return RedirectResponse(f"{PREFIX}/cases/{case_id}?done=signed#letter", status_code=303)


# -- letters and documents ------------------------------------------------------------------


@router.get("/cases/{case_id}/letter")
async def letter_preview(request: Request, case_id: str) -> Response:
    web = await signed_in(request)
    detail = await run_in_threadpool(web.workflow.get_case, web.actor, case_id)
    if detail.determination_status != "signed":
        return _error_page(
            request,
            409,
            "The letter exists once the determination is signed. Sign it on the case page.",
            web,
        )
    return render(request, "letter.html.j2", web.context(case=detail))


@router.get("/cases/{case_id}/letter/{fmt}")
async def letter_file(request: Request, case_id: str, fmt: str, download: bool = False) -> Response:
    web = await signed_in(request)
    if fmt not in _LETTER_FILES:
        return _error_page(request, 404, "Letters come as pdf, html or text.", web)
    letter = await run_in_threadpool(web.workflow.get_letter, web.actor, case_id, fmt)
    media = letter.media_type + ("; charset=utf-8" if letter.media_type.startswith("text/") else "")
    inline = fmt == "html" and not download
    headers = private_headers(LETTER_CSP if inline else DOWNLOAD_CSP, framing="SAMEORIGIN")
    name = f"{case_id}-final-determination-v{letter.version}.{_LETTER_FILES[fmt]}"
    headers["Content-Disposition"] = f'{"inline" if inline else "attachment"}; filename="{name}"'
    headers["X-Content-SHA256"] = letter.sha256
    return Response(letter.content, media_type=media, headers=headers)


@router.get("/cases/{case_id}/documents/{document_id}")
async def document_file(request: Request, case_id: str, document_id: int) -> Response:
    web = await signed_in(request)
    info, content = await run_in_threadpool(
        web.workflow.get_document, web.actor, case_id, document_id
    )
    headers = private_headers(DOWNLOAD_CSP)
    suffix = {"application/pdf": "pdf", "text/plain": "txt", "application/json": "json"}.get(
        info.media_type, "bin"
    )
    headers["Content-Disposition"] = f'attachment; filename="{case_id}-document-{info.id}.{suffix}"'
    return Response(content, media_type=info.media_type, headers=headers)


# -- intake --------------------------------------------------------------------------------


def _intake_page(
    web: Web,
    *,
    status: int = 200,
    error: str | None = None,
    error_field: str | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    if web.actor.role is Role.REVIEWER:
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
            original_media_type=upload.content_type or "application/octet-stream",
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
                _case_page,
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
            lambda: _case_page(
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
        web.workflow.assign(web.actor, case_id, AssignmentRequest(reviewer=code))

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
