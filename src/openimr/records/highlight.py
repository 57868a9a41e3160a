"""Placing quoted words on the picture of a page, to mark the evidence where it was sent.

The quote comes from the record text, read once by OCR (or from a text layer); the page is read
again word by word with boxes (:func:`~openimr.records.ocr.ocr_words`, or PDFium's character
boxes for a page with a text layer). The two readings differ
now and then by a letter or a split word, so the quote's words are aligned with the page's in
sequence (:class:`difflib.SequenceMatcher` over case- and punctuation-free tokens) and the best
window is taken; a quote that cannot be placed with reasonable confidence gets no mark at all,
since a mark on the wrong words would mislead more than none.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from PIL.Image import Image

__all__ = ["Box", "PageSpan", "Word", "draw_marks", "find_quote", "page_quote"]

_TOKEN = re.compile(r"[^\W_]+")
#: Share of the quote's tokens that must be found, in order, to place a quote of four tokens
#: or more; shorter quotes must be found whole.
MIN_MATCHED = 0.75
#: Extra page tokens a window may hold beyond the quote's (words OCR split in two).
_SLACK = 0.25
#: Quotes longer than this many tokens are placed by their first ones (evidence is a sentence
#: or two; a longer span is marked no further than this).
MAX_QUOTE_TOKENS = 400
#: Marks: a translucent yellow over the words, as a highlighter pen.
_FILL = (255, 214, 0, 96)
_EDGE = (214, 150, 0, 200)
_PAD = 2


class Word(Protocol):
    """A word on a page and its box (an OCR word, or a word of a PDF's text layer)."""

    @property
    def text(self) -> str: ...
    @property
    def x0(self) -> float: ...
    @property
    def top(self) -> float: ...
    @property
    def x1(self) -> float: ...
    @property
    def bottom(self) -> float: ...


@dataclass(frozen=True, slots=True)
class Box:
    """A rectangle to mark, in the pixels of the picture it was found on (top-down)."""

    x0: float
    top: float
    x1: float
    bottom: float

    def scaled(self, x: float, y: float) -> Box:
        return Box(self.x0 * x, self.top * y, self.x1 * x, self.bottom * y)


@dataclass(frozen=True, slots=True)
class PageSpan:
    """The text read from one page, and the span of it to mark (character offsets)."""

    text: str
    start: int
    end: int


def tokens(text: str) -> list[str]:
    """Words without case or punctuation: what two readings of a page agree on."""
    return _TOKEN.findall(text.casefold())


def page_quote(span: PageSpan) -> tuple[list[str], float]:
    """The quote's tokens and how far into the page (0-1, by tokens) the quote starts."""
    before = len(tokens(span.text[: span.start]))
    total = len(tokens(span.text))
    return tokens(span.text[span.start : span.end]), before / max(total, 1)


def find_quote(words: Sequence[Word], quote: list[str], *, near: float = 0.0) -> list[Box]:
    """Boxes over the page words that read as ``quote`` (tokens), one box per line; none when
    the quote cannot be placed.

    ``near`` (0-1) is where on the page the quote is expected, by share of its tokens: of two
    equally good places (a phrase said twice), the nearer is marked.
    """
    quote = quote[:MAX_QUOTE_TOKENS]
    if not quote:
        return []
    page: list[str] = []
    owner: list[int] = []  # for each page token, the word it came from
    for index, word in enumerate(words):
        for token in tokens(word.text):
            page.append(token)
            owner.append(index)
    n = len(quote)
    needed = n if n < 4 else max(1, int(n * MIN_MATCHED + 0.999))
    wanted = set(quote)
    length = n + max(2, int(n * _SLACK))
    expected = near * len(page)
    best: tuple[int, float, int] | None = None  # (matched, -distance, -start) to maximize
    best_span = (0, 0)
    for start, token in enumerate(page):
        if token not in wanted:
            continue
        window = page[start : start + length]
        matcher = SequenceMatcher(None, quote, window, autojunk=False)
        blocks = [b for b in matcher.get_matching_blocks() if b.size]
        matched = sum(b.size for b in blocks)
        if matched < needed:
            continue
        first = start + blocks[0].b
        last = start + blocks[-1].b + blocks[-1].size - 1
        key = (matched, -abs(first - expected), -first)
        if best is None or key > best:
            best, best_span = key, (first, last)
    if best is None:
        return []
    first, last = best_span
    chosen = sorted({owner[i] for i in range(first, last + 1)})
    return _line_boxes([words[i] for i in chosen])


def _line_boxes(words: list[Word]) -> list[Box]:
    """Consecutive words on one line joined into one box."""
    boxes: list[Box] = []
    for word in words:
        if boxes:
            last = boxes[-1]
            overlap = min(last.bottom, word.bottom) - max(last.top, word.top)
            height = min(last.bottom - last.top, word.bottom - word.top)
            if word.x0 >= last.x0 and overlap > 0.5 * height:
                boxes[-1] = Box(
                    last.x0,
                    min(last.top, word.top),
                    max(last.x1, word.x1),
                    max(last.bottom, word.bottom),
                )
                continue
        boxes.append(Box(word.x0, word.top, word.x1, word.bottom))
    return boxes


def draw_marks(image: Image, boxes: list[Box]) -> Image:
    """The picture in colour with each box marked in translucent yellow."""
    from PIL import Image as PILImage
    from PIL import ImageDraw

    base = image.convert("RGBA")
    layer = PILImage.new("RGBA", base.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    for box in boxes:
        draw.rectangle(
            (box.x0 - _PAD, box.top - _PAD, box.x1 + _PAD, box.bottom + _PAD),
            fill=_FILL,
            outline=_EDGE,
            width=1,
        )
    return PILImage.alpha_composite(base, layer).convert("RGB")
