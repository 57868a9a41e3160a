"""Reading documents as they arrive: PDFs (text or scanned), fax TIFFs, PNG and JPEG scans, text.

A document is recognized by its content, not its name; a name that says one kind of file
while the content is another is refused, since it usually means the wrong file was sent.
Pages are yielded one at a time (a page's picture is dropped once it is read), so a bundle of
any length is read in the memory of one page. Every failure is a
:class:`~openimr.records.errors.DocumentError` naming the file and, where it applies, the page.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from openimr.records.errors import DocumentError
from openimr.records.highlight import Box, PageSpan, draw_marks, find_quote, page_quote
from openimr.records.normalize import Line
from openimr.records.ocr import LOW_CONFIDENCE, ocr_page, ocr_words
from openimr.records.pdf import (
    MAX_IMAGE_PIXELS,
    iter_pdf_pages,
    pdf_page_count,
    pdf_page_words,
    render_pdf_page,
)
from openimr.records.split import Page, analyse_page

if TYPE_CHECKING:
    from PIL.Image import Image

__all__ = [
    "DOCUMENT_SUFFIXES",
    "MAX_DOCUMENT_BYTES",
    "DocumentPages",
    "PagePicture",
    "count_pages",
    "page_picture",
    "page_png",
    "read_pages",
    "sniff",
]

#: Largest document accepted, in bytes (512 MiB: a 500-page colour scan is about 150 MB).
MAX_DOCUMENT_BYTES = 512 * 1024 * 1024
#: Largest text document, in bytes (a text file this large is not a medical record).
MAX_TEXT_BYTES = 20 * 1024 * 1024
#: The kinds of file read, by the names they go by.
DOCUMENT_SUFFIXES = {
    ".pdf": "pdf",
    ".tif": "tiff",
    ".tiff": "tiff",
    ".png": "png",
    ".jpg": "jpeg",
    ".jpeg": "jpeg",
    ".txt": "text",
    ".text": "text",
}
_NAMES = {"pdf": "a PDF", "tiff": "a TIFF image", "png": "a PNG image", "jpeg": "a JPEG image"}
_NAMES["text"] = "a text file"
_BINARY = bytes(range(0, 9)) + bytes(range(14, 32)) + b"\x7f"
_OCR_DPI = 300


@dataclass(frozen=True, slots=True)
class DocumentPages:
    """A document's pages as they are read, and what is known before reading them."""

    source: str
    kind: str
    pages: int
    sha256: str


def sniff(head: bytes) -> str | None:
    """The kind of file ``head`` (its first bytes) begins, or None for text or unknown."""
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "tiff"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    return None


def _looks_like_text(head: bytes) -> bool:
    if not head.strip() or b"\x00" in head:
        return False
    return sum(head.count(b) for b in _BINARY) <= len(head) // 100


def _kind(path: Path, source: str) -> tuple[str, int]:
    try:
        if not path.exists():
            raise DocumentError("no such file", source=source)
        if not path.is_file():
            raise DocumentError("not a regular file", source=source)
        size = path.stat().st_size
        if size == 0:
            raise DocumentError("the file is empty", source=source)
        if size > MAX_DOCUMENT_BYTES:
            raise DocumentError(
                f"the file is {size / 1_073_741_824:.1f} GiB; documents of at most "
                f"{MAX_DOCUMENT_BYTES // 1_048_576} MiB are read (split the bundle)",
                source=source,
            )
        with path.open("rb") as handle:
            head = handle.read(65536)
    except PermissionError:
        raise DocumentError("permission denied", source=source) from None
    except OSError as exc:
        raise DocumentError(
            f"cannot read the file ({exc.strerror or exc})", source=source
        ) from None
    found = sniff(head) or ("text" if _looks_like_text(head) else None)
    named = DOCUMENT_SUFFIXES.get(path.suffix.lower())
    if found is None:
        raise DocumentError(
            "not a document this reads (expected a PDF, a TIFF, PNG or JPEG scan, or text)",
            source=source,
        )
    if named is not None and named != found:
        raise DocumentError(
            f"the name says {_NAMES[named]} but the content is {_NAMES[found]}; "
            "check that this is the file meant",
            source=source,
        )
    if found == "text" and size > MAX_TEXT_BYTES:
        raise DocumentError(
            f"a text document of {size // 1_048_576} MiB is larger than the "
            f"{MAX_TEXT_BYTES // 1_048_576} MiB accepted",
            source=source,
        )
    return found, size


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _image_frames(path: Path, source: str) -> Iterator[tuple[int, Image]]:
    """Each frame of a TIFF (a fax is one frame a page), PNG or JPEG, checked before decoding."""
    from PIL import Image as PILImage
    from PIL import ImageSequence

    try:
        image = PILImage.open(path)
    except PILImage.DecompressionBombError:
        raise DocumentError(
            "the image is far larger than a scanned page (a decompression bomb?)",
            source=source,
            page=1,
        ) from None
    except OSError as exc:
        raise DocumentError(f"not a readable image ({exc})", source=source) from None
    with image:
        number = 0
        try:
            for frame in ImageSequence.Iterator(image):
                number += 1
                width, height = frame.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise DocumentError(
                        f"an image of {width}x{height} pixels is far larger than a scanned page "
                        "(a decompression bomb?)",
                        source=source,
                        page=number,
                    )
                dpi = frame.info.get("dpi")
                picture = frame.convert("L")
                if dpi:
                    picture.info["dpi"] = dpi
                if frame.mode == "1":
                    picture.info["bilevel"] = True
                yield number, picture
        except DocumentError:
            raise
        except (OSError, ValueError, SyntaxError, PILImage.DecompressionBombError) as exc:
            raise DocumentError(
                f"the image cannot be decoded ({exc})", source=source, page=number + 1
            ) from None


def _text_pages(path: Path, source: str) -> Iterator[tuple[int, list[Line]]]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    for number, chunk in enumerate(text.replace("\r\n", "\n").split("\f"), start=1):
        rows = chunk.split("\n")
        width = float(max((len(row) for row in rows), default=1))
        lines = [
            Line(row, 0.0, float(i), float(len(row.rstrip())) or width, float(i) + 1.0)
            for i, row in enumerate(rows)
            if row.strip()
        ]
        if lines or number == 1:
            yield number, lines


def count_pages(path: str | Path) -> int:
    """How many pages a document has, for a progress bar (0 when it cannot be told cheaply)."""
    path = Path(path)
    source = str(path)
    kind, _ = _kind(path, source)
    if kind == "pdf":
        return pdf_page_count(path, source=source)
    if kind == "tiff":
        from PIL import Image as PILImage

        try:
            with PILImage.open(path) as image:
                return int(getattr(image, "n_frames", 1))
        except (OSError, PILImage.DecompressionBombError):
            return 0
    if kind == "text":
        return 1 + path.read_bytes().count(b"\f")
    return 1


def _ocr(image: Image, document: str, number: int, flags: list[tuple[int, str]]) -> Page:
    result = ocr_page(image, source=document, page=number)
    page = analyse_page(document, number, result.lines, method="ocr", confidence=result.confidence)
    if not page.text:
        flags.append((number, "no text could be read on this page (blank or illegible scan)"))
    elif result.confidence < LOW_CONFIDENCE:
        flags.append(
            (number, f"read by OCR with low confidence ({result.confidence:.0f}%): check the scan")
        )
    return page


def read_pages(
    path: str | Path,
    *,
    name: str | None = None,
    flags: list[tuple[int, str]] | None = None,
    on_page: Callable[[], None] | None = None,
) -> tuple[DocumentPages, Iterator[Page]]:
    """A document's description and an iterator over its pages, read one at a time.

    ``name`` is how the document is named in records and messages (default: the path).
    Pages needing the physician's eye are added to ``flags`` as (page, reason).
    The file's kind and size are checked before anything is returned; a page that cannot be
    read raises :class:`DocumentError` from the iterator.
    """
    path = Path(path)
    source = str(path)
    document = name or source
    kind, _ = _kind(path, source)
    notes = flags if flags is not None else []
    pages = count_pages(path)
    info = DocumentPages(document, kind, pages, _sha256(path))

    def pdf_pages() -> Iterator[Page]:
        for raw in iter_pdf_pages(path, source=source, dpi=_OCR_DPI):
            if raw.image is not None:
                image, raw.image = raw.image, None
                page = _ocr(image, document, raw.number, notes)
                del image
            else:
                page = analyse_page(document, raw.number, raw.lines)
            if on_page:
                on_page()
            yield page

    def image_pages() -> Iterator[Page]:
        for number, image in _image_frames(path, source):
            page = _ocr(image, document, number, notes)
            del image
            if on_page:
                on_page()
            yield page

    def text_pages() -> Iterator[Page]:
        for number, lines in _text_pages(path, source):
            page = analyse_page(document, number, lines)
            if on_page:
                on_page()
            yield page

    if kind == "pdf":
        return info, pdf_pages()
    if kind == "text":
        return info, text_pages()
    return info, image_pages()


#: Resolution pages are shown at beside their text: readable, and a few hundred kB a page.
PAGE_IMAGE_DPI = 110
#: Widest page picture sent (an image scanned at 600 dpi is shown at about 140 dpi).
PAGE_IMAGE_WIDTH = 1_200


@dataclass(frozen=True, slots=True)
class PagePicture:
    """A page as a PNG, and whether the quote asked for was marked on it (None: none asked)."""

    png: bytes
    marked: bool | None = None


def page_png(content: bytes, number: int, *, source: str) -> bytes:
    """Page ``number`` (1-based) of a PDF, TIFF, PNG or JPEG as a PNG picture.

    The reviewer reads the page as it was sent beside the text read from it; a page the
    document does not have is :class:`~openimr.errors.NotFound`.
    """
    return page_picture(content, number, source=source).png


def page_picture(
    content: bytes, number: int, *, source: str, highlight: PageSpan | None = None
) -> PagePicture:
    """Page ``number`` as a PNG, with the words of ``highlight`` (a span of the text read from
    this page) marked where the page is read to say them.

    The words are found where a text layer drew them, or else by reading the page again with
    OCR at the resolution it was read at first, so a quote is placed on what was sent, not on
    the text taken from it; a quote that cannot be placed is left unmarked.
    """
    import io
    from contextlib import closing

    from openimr.errors import NotFound

    kind = sniff(content[:1024])
    full: Image | None = None
    placed: list[Box] | None = None
    if kind == "pdf":
        image = render_pdf_page(content, number, source=source, dpi=PAGE_IMAGE_DPI)
        layer = pdf_page_words(content, number, source=source) if highlight else None
        if highlight is not None and layer is not None:  # a text page: where PDFium drew it
            words, width = layer
            quote, near = page_quote(highlight)
            scale = image.width / width
            placed = [box.scaled(scale, scale) for box in find_quote(words, quote, near=near)]
        elif highlight is not None:
            full = render_pdf_page(content, number, source=source, dpi=_OCR_DPI)
    elif kind in {"tiff", "png", "jpeg"}:
        found = None
        if number >= 1:
            with closing(_image_frames(io.BytesIO(content), source)) as frames:  # type: ignore[arg-type]
                for index, frame in frames:
                    if index == number:
                        found = frame
                        break
        if found is None:
            raise NotFound(f"the image has no page {number}")
        image = full = found
        if image.width > PAGE_IMAGE_WIDTH:
            height = max(1, round(image.height * PAGE_IMAGE_WIDTH / image.width))
            image = image.resize((PAGE_IMAGE_WIDTH, height))
    else:
        raise NotFound("the document is text; it has no page pictures")
    if highlight is not None and full is not None:
        quote, near = page_quote(highlight)
        boxes = find_quote(ocr_words(full, source=source, page=number), quote, near=near)
        x, y = image.width / full.width, image.height / full.height
        placed = [box.scaled(x, y) for box in boxes]
    if placed:
        image = draw_marks(image, placed)
    marked = None if placed is None else bool(placed)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return PagePicture(buffer.getvalue(), marked)
