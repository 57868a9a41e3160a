"""Documents of a case: records added after intake, stored with their hash, never replaced.

A text document is one record. A PDF (text or scanned) or an image (TIFF fax, PNG, JPEG) is
read by the records layer: OCRed where it has no text, split into the records it bundles,
each with its kind, date, author and pages, and those records join the case file the engine
reads. A document that cannot be read (encrypted, damaged, a decompression bomb, a name that
lies about its content) is refused with the reason, and nothing is stored.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from openimr.casefile import Record, RecordKind
from openimr.errors import ConflictError, InputError, NotFound, WorkflowError
from openimr.store.models import Case, Document
from openimr.workflow.schemas import Actor, DocumentKind, DocumentOut, EvidenceRef, PageImageOut
from openimr.workflow.service import proposals
from openimr.workflow.service.cases import (
    case_file_sha256,
    effective_case_file,
    record_documents,
)
from openimr.workflow.service.unit import Core, Unit, sha256_hex
from openimr.workflow.states import CLOSED, CaseStatus

if TYPE_CHECKING:
    from openimr.records.highlight import PageSpan

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
    kind_media, text_content, split = read_upload(content, media_type, filename)
    meta = record_meta(record or {})
    if split is not None:
        meta = {**meta, **split}
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


def page_image(
    core: Core,
    actor: Actor,
    case_id: str,
    document_id: int,
    page: int,
    evidence: EvidenceRef | None = None,
) -> PageImageOut:
    """One page of a stored PDF or image record as a PNG (the read is audited like the file),
    with ``evidence`` marked on it when asked.

    The evidence is named by record and span; its words are read here from the case file, and
    only the part of the span read from this page is marked. A span outside the record, or
    not on this page of this document, is NotFound.
    """
    from openimr.records.read import page_picture

    with core.unit(actor) as unit:
        case = unit.case(case_id, "document.read")
        document = unit.session.get(Document, document_id)
        if (
            document is None
            or document.case_id != case.id
            or document.kind != DocumentKind.RECORD
            or document.media_type not in _PAGED_MEDIA
        ):
            raise NotFound(f"no document {document_id} with pages on case {case_id}")
        highlight = None
        detail: dict[str, Any] = {"document": document.id, "page": page}
        if evidence is not None:
            highlight = _page_span(unit, case, document.id, page, evidence)
            detail.update(record=evidence.record, start=evidence.start, end=evidence.end)
        unit.record("document.read", case.id, **detail)
        content = document.content
    picture = page_picture(content, page, source=f"document {document_id}", highlight=highlight)
    return PageImageOut(content=picture.png, marked=picture.marked)


def _page_span(
    unit: Unit, case: Case, document_id: int, page: int, evidence: EvidenceRef
) -> PageSpan:
    """The text read from ``page`` of the record ``evidence`` names, and the evidence's span
    in it (clipped to the page: a quote may run on to the next page)."""
    from openimr.records.highlight import PageSpan

    case_file = effective_case_file(unit.session, case)
    documents = list(
        unit.session.execute(
            select(Document).where(Document.case_id == case.id).order_by(Document.id)
        ).scalars()
    )
    owners = record_documents(case_file, documents)
    missing = NotFound(f"record {evidence.record + 1} has no such span on page {page}")
    if evidence.record >= len(case_file.records) or owners[evidence.record] != document_id:
        raise missing
    record = case_file.records[evidence.record]
    if record.source is None or evidence.end > len(record.text):
        raise missing
    spans = [s for s in record.source.page_map if s.page == page]
    if not spans:
        raise missing
    first, last = min(s.start for s in spans), max(s.end for s in spans)
    start, end = max(evidence.start, first), min(evidence.end, last)
    if start >= end:
        raise missing
    return PageSpan(record.text[first:last], start - first, end - first)


# -- reading an upload -------------------------------------------------------------------


_IMAGE_MEDIA = {"tiff": "image/tiff", "png": "image/png", "jpeg": "image/jpeg"}
#: Stored documents that have pages to show.
_PAGED_MEDIA = frozenset({"application/pdf", *_IMAGE_MEDIA.values()})


def read_upload(
    content: bytes, media_type: str | None, filename: str | None
) -> tuple[str, str | None, dict[str, Any] | None]:
    """Accept a PDF, an image or UTF-8 text; return the media type, the text for the engine
    and, for PDFs and images, the records the document was split into (for its metadata)."""
    from openimr.records.read import sniff

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
    found = sniff(content[:1024])
    if found is not None:
        split = split_document(content, found, where)
        text = "\n\n".join(r["text"] for r in split["records"]) or None
        return ("application/pdf" if found == "pdf" else _IMAGE_MEDIA[found]), text, split
    if media_type == "application/pdf":
        raise InputError("declared as PDF but is not a PDF file", source=where, location="file")
    if b"\x00" in content[:65536]:
        raise InputError(
            "only PDF, image (TIFF, PNG, JPEG) and plain-text documents are accepted",
            source=where,
            location="file",
        )
    try:
        decoded = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(
            "only PDF, image and UTF-8 plain-text documents are accepted",
            source=where,
            location="file",
        ) from None
    return "text/plain", decoded, None


def split_document(content: bytes, kind: str, name: str) -> dict[str, Any]:
    """Read a PDF or image with the records layer: its records, pages and flags.

    The bytes go to a private temporary file (the reader streams pages from a path), removed
    when the reading ends; a document that cannot be read is refused naming file and page.
    """
    from openimr.records import read_documents
    from openimr.records.errors import DocumentError

    suffix = {"pdf": ".pdf", "tiff": ".tif", "png": ".png", "jpeg": ".jpg"}[kind]
    errors: list[DocumentError] = []
    with tempfile.TemporaryDirectory(prefix="openimr-doc-") as folder:
        os.chmod(folder, 0o700)
        path = Path(folder) / f"document{suffix}"
        path.write_bytes(content)
        os.chmod(path, 0o600)
        found = read_documents([path], names=[name], errors=errors)
    if errors:
        error = errors[0]
        raise InputError(error.detail, source=name, location=error.location or "file")
    records = [
        {
            "kind": r.kind.record_kind.value,
            "detailed_kind": r.kind.value,
            "date": r.date.isoformat() if r.date else None,
            "author": r.author,
            "specialty": r.specialty,
            "pages": list(r.pages),
            "ocr_confidence": r.ocr_confidence,
            "text": r.text,
            "source": r.source().model_dump(mode="json"),
        }
        for r in found.records
    ]
    flags = [{"page": f.page, "reason": f.reason} for f in found.flags]
    if not records:
        raise InputError("no readable text was found in the document", source=name, location="file")
    return {"records": records, "flags": flags}


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
