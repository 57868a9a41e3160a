"""What the records layer gives back: records split from documents, with their pages.

A :class:`SplitRecord` is one case-file :class:`~openimr.casefile.Record` plus what the case
file has no field for: the detailed kind (a QME report is a ``consultation`` in the case file),
the pages it came from and the page map that turns a character span of its text into
(document, page, span), OCR confidence, and what was set aside as a duplicate.
"""

from __future__ import annotations

from datetime import date as Date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from openimr.casefile import CaseFile, Record, RecordKind, RecordSource, SourceSpan

__all__ = [
    "BuiltCase",
    "DocumentKind",
    "DocumentSummary",
    "Duplicate",
    "PageFlag",
    "PageSegment",
    "PageSpan",
    "RecordSet",
    "SplitRecord",
]


class DocumentKind(StrEnum):
    """The kinds of medical record a bundle holds; each maps onto a case-file ``RecordKind``."""

    PROGRESS_REPORT = "progress_report"  # PR-2, PR-4, treating physician's reports
    CONSULTATION = "consultation"
    IMAGING = "imaging"
    OPERATIVE_REPORT = "operative_report"
    UR_DETERMINATION = "ur_determination"
    QME_REPORT = "qme_report"  # QME / AME medical-legal evaluations
    THERAPY_NOTE = "therapy_note"  # physical therapy, chiropractic, acupuncture notes
    PHARMACY = "pharmacy"
    OTHER = "other"

    @property
    def record_kind(self) -> RecordKind:
        """The case-file kind (the contract has fewer kinds than a bundle holds)."""
        return _RECORD_KIND[self]


_RECORD_KIND = {
    DocumentKind.PROGRESS_REPORT: RecordKind.PROGRESS_REPORT,
    DocumentKind.CONSULTATION: RecordKind.CONSULTATION,
    DocumentKind.IMAGING: RecordKind.IMAGING,
    DocumentKind.OPERATIVE_REPORT: RecordKind.OPERATIVE_REPORT,
    DocumentKind.UR_DETERMINATION: RecordKind.UR_DETERMINATION,
    DocumentKind.QME_REPORT: RecordKind.CONSULTATION,
    DocumentKind.THERAPY_NOTE: RecordKind.PROGRESS_REPORT,
    DocumentKind.PHARMACY: RecordKind.OTHER,
    DocumentKind.OTHER: RecordKind.OTHER,
}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PageSegment(_Model):
    """``text[start:end]`` of a record is ``page_text[page_start:page_start + end - start]``."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    document: str
    page: int = Field(ge=1)
    page_start: int = Field(ge=0)


class PageSpan(_Model):
    """Where a quote is on a page: document, 1-based page number and span in that page's text."""

    document: str
    page: int = Field(ge=1)
    start: int = Field(ge=0)
    end: int = Field(ge=0)


class PageFlag(_Model):
    """Something about a page that the physician should look at (never health information)."""

    document: str
    page: int = Field(ge=1)
    reason: str


class Duplicate(_Model):
    """A page or record set aside because the same thing was already read."""

    document: str
    pages: tuple[int, int]
    same_as: str  # "record 3" or "document.pdf page 4"
    what: str  # "record" or "page"


class SplitRecord(_Model):
    """One record found in the documents, with its pages and page map."""

    kind: DocumentKind
    date: Date | None = None
    author: str | None = None
    specialty: str | None = None
    title: str | None = None
    document: str
    pages: tuple[int, int]
    text: str
    page_map: tuple[PageSegment, ...]
    ocr_pages: tuple[int, ...] = ()
    ocr_confidence: float | None = None  # lowest page confidence among OCR pages
    duplicates: tuple[str, ...] = ()  # where the same record was sent again

    def to_record(self) -> Record:
        """The case-file record (contract kinds only), with the document it was read from."""
        return Record(
            kind=self.kind.record_kind,
            date=self.date,
            author=self.author,
            specialty=self.specialty,
            text=self.text,
            source=self.source(),
        )

    def source(self) -> RecordSource:
        """The document, pages and page map the case file keeps for the record."""
        return RecordSource(
            document=self.document,
            first_page=self.pages[0],
            last_page=self.pages[1],
            page_map=[
                SourceSpan(start=s.start, end=s.end, page=s.page)
                for s in self.page_map
                if s.end > s.start
            ],
        )

    def locate(self, start: int, end: int) -> list[PageSpan]:
        """The page spans holding ``text[start:end]`` (several when it crosses a page break)."""
        spans: list[PageSpan] = []
        for segment in self.page_map:
            lo, hi = max(start, segment.start), min(end, segment.end)
            if lo < hi:
                offset = segment.page_start - segment.start
                spans.append(
                    PageSpan(
                        document=segment.document,
                        page=segment.page,
                        start=lo + offset,
                        end=hi + offset,
                    )
                )
        return spans


class DocumentSummary(_Model):
    """A document as read: how many pages, how many read by OCR, its content hash."""

    document: str
    sha256: str
    pages: int
    ocr_pages: int
    records: int


class RecordSet(_Model):
    """Every record found in a batch of documents, in document and page order."""

    documents: tuple[DocumentSummary, ...]
    records: tuple[SplitRecord, ...]
    duplicates: tuple[Duplicate, ...] = ()
    flags: tuple[PageFlag, ...] = ()

    def case_records(self) -> list[Record]:
        return [record.to_record() for record in self.records]


class BuiltCase(_Model):
    """A case file built from documents, with the record set it was built from.

    ``case_file.records[first_document_record + i]`` is ``records.records[i]``; records that
    came with a sidecar case file come first.
    """

    case_file: CaseFile
    records: RecordSet
    first_document_record: int = 0
