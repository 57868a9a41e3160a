"""``/api/v1/cases``: intake, documents, assignment, proposal, sign-off, letters.

Thin: each route parses the request, calls one :class:`~openimr.workflow.Workflow` method and
shapes the response. Rules live in the workflow.
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Path, Query, Request, Response, UploadFile
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field, ValidationError

from openimr.api.deps import ActorDep, IfMatchDep, WorkflowDep
from openimr.api.errors import ErrorResponse, responses
from openimr.casefile import parse_case_bytes, parse_case_data, read_json
from openimr.casefile.load import MAX_FILE_BYTES, describe_validation_error
from openimr.errors import CaseFileError, InputError
from openimr.workflow import MAX_DOCUMENT_BYTES
from openimr.workflow.schemas import (
    MAX_COUNT,
    Application,
    AssignmentRequest,
    AssignmentResult,
    CaseDetail,
    CaseQuery,
    CaseSummary,
    DeadlineView,
    DeterminationEdit,
    DeterminationView,
    DocumentOut,
    EligibilityResult,
    SignRequest,
    content_type,
)

router = APIRouter(prefix="/cases", tags=["cases"])

_YAML_TYPES = {"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"}
#: What a stored document may be: a record (PDF, scan, text), a case file as received (JSON or
#: YAML) or as read (JSON), a letter (PDF, HTML, text).
DOCUMENT_MEDIA = (
    "application/pdf",
    "image/tiff",
    "image/png",
    "image/jpeg",
    "text/plain",
    "text/html",
    "application/json",
    "application/yaml",
)
_CASE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": 'A case file (JSON or YAML), or JSON `{"case": <case file>, '
        '"application": <Application>}`, or multipart with `file` and an optional '
        "`application` JSON field.",
        "content": {
            "application/json": {"schema": {"type": "object"}},
            "application/yaml": {"schema": {"type": "string"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "application": {"type": "string"},
                    },
                    "required": ["file"],
                }
            },
        },
    }
}


class CaseCreated(BaseModel):
    """What intake gets back: where the application stands and its deadlines."""

    id: str
    status: str
    version: int
    review_type: str
    deadlines: list[DeadlineView]
    eligibility: EligibilityResult | None


class CloseRequest(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class ReleaseRequest(BaseModel):
    note: str | None = Field(default=None, max_length=2000)


class LetterInfo(BaseModel):
    version: int
    format: str
    media_type: str
    sha256: str
    size: int


def _too_large(size: int, limit: int) -> None:
    if size > limit:
        from starlette.exceptions import HTTPException

        raise HTTPException(413, f"upload is {size} bytes; the limit is {limit}")


def _application(data: Any) -> Application | None:
    if data is None:
        return None
    try:
        return Application.model_validate(data)
    except ValidationError as exc:
        message, location = describe_validation_error(exc)
        raise InputError(
            message, location=f"application.{location}" if location else "application"
        ) from None


def _case_error(exc: CaseFileError, prefix: str = "") -> InputError:
    location = exc.location
    error = CaseFileError(exc.detail, location=f"{prefix}{location}" if location else None)
    return error


async def _read_case(request: Request) -> tuple[Any, Application | None, bytes, str | None]:
    """Case file, application facts, original bytes and filename of the upload."""
    media = (
        (request.headers.get("content-type") or "application/json").split(";")[0].strip().lower()
    )
    if media == "multipart/form-data":
        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise InputError("a multipart upload needs the case file in `file`", location="file")
        raw = await upload.read()
        _too_large(len(raw), MAX_FILE_BYTES)
        name = upload.filename or "case"
        app_field = form.get("application")
        app_data = None
        if isinstance(app_field, str) and app_field.strip():
            try:
                app_data = read_json(
                    app_field.encode("utf-8", "surrogatepass"), source="application"
                )
            except CaseFileError as exc:
                raise InputError(exc.detail, location="application") from None
        try:
            case = parse_case_bytes(raw, source=name)
        except CaseFileError as exc:
            raise _case_error(exc) from None
        return (
            case,
            _application(app_data),
            raw,
            name,
        )
    raw = await request.body()
    _too_large(len(raw), MAX_FILE_BYTES)
    if media in _YAML_TYPES:
        try:
            return parse_case_bytes(raw, source="upload", fmt="yaml"), None, raw, None
        except CaseFileError as exc:
            raise _case_error(exc) from None
    if media != "application/json":
        from starlette.exceptions import HTTPException

        raise HTTPException(415, f"send JSON, YAML or multipart, not {media}")
    try:
        data = read_json(raw, source="upload")
    except CaseFileError as exc:
        raise InputError(exc.detail, location="body") from None
    if isinstance(data, dict) and "case" in data:
        extra = set(data) - {"case", "application"}
        if extra:
            raise InputError("unknown field in the envelope", location=sorted(extra)[0])
        try:
            case = parse_case_data(data["case"], source="upload")
        except CaseFileError as exc:
            raise _case_error(exc, "case.") from None
        return case, _application(data.get("application")), raw, None
    try:
        return parse_case_data(data, source="upload"), None, raw, None
    except CaseFileError as exc:
        raise _case_error(exc) from None


@router.post(
    "",
    status_code=201,
    response_model=CaseCreated,
    responses=responses(403, 409, 413, 415),
    openapi_extra=_CASE_BODY,
    summary="Receive an IMR application (case file); it is screened at once",
)
async def create_case(request: Request, workflow: WorkflowDep, actor: ActorDep) -> CaseCreated:
    case, application, raw, name = await _read_case(request)
    detail = await run_in_threadpool(
        workflow.create_case,
        actor,
        case,
        application,
        original=raw,
        filename=name,
    )
    return CaseCreated(
        id=detail.id,
        status=detail.status,
        version=detail.version,
        review_type=detail.review_type,
        deadlines=detail.deadlines,
        eligibility=detail.eligibility,
    )


@router.get(
    "",
    response_model=list[CaseSummary],
    responses={
        **responses(403),
        200: {
            "description": "One page of the cases matching, in the order asked for",
            "headers": {
                "X-Total-Count": {
                    "description": "How many cases match in all (every page)",
                    "schema": {"type": "integer"},
                }
            },
        },
    },
    summary="List, search, filter, sort and page cases (no health information); reviewers see "
    "only their own",
)
def list_cases(
    workflow: WorkflowDep,
    actor: ActorDep,
    response: Response,
    query: Annotated[CaseQuery, Query()],
) -> list[CaseSummary]:
    """Search by case number, claimant or claim number (`q`); filter by status (repeat it for
    several), review type, treatment topic, reviewer and overdue; sort (`-` reverses); page
    with `limit` (at most 500) and `offset`. An unknown parameter is refused, naming it."""
    found = workflow.queue(actor, query)
    response.headers["X-Total-Count"] = str(found.total)
    return found.cases


@router.get("/{case_id}", response_model=CaseDetail, responses=responses(403, 404))
def get_case(case_id: str, workflow: WorkflowDep, actor: ActorDep) -> CaseDetail:
    """A case in full (its health information: the read is audited)."""
    return workflow.get_case(actor, case_id)


@router.post(
    "/{case_id}/screening",
    response_model=CaseDetail,
    responses=responses(403, 404, 409),
    summary="Screen again, with the application facts completed",
)
def screen_case(
    case_id: str, workflow: WorkflowDep, actor: ActorDep, application: Application | None = None
) -> CaseDetail:
    return workflow.screen_case(actor, case_id, application)


@router.post(
    "/{case_id}/documents",
    status_code=201,
    response_model=DocumentOut,
    responses=responses(403, 404, 409, 413),
    summary="Upload a PDF or text record; stored with its SHA-256, never overwritten",
)
def add_document(
    case_id: str,
    workflow: WorkflowDep,
    actor: ActorDep,
    file: Annotated[UploadFile, File(description="PDF or UTF-8 text.")],
    record_kind: Annotated[str | None, Form()] = None,
    record_date: Annotated[date | None, Form()] = None,
    author: Annotated[str | None, Form(max_length=300)] = None,
    specialty: Annotated[str | None, Form(max_length=200)] = None,
) -> DocumentOut:
    content = file.file.read(MAX_DOCUMENT_BYTES + 1)
    _too_large(len(content), MAX_DOCUMENT_BYTES)
    return workflow.add_document(
        actor,
        case_id,
        content,
        filename=file.filename,
        media_type=file.content_type,
        record={
            "record_kind": record_kind,
            "record_date": record_date.isoformat() if record_date else None,
            "author": author,
            "specialty": specialty,
        },
    )


@router.get(
    "/{case_id}/documents/{document_id}",
    response_class=Response,
    responses={200: {"content": {media: {} for media in DOCUMENT_MEDIA}}, **responses(403, 404)},
)
def get_document(
    case_id: str,
    document_id: Annotated[int, Path(ge=1, le=MAX_COUNT)],
    workflow: WorkflowDep,
    actor: ActorDep,
) -> Response:
    """The stored bytes of one document (audited)."""
    info, content = workflow.get_document(actor, case_id, document_id)
    return Response(
        content=content, media_type=info.media_type, headers={"X-Content-SHA256": info.sha256}
    )


@router.post(
    "/{case_id}/assignment",
    response_model=AssignmentResult,
    responses=responses(403, 404, 409),
    summary="Assign the reviewer: who, why, and why each other reviewer was not chosen",
)
def assign(
    case_id: str,
    workflow: WorkflowDep,
    actor: ActorDep,
    request: AssignmentRequest | None = None,
) -> AssignmentResult:
    return workflow.assign(actor, case_id, request)


@router.post(
    "/{case_id}/records-complete", response_model=CaseDetail, responses=responses(403, 404, 409)
)
def records_complete(case_id: str, workflow: WorkflowDep, actor: ActorDep) -> CaseDetail:
    """All records are in (or their deadline passed): the review may begin."""
    return workflow.mark_records_complete(actor, case_id)


@router.post("/{case_id}/withdrawal", response_model=CaseDetail, responses=responses(403, 404, 409))
def withdraw(
    case_id: str, body: CloseRequest, workflow: WorkflowDep, actor: ActorDep
) -> CaseDetail:
    """The employee withdrew the application."""
    return workflow.withdraw(actor, case_id, body.reason)


@router.post(
    "/{case_id}/termination", response_model=CaseDetail, responses=responses(403, 404, 409)
)
def terminate(
    case_id: str, body: CloseRequest, workflow: WorkflowDep, actor: ActorDep
) -> CaseDetail:
    """The claims administrator authorized the disputed treatment (8 CCR 9792.10.6(a))."""
    return workflow.terminate(actor, case_id, body.reason)


@router.post(
    "/{case_id}/quality-review",
    response_model=CaseDetail,
    responses=responses(403, 404, 409),
    summary="The medical director releases a signed determination's letter after review",
)
def release(
    case_id: str, workflow: WorkflowDep, actor: ActorDep, body: ReleaseRequest | None = None
) -> CaseDetail:
    """When the organization holds signed determinations for a quality review
    (``OPENIMR_QUALITY_REVIEW``), their letters are released by this call."""
    return workflow.release_determination(actor, case_id, body.note if body else None)


@router.get(
    "/{case_id}/proposal",
    response_class=Response,
    responses={
        200: {
            "description": "The engine's Determination, as `openimr review` prints it",
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Determination"}}
            },
        },
        **responses(403, 404),
    },
)
async def get_proposal(case_id: str, workflow: WorkflowDep, actor: ActorDep) -> Response:
    """The engine's proposal (computed once per case-file version and engine version)."""
    found = await run_in_threadpool(workflow.find_proposal, actor, case_id)
    if not isinstance(found, str):  # the engine is at work: wait without holding a thread
        proposal_id = await asyncio.wrap_future(found)
        found = await run_in_threadpool(workflow.read_new_proposal, actor, case_id, proposal_id)
    return Response(content=found, media_type="application/json")


def _with_etag(view: DeterminationView, response: Response) -> DeterminationView:
    response.headers["ETag"] = f'"{view.version}"'
    return view


@router.get(
    "/{case_id}/determination", response_model=DeterminationView, responses=responses(403, 404)
)
def get_determination(
    case_id: str, workflow: WorkflowDep, actor: ActorDep, response: Response
) -> DeterminationView:
    """The reviewer's determination, what changed from the proposal, and every version."""
    return _with_etag(workflow.get_determination(actor, case_id), response)


@router.put(
    "/{case_id}/determination",
    response_model=DeterminationView,
    responses=responses(403, 404, 409),
    summary="Save the reviewer's accepts and edits (version in the body or If-Match)",
)
def put_determination(
    case_id: str,
    edit: DeterminationEdit,
    workflow: WorkflowDep,
    actor: ActorDep,
    if_match: IfMatchDep,
    response: Response,
) -> DeterminationView:
    return _with_etag(
        workflow.save_determination(actor, case_id, edit, if_match=if_match), response
    )


@router.post(
    "/{case_id}/determination/sign",
    response_model=DeterminationView,
    responses=responses(403, 404, 409),
    summary="Sign the determination (version in the body or If-Match); 409 if it moved on "
    "or its letter would be inconsistent, 422 naming `acknowledged_flags` or `reason`",
)
def sign(
    case_id: str,
    workflow: WorkflowDep,
    actor: ActorDep,
    if_match: IfMatchDep,
    response: Response,
    body: SignRequest | None = None,
) -> DeterminationView:
    """Refused (409, naming the item and the finding) while the letter checker finds an
    error in the letter signing would produce; 422 until every flagged item is listed in
    `acknowledged_flags`, and, when the checker warns, until a `reason` is given (it goes into
    the audit log). `GET .../determination` lists the findings."""
    version = body.version if body and body.version is not None else if_match
    if body and body.version is not None and if_match is not None and body.version != if_match:
        raise InputError("the If-Match header and the version field disagree", location="version")
    return _with_etag(
        workflow.sign(
            actor,
            case_id,
            version=version,
            acknowledged_flags=body.acknowledged_flags if body else (),
            reason=body.reason if body else None,
        ),
        response,
    )


LetterFormat = Literal["pdf", "html", "text"]


@router.get(
    "/{case_id}/determination/letter",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}, "text/html": {}, "text/plain": {}}},
        **responses(403, 404, 409),
    },
    summary="Preview the letter signing the draft would produce, marked DRAFT (not stored)",
)
def preview_letter(
    case_id: str,
    workflow: WorkflowDep,
    actor: ActorDep,
    format: Annotated[LetterFormat, Query()] = "pdf",
) -> Response:
    """The draft as signing it today makes it, rendered and marked DRAFT on every page; the
    version it shows is in `X-Determination-Version`."""
    letter = workflow.preview_letter(actor, case_id, format)
    return Response(
        content=letter.content,
        media_type=content_type(letter.media_type),
        headers={"X-Determination-Version": str(letter.version), "X-Letter-Draft": "true"},
    )


@router.get(
    "/{case_id}/letter",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}, "text/html": {}, "text/plain": {}}},
        **responses(403, 404, 409),
    },
)
def get_letter(
    case_id: str,
    workflow: WorkflowDep,
    actor: ActorDep,
    format: Annotated[LetterFormat, Query()] = "pdf",
    version: Annotated[
        int | None, Query(ge=1, le=MAX_COUNT, description="An earlier version.")
    ] = None,
) -> Response:
    """The Final Determination Letter of the signed determination (issued on first request)."""
    letter = workflow.get_letter(actor, case_id, format, version=version)
    media = content_type(letter.media_type)
    return Response(
        content=letter.content,
        media_type=media,
        headers={"X-Letter-Version": str(letter.version), "X-Content-SHA256": letter.sha256},
    )


@router.post(
    "/{case_id}/letter",
    response_model=LetterInfo,
    responses=responses(403, 404, 409),
    summary="Render the letter again; a new version when it differs, old versions kept",
)
def reissue_letter(
    case_id: str,
    workflow: WorkflowDep,
    actor: ActorDep,
    format: Annotated[LetterFormat, Query()] = "pdf",
) -> LetterInfo:
    letter = workflow.issue_letter(actor, case_id, format)
    return LetterInfo(
        version=letter.version,
        format=letter.format,
        media_type=letter.media_type,
        sha256=letter.sha256,
        size=len(letter.content),
    )


PublishedFormat = Literal["json", "text", "html", "pdf"]


@router.get(
    "/{case_id}/publication",
    response_class=Response,
    responses={
        200: {
            "content": {
                "application/json": {},
                "text/plain": {},
                "text/html": {},
                "application/pdf": {},
            }
        },
        **responses(403, 404, 409),
    },
    summary="The publishable letter or corpus record: every identifier removed (LC 4610.6(i))",
)
def get_publication(
    case_id: str,
    workflow: WorkflowDep,
    actor: ActorDep,
    format: Annotated[PublishedFormat, Query()] = "json",
) -> Response:
    """The signed determination de-identified: the letter (text, HTML, PDF) or the record
    for the corpus (JSON); counts of what was removed, by kind, in ``X-Identifiers-Removed``."""
    published = workflow.published(actor, case_id, format)
    media = content_type(published.media_type)
    counts = ",".join(f"{kind}={n}" for kind, n in published.removed.items()) or "none"
    return Response(
        content=published.content, media_type=media, headers={"X-Identifiers-Removed": counts}
    )


@router.get(
    "/{case_id}/fhir",
    response_class=Response,
    responses={200: {"content": {"application/fhir+json": {}}}, **responses(403, 404, 409)},
    summary="The signed determination as FHIR R4: a ClaimResponse, or the case as a Bundle",
)
def get_fhir(
    case_id: str,
    workflow: WorkflowDep,
    actor: ActorDep,
    kind: Annotated[Literal["claim-response", "bundle"], Query()] = "claim-response",
) -> Response:
    exported = workflow.fhir_export(actor, case_id, kind)
    return Response(content=exported.content, media_type=exported.media_type)


__all__ = ["ErrorResponse", "router"]
