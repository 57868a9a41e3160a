"""Files of a case in the workbench: the letter (previewed, or downloaded), stored documents
and their pages as pictures.

Every file is sent with headers that keep it out of caches and from running as a page.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from openimr.web.failures import error_page, workbench_router
from openimr.web.pages import DOWNLOAD_CSP, LETTER_CSP, private_headers, render
from openimr.web.session import signed_in
from openimr.workflow.schemas import MAX_COUNT, DeterminationStatus, EvidenceRef, content_type

_LETTER_FILES = {"pdf": "pdf", "html": "html", "text": "txt"}
router = workbench_router()
#: A stored document's id: a number no larger than the database's (a 4xx page, not an
#: overflow, past it).
DocumentId = Annotated[int, Path(ge=1, le=MAX_COUNT)]


@router.get("/cases/{case_id}/letter")
async def letter_preview(request: Request, case_id: str) -> Response:
    web = await signed_in(request)
    detail = await run_in_threadpool(web.workflow.get_case, web.actor, case_id)
    if detail.determination_status != DeterminationStatus.SIGNED:
        return error_page(
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
        return error_page(request, 404, "Letters come as pdf, html or text.", web)
    letter = await run_in_threadpool(web.workflow.get_letter, web.actor, case_id, fmt)
    media = content_type(letter.media_type)
    inline = fmt == "html" and not download
    headers = private_headers(LETTER_CSP if inline else DOWNLOAD_CSP, framing="SAMEORIGIN")
    name = f"{case_id}-final-determination-v{letter.version}.{_LETTER_FILES[fmt]}"
    headers["Content-Disposition"] = f'{"inline" if inline else "attachment"}; filename="{name}"'
    headers["X-Content-SHA256"] = letter.sha256
    return Response(letter.content, media_type=media, headers=headers)


@router.get("/cases/{case_id}/draft-letter/{fmt}")
async def draft_letter_file(
    request: Request, case_id: str, fmt: str, download: bool = False
) -> Response:
    """The letter signing the current draft would produce, marked DRAFT (never stored)."""
    web = await signed_in(request)
    if fmt not in _LETTER_FILES:
        return error_page(request, 404, "Letters come as pdf, html or text.", web)
    letter = await run_in_threadpool(web.workflow.preview_letter, web.actor, case_id, fmt)
    inline = fmt == "html" and not download
    headers = private_headers(LETTER_CSP if inline else DOWNLOAD_CSP, framing="SAMEORIGIN")
    name = f"{case_id}-DRAFT-determination-v{letter.version}.{_LETTER_FILES[fmt]}"
    headers["Content-Disposition"] = f'{"inline" if inline else "attachment"}; filename="{name}"'
    return Response(letter.content, media_type=content_type(letter.media_type), headers=headers)


_PUBLISHED_FILES = {"pdf": "pdf", "json": "json", "text": "txt", "html": "html"}


@router.get("/cases/{case_id}/publication/{fmt}")
async def publication_file(request: Request, case_id: str, fmt: str) -> Response:
    """The publishable letter or corpus record of a signed determination, de-identified."""
    web = await signed_in(request)
    if fmt not in _PUBLISHED_FILES:
        return error_page(request, 404, "Publications come as pdf, json, html or text.", web)
    published = await run_in_threadpool(web.workflow.published, web.actor, case_id, fmt)
    media = content_type(published.media_type)
    headers = private_headers(DOWNLOAD_CSP)
    name = f"{case_id}-published.{_PUBLISHED_FILES[fmt]}"
    headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return Response(published.content, media_type=media, headers=headers)


@router.get("/cases/{case_id}/documents/{document_id}")
async def document_file(request: Request, case_id: str, document_id: DocumentId) -> Response:
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


@router.get("/cases/{case_id}/documents/{document_id}/pages/{page}")
async def document_page(
    request: Request,
    case_id: str,
    document_id: DocumentId,
    page: int,
    record: int | None = Query(None, ge=0, le=MAX_COUNT),
    start: int | None = Query(None, ge=0, le=MAX_COUNT),
    end: int | None = Query(None, ge=0, le=MAX_COUNT),
) -> Response:
    """One page of a PDF or image record as a picture, to read beside the text taken from it;
    with ``record``, ``start`` and ``end`` the evidence at that span is marked on it (named by
    place, so the address carries no words of the record)."""
    web = await signed_in(request)
    evidence = None
    if (record, start, end) != (None, None, None):
        try:
            if record is None or start is None or end is None:
                raise ValueError("a part of the span is missing")
            evidence = EvidenceRef(record=record, start=start, end=end)
        except ValueError:  # pydantic's ValidationError is one
            return error_page(
                request, 400, "Evidence is named by its record, start and end, in order.", web
            )
    picture = await run_in_threadpool(
        web.workflow.get_page_image, web.actor, case_id, document_id, page, evidence
    )
    headers = private_headers(DOWNLOAD_CSP)
    headers["Content-Disposition"] = (
        f'inline; filename="{case_id}-document-{document_id}-page-{page}.png"'
    )
    if picture.marked is not None:
        # Whether the words were placed, so a page can say when they could not be.
        headers["X-Evidence-Marked"] = "yes" if picture.marked else "no"
    return Response(picture.content, media_type="image/png", headers=headers)
