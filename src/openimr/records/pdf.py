"""The one place the records layer calls a PDF library (PDFium through pypdfium2).

PDFium is not thread-safe, so every call into it holds :data:`PDFIUM_LOCK`; the lock is
released between pages so that two documents read in two threads interleave. Pages are read
one at a time and closed at once: a 500-page bundle is never held in memory whole.
Every failure becomes a :class:`~openimr.records.errors.DocumentError` naming file and page.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from openimr.errors import NotFound
from openimr.records.errors import DocumentError
from openimr.records.normalize import Line

if TYPE_CHECKING:
    import pypdfium2 as pdfium
    from PIL.Image import Image

__all__ = [
    "MAX_IMAGE_PIXELS",
    "PDFIUM_LOCK",
    "PdfPage",
    "iter_pdf_pages",
    "pdf_page_count",
    "pdf_page_words",
    "render_pdf_page",
]

PDFIUM_LOCK = threading.RLock()
#: Largest image (in pixels) a page may hold or be rendered to: a scanned letter page at 600
#: dpi is 34 million pixels; a page far larger is a decompression bomb, not a record.
MAX_IMAGE_PIXELS = 120_000_000
#: A page with fewer visible characters than this in its text layer is read by OCR.
MIN_TEXT_CHARS = 20


@dataclass(slots=True)
class PdfPage:
    """One page: its text-layer lines (top-down coordinates, points), or its picture for OCR."""

    number: int
    width: float
    height: float
    lines: list[Line]
    image: Image | None = None


def _open(source_data: Path | bytes, source: str):  # type: ignore[no-untyped-def]
    import pypdfium2

    try:
        return pypdfium2.PdfDocument(source_data)
    except pypdfium2.PdfiumError as exc:
        message = str(exc)
        if "password" in message.lower():
            raise DocumentError(
                "the PDF is encrypted (password protected); ask for an unprotected copy",
                source=source,
            ) from None
        if _declares_no_pages(source_data):  # PDFium refuses a document without a page
            raise DocumentError("the PDF has no pages", source=source) from None
        reason = message.rsplit("PDFium: ", 1)[-1].rstrip(").") or "unknown error"
        raise DocumentError(
            f"not a readable PDF ({reason.lower()}: damaged or cut short?)", source=source
        ) from None


_PAGE_OBJECT = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")


_NO_PAGES = re.compile(rb"/Count\s+0(?![0-9])")


def _declares_no_pages(data: Path | bytes) -> bool:
    """Whether a PDF that PDFium refused says it has no pages (rather than being damaged)."""
    if isinstance(data, Path):
        try:
            if data.stat().st_size > 1024 * 1024:
                return False
            data = data.read_bytes()
        except OSError:
            return False
    return _NO_PAGES.search(data) is not None and _PAGE_OBJECT.search(data) is None


def _text_lines(page, height: float) -> list[Line]:  # type: ignore[no-untyped-def]
    """The page's text as lines in reading order: top to bottom, then left to right."""
    textpage = page.get_textpage()
    try:
        segments: list[tuple[float, float, float, float, str]] = []
        for index in range(textpage.count_rects()):
            left, bottom, right, top = textpage.get_rect(index)
            text = textpage.get_text_bounded(left, bottom, right, top)
            text = text.replace("\r", " ").replace("\n", " ")
            if text.strip():
                segments.append((left, height - top, right, height - bottom, text))
    finally:
        textpage.close()
    segments.sort(key=lambda s: (round(s[1], 1), s[0]))
    rows: list[list[tuple[float, float, float, float, str]]] = []
    for segment in segments:
        for row in reversed(rows[-3:]):
            top = min(s[1] for s in row)
            bottom = max(s[3] for s in row)
            overlap = min(bottom, segment[3]) - max(top, segment[1])
            if overlap > 0.5 * min(bottom - top, segment[3] - segment[1]):
                row.append(segment)
                break
        else:
            rows.append([segment])
    lines: list[Line] = []
    for row in rows:
        row.sort(key=lambda s: s[0])
        text = row[0][4].strip()
        for previous, segment in itertools.pairwise(row):
            gap = segment[0] - previous[2]
            glue = " " if gap > 0.15 * (segment[3] - segment[1]) else ""
            text = text + glue + segment[4].strip() if text else segment[4].strip()
        lines.append(
            Line(
                text,
                min(s[0] for s in row),
                min(s[1] for s in row),
                max(s[2] for s in row),
                max(s[3] for s in row),
            )
        )
    lines.sort(key=lambda line: (line.top, line.x0))
    return lines


def _check_images(page, number: int, source: str) -> None:  # type: ignore[no-untyped-def]
    """Refuse a page holding an image too large to decode (before PDFium decodes it)."""
    import pypdfium2.raw as pdfium_c

    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=4):
        try:
            width, height = obj.get_px_size()
        except Exception:
            continue
        if width * height > MAX_IMAGE_PIXELS:
            raise DocumentError(
                f"an image of {width}x{height} pixels is far larger than a scanned page "
                "(a decompression bomb?)",
                source=source,
                page=number,
            )


def _render(page, width: float, height: float, dpi: int) -> Image:  # type: ignore[no-untyped-def]
    scale = dpi / 72
    pixels = width * height * scale * scale
    if pixels > MAX_IMAGE_PIXELS:  # a huge page is rendered smaller, never to gigabytes
        scale *= (MAX_IMAGE_PIXELS / pixels) ** 0.5
    bitmap = page.render(scale=scale, grayscale=True, may_draw_forms=False)
    try:
        image = bitmap.to_pil().convert("L")
        image.info["dpi"] = (dpi, dpi)
        return image
    finally:
        bitmap.close()


def iter_pdf_pages(data: Path | bytes, *, source: str, dpi: int = 300) -> Iterator[PdfPage]:
    """Each page of a PDF, text lines when it has a text layer, else a rendered picture."""
    import pypdfium2

    with PDFIUM_LOCK:
        document = _open(data, source)
    try:
        with PDFIUM_LOCK:
            count = len(document)
        if count == 0:
            raise DocumentError("the PDF has no pages", source=source)
        for index in range(count):
            number = index + 1
            with PDFIUM_LOCK:
                try:
                    page = document[index]
                except pypdfium2.PdfiumError as exc:
                    raise DocumentError(
                        f"the page cannot be read ({exc})", source=source, page=number
                    ) from None
                try:
                    width, height = page.get_size()
                    if width <= 0 or height <= 0:
                        raise DocumentError("the page has no size", source=source, page=number)
                    lines = _text_lines(page, height)
                    image = None
                    if sum(len(line.text.strip()) for line in lines) < MIN_TEXT_CHARS:
                        _check_images(page, number, source)
                        image = _render(page, width, height, dpi)
                except pypdfium2.PdfiumError as exc:
                    raise DocumentError(
                        f"the page cannot be read ({exc})", source=source, page=number
                    ) from None
                finally:
                    page.close()
            yield PdfPage(number, width, height, lines, image)
    finally:
        with PDFIUM_LOCK:
            document.close()


def pdf_page_count(data: Path | bytes, *, source: str) -> int:
    """How many pages a PDF has (for a progress bar), without reading them."""
    with PDFIUM_LOCK:
        document = _open(data, source)
        try:
            return len(document)
        finally:
            document.close()


@contextmanager
def _one_page(data: bytes, number: int, source: str) -> Iterator[pdfium.PdfPage]:
    """Page ``number`` (1-based) of a PDF, open under the PDFium lock until the block ends; a
    page the document does not have is NotFound, one PDFium cannot load a DocumentError."""
    import pypdfium2

    with PDFIUM_LOCK:
        document = _open(data, source)
        try:
            count = len(document)
            if not 1 <= number <= count:
                raise NotFound(f"the document has {count} page(s); there is no page {number}")
            try:
                page = document[number - 1]
            except pypdfium2.PdfiumError as exc:
                raise DocumentError(
                    f"the page cannot be read ({exc})", source=source, page=number
                ) from None
            try:
                yield page
            finally:
                page.close()
        finally:
            document.close()


def render_pdf_page(data: bytes, number: int, *, source: str, dpi: int) -> Image:
    """Page ``number`` (1-based) as a grey picture, for the reviewer to read beside its text."""
    import pypdfium2

    with _one_page(data, number, source) as page:
        try:
            width, height = page.get_size()
            _check_images(page, number, source)
            return _render(page, width, height, dpi)
        except pypdfium2.PdfiumError as exc:
            raise DocumentError(
                f"the page cannot be drawn ({exc})", source=source, page=number
            ) from None


def pdf_page_words(data: bytes, number: int, *, source: str) -> tuple[list[Line], float] | None:
    """The words of page ``number``'s text layer, each with its box in points (top-down), and
    the page's width; None when the page has no text layer (a scan, read by OCR instead).

    Quoted words are marked on a text page where PDFium drew them, exactly and without OCR.
    """
    import pypdfium2

    with _one_page(data, number, source) as page:
        try:
            width, height = page.get_size()
            textpage = page.get_textpage()
            try:
                words = _text_words(textpage, height)
            finally:
                textpage.close()
        except pypdfium2.PdfiumError as exc:
            raise DocumentError(
                f"the page cannot be read ({exc})", source=source, page=number
            ) from None
    if sum(len(word.text) for word in words) < MIN_TEXT_CHARS:
        return None
    return words, width


def _text_words(textpage: pdfium.PdfTextPage, height: float) -> list[Line]:
    """A text page's words with their boxes: characters between spaces, boxes joined."""
    import pypdfium2.raw as pdfium_c

    words: list[Line] = []
    text, box = "", [0.0, 0.0, 0.0, 0.0]
    chars = textpage.count_chars()
    for index in range(chars + 1):  # one past the end closes the last word
        char = " "
        if index < chars:
            char = chr(pdfium_c.FPDFText_GetUnicode(textpage.raw, index))
        if char.isspace() or char == "\x00":
            if text:
                words.append(Line(text, *box))
            text = ""
            continue
        left, bottom, right, top = textpage.get_charbox(index)
        here = [left, height - top, right, height - bottom]
        if not text:
            box = here
        else:
            box = [
                min(box[0], here[0]),
                min(box[1], here[1]),
                max(box[2], here[2]),
                max(box[3], here[3]),
            ]
        text += char
    return words
