"""Getting a letter's text out of a file: the one seam between the letters layer and PDF libraries.

Published letters arrive as PDFs (text layer, no OCR needed) or as text already extracted.
Everything that can go wrong here (too big, empty, binary, encrypted, corrupt) becomes a
:class:`~openimr.errors.LetterError` naming the file, never a library exception.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from openimr.errors import LetterError
from openimr.records.pdf import PDFIUM_LOCK

__all__ = [
    "MAX_LETTER_BYTES",
    "LetterText",
    "extract_pdf_pages",
    "letter_text",
    "read_letter_bytes",
    "read_letter_text",
]

#: Largest file accepted, in bytes (20 MiB). Real letters are 50-300 kB; anything far larger is
#: not a letter and is refused before it is read.
MAX_LETTER_BYTES = 20 * 1024 * 1024

# PDFium is not thread-safe; the API may call from threads, and the records layer reads
# documents with PDFium too: one lock for the process.
_PDFIUM_LOCK = PDFIUM_LOCK
_BINARY_BYTES = bytes(range(0, 9)) + bytes(range(14, 32)) + b"\x7f"


@dataclass(frozen=True, slots=True)
class LetterText:
    """The text of a letter, one string per page (a text file is one page)."""

    pages: tuple[str, ...]
    source: str | None = None
    kind: str = "text"

    @property
    def text(self) -> str:
        return "\n".join(self.pages)


def extract_pdf_pages(data: bytes, *, source: str | None = None) -> list[str]:
    """The text layer of each page of a PDF (PDFium; the only place a PDF library is used)."""
    import pypdfium2

    with _PDFIUM_LOCK:
        try:
            document = pypdfium2.PdfDocument(data)
        except pypdfium2.PdfiumError as exc:
            message = str(exc)
            if "password" in message.lower():
                raise LetterError(
                    "the PDF is encrypted (password protected)", source=source
                ) from None
            raise LetterError(f"not a readable PDF ({message})", source=source) from None
        try:
            pages = []
            for page in document:
                textpage = page.get_textpage()
                pages.append(textpage.get_text_range())
                textpage.close()
                page.close()
            return pages
        except pypdfium2.PdfiumError as exc:
            raise LetterError(f"a page of the PDF cannot be read ({exc})", source=source) from None
        finally:
            document.close()


def _decode(data: bytes, source: str | None) -> str:
    sample = data[:65536]
    # the control bytes counted by deleting them: one pass over the sample, not one per byte
    binary = len(sample) - len(sample.translate(None, _BINARY_BYTES))
    if b"\x00" in sample or binary > len(sample) // 100:
        raise LetterError(
            "binary data, not a letter (expected a PDF or a text file)", source=source
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    # Not UTF-8: a Windows-1252 letter is mostly ASCII; compressed or image data is not.
    sample_text = text[:65536]
    if sum(not (ch.isascii() or ch.isalpha()) for ch in sample_text) > len(sample_text) // 10:
        raise LetterError(
            "binary data, not a letter (expected a PDF or a text file)", source=source
        )
    return text


def letter_text(data: bytes, *, source: str | None = None) -> LetterText:
    """The text of a letter given as bytes: a PDF by its signature, otherwise text."""
    if len(data) > MAX_LETTER_BYTES:
        raise LetterError(
            f"{len(data)} bytes is larger than the {MAX_LETTER_BYTES} bytes (20 MiB) accepted",
            source=source,
        )
    if not data.strip():
        raise LetterError("the file is empty", source=source)
    if b"%PDF-" in data[:1024]:
        pages = extract_pdf_pages(data, source=source)
        if not any(page.strip() for page in pages):
            raise LetterError("the PDF has no text layer (a scanned image?)", source=source)
        return LetterText(tuple(pages), source, "pdf")
    return LetterText((_decode(data, source),), source, "text")


def read_letter_text(path: str | Path) -> LetterText:
    """The text of a letter file, refusing files over :data:`MAX_LETTER_BYTES` before reading."""
    path = Path(path)
    return letter_text(read_letter_bytes(path), source=str(path))


def read_letter_bytes(path: str | Path) -> bytes:
    """The bytes of a letter file, refusing files over :data:`MAX_LETTER_BYTES` before reading."""
    path = Path(path)
    source = str(path)
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise LetterError("not a regular file", source=source)
        if size > MAX_LETTER_BYTES:
            raise LetterError(
                f"{size} bytes is larger than the {MAX_LETTER_BYTES} bytes (20 MiB) accepted",
                source=source,
            )
        with path.open("rb") as handle:
            data = handle.read(MAX_LETTER_BYTES + 1)
    except OSError as exc:
        raise LetterError(f"cannot read the file ({exc.strerror or exc})", source=source) from None
    return data
