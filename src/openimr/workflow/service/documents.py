"""Documents of a case: records added after intake, stored with their hash, never replaced.

A record's text (a PDF's text layer, or UTF-8 text) joins the case file the engine reads; a
PDF without text (a scan) or one that cannot be read is still stored, and gives no text.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from openimr.casefile import Record, RecordKind
from openimr.errors import ConflictError, InputError, NotFound, OpenIMRError, WorkflowError
from openimr.store.models import Case, Document
from openimr.workflow.schemas import Actor, DocumentKind, DocumentOut
from openimr.workflow.service import proposals
from openimr.workflow.service.cases import case_file_sha256, effective_case_file
from openimr.workflow.service.unit import Core, Unit, sha256_hex
from openimr.workflow.states import CLOSED, CaseStatus

#: Largest document accepted, in bytes.
MAX_DOCUMENT_BYTES = 25 * 1024 * 1024


def add_document(
    core: Core,
    actor: Actor,
    case_id: str,
    content: bytes,
    *,
    filename: str | None,
    media_type: str | None,
    record: dict[str, Any] | None = None,
) -> DocumentOut:
    """Store a PDF or text record with its hash; the same bytes twice is refused."""
    kind_media, text_content = read_upload(content, media_type, filename)
    meta = record_meta(record or {})
    with core.unit(actor) as unit:
        case = unit.case(case_id, "document.add")
        if case.status in CLOSED or case.status == CaseStatus.DETERMINATION_SIGNED:
            raise WorkflowError(f"case {case.id} is {case.status}; it takes no more records")
        document = store(
            unit, case, DocumentKind.RECORD, content, kind_media, filename, text_content, meta
        )
        if text_content and text_content.strip():
            case.case_file_sha256 = case_file_sha256(effective_case_file(unit.session, case))
            case.updated_at = core.now()
        added = DocumentOut.model_validate(document, from_attributes=True)
    proposals.prepare(core, case.id, case.case_file_sha256, case.status)
    return added


def store(
    unit: Unit,
    case: Case,
    kind: DocumentKind,
    content: bytes,
    media_type: str,
    filename: str | None,
    text_content: str | None,
    meta: dict[str, Any],
    *,
    letter_version: int | None = None,
) -> Document:
    """Add a document to the case; refused if the same bytes of this kind are already there."""
    digest = sha256_hex(content)
    existing = unit.session.execute(
        select(Document.id).where(
            Document.case_id == case.id, Document.kind == kind, Document.sha256 == digest
        )
    ).scalar_one_or_none()
    if existing is not None:
        raise ConflictError(
            f"this {kind} is already stored on case {case.id} as document {existing} "
            f"(sha256 {digest[:12]}...); nothing was overwritten"
        )
    document = Document(
        case_id=case.id,
        kind=kind,
        filename=filename,
        media_type=media_type,
        size=len(content),
        sha256=digest,
        content=content,
        text=text_content,
        meta=meta,
        letter_version=letter_version,
        created_by=unit.actor.user_id,
        created_at=unit.core.now(),
    )
    unit.session.add(document)
    try:
        with unit.session.begin_nested():
            unit.session.flush()
    except IntegrityError:
        raise ConflictError(
            f"this {kind} was stored on case {case.id} at the same moment; nothing was overwritten"
        ) from None
    unit.record("document.add", case.id, document=document.id, kind=kind, sha256=digest)
    return document


def get_document(
    core: Core, actor: Actor, case_id: str, document_id: int
) -> tuple[DocumentOut, bytes]:
    """A document and its bytes (the read is audited)."""
    with core.unit(actor) as unit:
        case = unit.case(case_id, "document.read")
        document = unit.session.get(Document, document_id)
        if document is None or document.case_id != case.id:
            raise NotFound(f"no document {document_id} on case {case_id}")
        unit.record("document.read", case.id, document=document.id)
        return DocumentOut.model_validate(document, from_attributes=True), document.content


# -- reading an upload -------------------------------------------------------------------


def read_upload(
    content: bytes, media_type: str | None, filename: str | None
) -> tuple[str, str | None]:
    """Accept PDF or UTF-8 text only; return the media type and the text for the engine."""
    where = filename or "document"
    if not content:
        raise InputError("the document is empty", source=where, location="file")
    if len(content) > MAX_DOCUMENT_BYTES:
        raise InputError(
            f"the document is {len(content) / 1_048_576:.1f} MB; the limit is "
            f"{MAX_DOCUMENT_BYTES // 1_048_576} MB",
            source=where,
            location="file",
        )
    if content.startswith(b"%PDF-"):
        return "application/pdf", pdf_text(content)
    if media_type == "application/pdf":
        raise InputError("declared as PDF but is not a PDF file", source=where, location="file")
    if b"\x00" in content[:65536]:
        raise InputError(
            "only PDF and plain-text documents are accepted", source=where, location="file"
        )
    try:
        decoded = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(
            "only PDF and UTF-8 plain-text documents are accepted", source=where, location="file"
        ) from None
    return "text/plain", decoded


def pdf_text(content: bytes) -> str | None:
    """Text of a PDF for the engine; ``None`` when it has none (a scan) or cannot be read.

    Read by the letters layer's PDF reader, the project's one (it holds PDFium's lock).
    """
    from openimr.letters.extract import extract_pdf_pages

    try:
        pages = extract_pdf_pages(content)
    except OpenIMRError:  # a damaged or encrypted PDF is still stored; it only gives no text
        return None
    joined = "\n\f\n".join(pages).replace("\x00", "")
    return joined if joined.strip() else None


def record_meta(record: dict[str, Any]) -> dict[str, Any]:
    """Validate the record fields given with an upload against the case-file contract."""
    fields = {k: v for k, v in record.items() if v not in (None, "")}
    probe = {"kind": fields.get("record_kind", RecordKind.OTHER.value), "text": "probe"}
    for key in ("author", "specialty"):
        if key in fields:
            probe[key] = fields[key]
    if "record_date" in fields:
        probe["date"] = fields["record_date"]
    try:
        Record.model_validate(probe)
    except ValidationError as exc:
        detail = exc.errors(include_url=False)[0]
        loc = str(detail.get("loc", ("record",))[0])
        name = {"kind": "record_kind", "date": "record_date"}.get(loc, loc)
        raise InputError(str(detail.get("msg")), location=name) from None
    return {
        "record_kind": probe["kind"],
        "record_date": probe.get("date"),
        "author": probe.get("author"),
        "specialty": probe.get("specialty"),
    }
