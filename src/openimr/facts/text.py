"""Text utilities for records: sentence spans and dates, with offsets into the original text.

Offsets always refer to the record's original text so that evidence can be highlighted in
the record exactly where it was found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

# A sentence ends at . ! ? (PDF text often lacks the space after the period: "1999.Thus far";
# an abbreviation's period, in any case, "No." or "NO.", ends none),
# at "; " before a capital, before a numbered or bulleted list item, and around headings
# ("PHYSICAL EXAMINATION:", "Diagnoses:"). Blank lines alone are not boundaries: extracted
# PDF text puts them between wrapped lines.
_SENTENCE_END = re.compile(
    r"""(?:
        [.!?]
        (?<!\b[A-Z]\.)(?<!\b(?i:dr)\.)(?<!\b(?i:mr)\.)(?<!\b(?i:ms)\.)(?<!\b(?i:mrs)\.)
        (?<!\b(?i:vs)\.)(?<!\b(?i:no)\.)(?<!\b(?i:st)\.)(?<!\b(?i:e\.g)\.)(?<!\b(?i:i\.e)\.)
        (?<!\b(?i:approx)\.)(?<!\b(?i:etc)\.)
        (?<!^\d\.)(?<!^\d\d\.)(?<!^[ \t]\d\.)
        ["')\]]?(?=\s+["'(]?[A-Z0-9]|[A-Z][a-z])
      | ;\s+(?=[A-Z])
      | \n(?=[ \t]*(?:\d{1,2}[.)]|[-\u2022*])\s)
      | \n(?=[ \t]*[A-Z][A-Za-z0-9 ,/&()-]{2,40}:)
      | :[ \t]*\n
      | \n\s*\n(?=[ \t]*[A-Z][A-Z0-9 ,/&()-]{3,}[ \t]*\n)
    )""",
    re.VERBOSE | re.MULTILINE,
)

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}

_DATE_WORDS = re.compile(
    r"\b(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?"
    r"\s+(?P<year>(?:19|20)\d{2})\b",
    re.IGNORECASE,
)
_DATE_NUMERIC = re.compile(
    r"(?<![\d/-])(?P<month>\d{1,2})[/-](?P<day>\d{1,2})[/-](?P<year>(?:19|20)?\d{2})(?![\d/-])"
)
_DATE_ISO = re.compile(r"\b(?P<year>(?:19|20)\d{2})-(?P<month>\d{2})-(?P<day>\d{2})\b")
_MONTH_YEAR = re.compile(
    r"\b(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?,?\s+(?P<year>(?:19|20)\d{2})\b"
    r"|\b(?P<nmonth>\d{1,2})/(?P<nyear>(?:19|20)\d{2})\b",
    re.IGNORECASE,
)


#: Numbers as words in records and requests ("six sessions", "twenty-four visits").
NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "eighteen": 18, "twenty": 20, "twenty-four": 24,
    "thirty": 30, "thirty-six": 36,
}  # fmt: skip
#: A regular expression for a number written in digits (decimals allowed) or in words.
NUMBER_PATTERN = r"(?:\d+(?:\.\d+)?|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + ")"


def parse_number(text: str) -> float | None:
    """A number written in digits or words, or None."""
    lowered = text.lower()
    if lowered in NUMBER_WORDS:
        return float(NUMBER_WORDS[lowered])
    try:
        return float(lowered)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence of one record: its span in the record text."""

    record_index: int
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class DateMention:
    value: date
    start: int
    end: int
    precision: str  # "day" or "month"


#: Line breaks, tabs and page breaks: a space each to the patterns (see ``reading_text``).
_BREAKS = {ord(character): " " for character in "\r\n\t\f\v"}


#: A word broken at the margin with a hyphen ("requ-" at a line's end, "ested" on the next):
#: the break and the rest of the word.
_BROKEN_WORD = re.compile(r"(?<=[a-z])-[ \t]*\r?\n[ \t]*([a-z]+)")


def reading_text(text: str) -> str:
    """The record as the vocabulary's patterns read it, its offsets those of the record's own
    text: each line break, tab or page break a space, one for one, so that a phrase broken
    across lines ("an orthopedic" / "referral") is the phrase; a word broken at the margin
    with a hyphen ("requ-" / "ested") whole, the characters of the break as spaces after it.
    Sentences are still split on the record's own lines (lists and headings end sentences)."""
    if "-" in text and "\n" in text:
        text = _BROKEN_WORD.sub(_rest_moved_up, text)
    return text.translate(_BREAKS)


def _rest_moved_up(match: re.Match[str]) -> str:
    rest = match.group(1)
    return rest + " " * (len(match.group(0)) - len(rest))


def split_sentences(text: str, record_index: int = 0) -> list[Sentence]:
    """Split a record into sentences, keeping offsets into ``text``."""
    sentences: list[Sentence] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        boundary = match.group(0)
        cut = match.start() + len(boundary.rstrip()) if boundary[0] in ".!?;:" else match.start()
        _append(sentences, text, start, cut, record_index)
        start = cut
    _append(sentences, text, start, len(text), record_index)
    return sentences


def _append(out: list[Sentence], text: str, start: int, end: int, record_index: int) -> None:
    segment = text[start:end]
    stripped = segment.strip()
    if stripped:
        first = start + len(segment) - len(segment.lstrip())
        out.append(Sentence(record_index, first, first + len(stripped), stripped))


def _year(value: str) -> int:
    year = int(value)
    if year < 100:
        year += 2000 if year < 70 else 1900
    return year


def find_dates(text: str) -> list[DateMention]:
    """Dates written out in a text ("November 8, 2016", "11-21-2016", "2016-11-21", "03/2016")."""
    found: list[DateMention] = []
    taken: list[tuple[int, int]] = []

    def add(start: int, end: int, value: date, precision: str) -> None:
        if any(s < end and start < e for s, e in taken):
            return
        taken.append((start, end))
        found.append(DateMention(value, start, end, precision))

    for match in _DATE_WORDS.finditer(text):
        month = _month_number(match.group("month"))
        try:
            add(
                match.start(),
                match.end(),
                date(int(match.group("year")), month, int(match.group("day"))),
                "day",
            )
        except ValueError:
            continue
    for pattern in (_DATE_ISO, _DATE_NUMERIC):
        for match in pattern.finditer(text):
            try:
                value = date(
                    _year(match.group("year")), int(match.group("month")), int(match.group("day"))
                )
            except ValueError:
                continue
            add(match.start(), match.end(), value, "day")
    for match in _MONTH_YEAR.finditer(text):
        if match.group("month"):
            month, year = _month_number(match.group("month")), int(match.group("year"))
        else:
            month, year = int(match.group("nmonth")), int(match.group("nyear"))
        if 1 <= month <= 12:
            add(match.start(), match.end(), date(year, month, 1), "month")
    found.sort(key=lambda d: d.start)
    return found


def _month_number(name: str) -> int:
    key = name.lower().rstrip(".")
    if key in _MONTHS:
        return _MONTHS[key]
    return _MONTHS[key[:3]]
