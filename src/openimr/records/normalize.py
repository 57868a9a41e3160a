"""Text of a page as a reader would quote it: characters cleaned, lines joined into paragraphs.

PDF text layers and OCR both give lines, not prose: a sentence broken over three lines, words
hyphenated at the margin, U+FFFE or soft hyphens where a typesetter could break, ligatures,
curly quotes, Cyrillic letters that look Latin. Evidence quotes and the facts layer's patterns
need the prose, so every page goes through :func:`clean_line` and :func:`join_lines` once, and
the record text is made only of these cleaned pages (a quote is then verbatim page text).
"""

from __future__ import annotations

import itertools
import re
import statistics
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["HYPHENS", "Line", "clean_line", "join_lines"]

#: Characters that, at the end of a line, mean the word goes on at the next line.
HYPHENS = frozenset("-\u00ad\u2010\u2011\ufffe\x02")

_SPACES = "\t\u00a0\u1680\u202f\u205f\u3000" + "".join(map(chr, range(0x2000, 0x200B)))
_DROPPED = "\u200b\u200c\u200d\u2060\ufeff\u00ad\ufffe\uffff\x02"
_TABLE: dict[int, str | None] = {ord(ch): " " for ch in _SPACES}
_TABLE.update({ord(ch): None for ch in _DROPPED})
_TABLE.update({code: None for code in range(0, 32)})
_TABLE.update({code: None for code in range(0x7F, 0xA0)})
_TABLE.update({code: None for code in range(0xFDD0, 0xFDF0)})  # non-characters
_TABLE.update({code: None for code in range(0xE000, 0xF900)})  # private use (symbol fonts)
_TABLE[ord("\t")] = " "
_TABLE.update(
    {
        0x2010: "-", 0x2011: "-", 0x2012: "-", 0x2013: "-", 0x2014: "-", 0x2015: "-",
        0x2212: "-", 0xFE58: "-", 0xFE63: "-", 0xFF0D: "-",
        0x2018: "'", 0x2019: "'", 0x201A: "'", 0x201B: "'", 0x2032: "'", 0x00B4: "'",
        0x0060: "'", 0x201C: '"', 0x201D: '"', 0x201E: '"', 0x201F: '"', 0x2033: '"',
        0x2044: "/", 0x2215: "/", 0x2022: "\u2022", 0x25CF: "\u2022", 0x25AA: "\u2022",
        0x2219: "\u2022", 0x00B7: "\u2022",
    }
)  # fmt: skip
# Cyrillic and Greek letters drawn like Latin ones; replaced only inside words that also hold
# Latin letters, so that a real Greek word (or a "μg" dose) is left alone.
_LOOKALIKES = {
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i", "ј": "j",
    "ѕ": "s", "ԁ": "d", "ɡ": "g", "һ": "h", "ӏ": "l", "А": "A", "В": "B", "Е": "E", "К": "K",
    "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T", "Х": "X", "У": "Y", "І": "I",
    "Ј": "J", "Ѕ": "S", "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K",
    "Μ": "M", "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X", "ο": "o", "ν": "v",
    "ı": "i",
}  # fmt: skip
_LOOKALIKE_TABLE = str.maketrans(_LOOKALIKES)
_LOOKALIKE_WORD = re.compile(
    "[A-Za-z]*[" + "".join(_LOOKALIKES) + "][" + "A-Za-z" + "".join(_LOOKALIKES) + "]*"
)
_MULTISPACE = re.compile(r" {2,}")
_INVISIBLE = frozenset({"Cc", "Cf", "Co", "Cn", "Cs", "Zl", "Zp"})


def _fix_lookalikes(match: re.Match[str]) -> str:
    word = match.group(0)
    if any("a" <= ch.lower() <= "z" for ch in word):
        return word.translate(_LOOKALIKE_TABLE)
    return word


def clean_line(text: str) -> str:
    """One line with look-alike, invisible and non-characters replaced, spaces collapsed.

    Idempotent; never adds or removes a line break (there is none in the output).
    """
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
        text = _LOOKALIKE_WORD.sub(_fix_lookalikes, text)
        text = text.translate(_TABLE)
        if not text.isascii():  # any other control, format, private-use or unassigned point
            text = "".join(ch for ch in text if unicodedata.category(ch) not in _INVISIBLE)
    else:
        text = text.translate(_TABLE)
    if "  " in text:
        text = _MULTISPACE.sub(" ", text)
    return text.strip()


@dataclass(frozen=True, slots=True)
class Line:
    """A line of a page with its box (any unit; y grows downwards)."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float

    @property
    def height(self) -> float:
        return self.bottom - self.top


_LIST_ITEM = re.compile(r"^(?:\d{1,2}[.)]|[a-z][.)]|[\u2022*\-])\s")
_HEADING = re.compile(r"^[A-Z0-9][A-Z0-9 ,/&()'#.-]{2,60}:?$")
_LABEL_LINE = re.compile(r"^[A-Z][A-Za-z0-9 /#&().'-]{1,40}:\s*\S")
_SENTENCE_END = re.compile(r"[.!?:;)\]\"']$")
#: Word fragments after which a hyphen at the margin is a real hyphen ("follow-up").
_KEEP_HYPHEN_AFTER = frozenset(
    [
        "self",
        "well",
        "non",
        "ex",
        "all",
        "half",
        "cross",
        "follow",
        "long",
        "short",
        "full",
        "part",
        "left",
        "right",
        "co",
    ]
)


def _break_between(previous: Line, line: Line, line_height: float, right: float) -> bool:
    """Whether ``line`` starts a new paragraph after ``previous``."""
    gap = line.top - previous.bottom
    if gap > 0.75 * line_height:
        return True
    if _LIST_ITEM.match(line.text):
        return True
    prev = previous.text
    if prev.endswith(":") or _HEADING.match(prev) or _LABEL_LINE.match(line.text):
        return True
    if _LABEL_LINE.match(prev) and len(prev) < 60:
        return True
    width = max(right - min(previous.x0, line.x0), 1.0)
    short = previous.x1 < right - 0.15 * width
    return bool(short and _SENTENCE_END.search(prev))


def _join(text: str, following: str) -> str:
    """``text`` followed by the next line of its paragraph, a margin hyphen undone."""
    if text and text[-1] in HYPHENS and len(text) > 1 and following[:1].isalpha():
        stem = text[:-1]
        fragment = re.search(r"[A-Za-z]+$", stem)
        if following[:1].islower() and not (
            text[-1] == "-" and fragment and fragment.group(0).lower() in _KEEP_HYPHEN_AFTER
        ):
            return stem + following
        return stem + "-" + following
    if text and text[-1] in HYPHENS and following[:1].isdigit():
        return text[:-1] + "-" + following  # "L4-" / "5"
    return text + " " + following


def join_lines(lines: Sequence[Line]) -> str:
    """Lines in reading order -> paragraphs, one per text line (``\\n`` between them).

    Each line is cleaned with :func:`clean_line` here; empty lines are dropped.
    """
    cleaned = [
        Line(text, line.x0, line.top, line.x1, line.bottom)
        for line in lines
        if (text := _clean_keeping_hyphen(line.text))
    ]
    if not cleaned:
        return ""
    heights = [line.height for line in cleaned if line.height > 0]
    line_height = statistics.median(heights) if heights else 1.0
    right = max(line.x1 for line in cleaned)
    paragraphs: list[str] = []
    current = cleaned[0].text
    for previous, line in itertools.pairwise(cleaned):
        if _break_between(previous, line, line_height, right):
            paragraphs.append(_finish(current))
            current = line.text
        else:
            current = _join(current, line.text)
    paragraphs.append(_finish(current))
    return "\n".join(p for p in paragraphs if p)


def _clean_keeping_hyphen(text: str) -> str:
    """:func:`clean_line`, but a hyphenation mark at the very end survives for :func:`_join`."""
    stripped = text.rstrip(" \t\r\n")
    if stripped and stripped[-1] in HYPHENS and stripped[-1] != "-":
        body = clean_line(stripped[:-1])
        return body + "\u00ad" if body else ""
    return clean_line(text)


def _finish(paragraph: str) -> str:
    """A paragraph's last soft hyphen (nothing followed it) is dropped."""
    return paragraph.replace("\u00ad", "").strip()
