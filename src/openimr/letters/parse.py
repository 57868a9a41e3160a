"""Reading Final Determination Letters of every era into the engine's :class:`Determination`.

Layouts read:

* ``notice-2013``: "Notice of Independent Medical Review Determination", a numbered list of
  decisions, then per item the guidelines and the rationale.
* ``fdl-2014``: the sectioned letter (HOW THE IMR FINAL DETERMINATION WAS MADE, CLINICAL CASE
  SUMMARY, IMR ISSUES, DECISIONS AND RATIONALES) citing pages.
* ``fdl-2016``: the same with the header fields and the reviewer's licensure and certification.
* ``fdl-later``: DOCUMENTS REVIEWED and IMR DECISION(S) AND RATIONALE(S).
* ``professional-review``: one MEDICAL PROFESSIONAL REVIEW block per item.
* ``openimr``: letters rendered by :mod:`openimr.letters.render`.

The parser works on text, so a PDF is first reduced to its text layer
(:mod:`openimr.letters.extract`). This module tells the layouts apart; each family is read by
its own module (``_sectioned``, ``_notice``, ``_professional``), and what they share (header
fields, credentials, summary, documents, citations) is in ``_fields``. Positions are kept so
that :mod:`openimr.letters.check` can point at lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from openimr.domain import Decision, Determination, ItemDetermination, UrModification
from openimr.errors import LetterError
from openimr.knowledge.modifications import read_ur_modification
from openimr.letters._fields import FIELD_PATTERNS, Lines, ParsedItem
from openimr.letters._notice import H_NOTICE, read_notice
from openimr.letters._professional import H_PROFESSIONAL, ISSUE_AT_DISPUTE, read_professional
from openimr.letters._sectioned import CA_LABEL, H_HOW, H_ISSUES, read_sectioned
from openimr.letters._text import normalize
from openimr.letters.extract import LetterText, letter_text, read_letter_text

__all__ = ["ParsedItem", "ParsedLetter", "parse_letter", "parse_letter_text", "read_letter"]


@dataclass(slots=True)
class ParsedLetter:
    """A letter read into a :class:`Determination`, with what the checker needs to point at."""

    layout: str
    determination: Determination
    text: str
    items: list[ParsedItem]
    sections: dict[str, int]
    missing_sections: list[str]
    header_list: list[tuple[str, Decision | None, int]] = field(default_factory=list)
    source: str | None = None
    kind: str = "text"

    def line_of(self, offset: int) -> int:
        return self.text.count("\n", 0, offset) + 1


def _ur_modification(request: str) -> UrModification | None:
    """The UR modification a request's wording states ("X was the original request. ...")."""
    return read_ur_modification(request, incomplete=True)


def _layout_of(text: str) -> str:
    if ISSUE_AT_DISPUTE.search(text) and H_PROFESSIONAL.search(text):
        return "professional-review"
    if H_NOTICE.search(text) and not H_ISSUES.search(text):
        return "notice-2013"
    if H_ISSUES.search(text) or H_HOW.search(text) or CA_LABEL.search(text):
        return "sectioned"
    return "unknown"


def _build(values: dict[str, object], items: list[ParsedItem], source: str | None) -> Determination:
    if not items:
        raise LetterError(
            "no disputed item with a decision (Upheld or Overturned) was found", source=source
        )
    fields = {k: v for k, v in values.items() if v is not None}
    try:
        return Determination(
            source="letter",
            **fields,  # type: ignore[arg-type]
            items=[
                ItemDetermination(
                    request=item.request,
                    ur_modification=_ur_modification(item.request),
                    decision=item.decision,
                    guideline=item.citations[0],
                    additional_guidelines=item.citations[1:],
                    claims_administrator_guideline=item.claims_administrator_guideline,
                    rationale=item.rationale,
                )
                for item in items
            ],
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise LetterError(
            f"the letter's {where or 'content'} is not valid: {first['msg']}", source=source
        ) from None


#: A line that is a case number, labelled or not (the value's shape is the case-number field's),
#: with the line break before it: a pattern beginning with a character is scanned for it,
#: several times faster than trying ``^`` at every character.
_CASE_LINE = re.compile(
    r"(?m)\n[ \t]*(?:(?:IMR\s*)?Case\s*(?:Number|No\.?|#)\s*:?\s*)?(?P<v>[^\s,;]+)[ \t]*$"
)


def _blank_repeated_case_lines(text: str) -> str:
    """Blank a running header that repeats the case number on later pages (keeps lines).

    One compiled pattern finds lines that are a case number; those naming this letter's are
    blanked (compiling a pattern per letter cost more than reading the rest of the letter).
    """
    first = FIELD_PATTERNS["case_id"].search(text)
    if first is None:
        return text
    number = first.group("v")
    end = text.find("\n", first.end())
    if end < 0 or number not in text[end:]:
        return text

    def blank(match: re.Match[str]) -> str:
        return "\n" if match.group("v") == number else match.group(0)

    # text[end:] begins with the line break, so every line after the first is preceded by one

    return text[:end] + _CASE_LINE.sub(blank, text[end:])


def parse_text(text: str, *, source: str | None = None, kind: str = "text") -> ParsedLetter:
    """A letter's text read into a :class:`ParsedLetter` (raises :class:`LetterError`)."""
    text = _blank_repeated_case_lines(normalize(text))
    if not text.strip():
        raise LetterError("the letter has no text", source=source)
    lines = Lines(text)
    layout = _layout_of(text)
    header_list: list[tuple[str, Decision | None, int]] = []
    sections: dict[str, int] = {}
    missing: list[str] = []
    try:
        if layout == "sectioned":
            layout, values, items, sections = read_sectioned(text, lines)
            expected = ["how", "summary", "issues"]
            if layout == "fdl-later":
                expected.insert(1, "documents")
            missing = [name for name in expected if name not in sections]
        elif layout == "notice-2013":
            values, items, header_list = read_notice(text, lines)
        elif layout == "professional-review":
            values, items = read_professional(text, lines)
        else:
            raise LetterError(
                "not a Final Determination Letter of a known layout (none of its headings, "
                "such as IMR ISSUES, DECISIONS AND RATIONALES, was found)",
                source=source,
            )
    except LetterError as exc:
        if exc.source is None:
            raise LetterError(exc.detail, source=source, location=exc.location) from None
        raise
    determination = _build(values, items, source)
    return ParsedLetter(
        layout=layout,
        determination=determination,
        text=text,
        items=items,
        sections=sections,
        missing_sections=missing,
        header_list=header_list,
        source=source,
        kind=kind,
    )


def _from_letter_text(letter: LetterText) -> ParsedLetter:
    return parse_text(letter.text, source=letter.source, kind=letter.kind)


def read_letter(path: str | Path) -> ParsedLetter:
    """A letter file (``.pdf`` or text) read into a :class:`ParsedLetter`."""
    return _from_letter_text(read_letter_text(path))


def parse_letter(letter: str | Path | bytes, *, source: str | None = None) -> Determination:
    """A letter (a path, or the bytes of a PDF or text file) read into a :class:`Determination`.

    Raises :class:`~openimr.errors.LetterError` for anything that is not a readable letter.
    """
    if isinstance(letter, bytes):
        return _from_letter_text(letter_text(letter, source=source)).determination
    return read_letter(letter).determination


def parse_letter_text(text: str, *, source: str | None = None) -> Determination:
    """A letter's text (already extracted) read into a :class:`Determination`."""
    return parse_text(text, source=source).determination
