"""The records layer's one error: a document that cannot be read, naming the file and page."""

from __future__ import annotations

from openimr.errors import CaseFileError

__all__ = ["DocumentError"]


class DocumentError(CaseFileError):
    """A document of a case (PDF, image, text) that cannot be read.

    A :class:`~openimr.errors.CaseFileError`, so every caller that already turns bad case files
    into one line and exit code 2 does the same for documents. ``page`` is 1-based.
    """

    def __init__(self, message: str, *, source: str | None = None, page: int | None = None):
        super().__init__(message, source=source, location=f"page {page}" if page else None)
        self.page = page
