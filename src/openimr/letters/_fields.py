"""What every letter layout reads alike: header fields, the reviewer's credentials, the case
summary, the documents reviewed and citations, and the item each layout reports.

Labels are matched with any whitespace (or none) between their words, because text
extraction wraps, fuses and splits lines.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from openimr.domain import Decision, GuidelineCitation, GuidelineFamily, ReviewerCredentials
from openimr.knowledge.citations import parse_citations
from openimr.letters._text import DATE, flow, parse_date, prose

#: What our own letters print where a value is missing (read back as "missing").
NOT_STATED = "Not stated"
NO_REVIEWER_SENTENCE = "No expert reviewer's credentials are recorded for this determination."
NO_SUMMARY_SENTENCE = "No clinical case summary is recorded for this determination."
NO_RATIONALE_SENTENCE = "No decision rationale is recorded for this item."


def words(*parts: str) -> str:
    """A pattern for words with any whitespace, or none, between them."""
    return r"\s*".join(parts)


# the appeal rights (or the copies list) end the items of the sectioned letters and the notice
_CLOSING_WORDS = (
    words("EFFECT", "OF", "THE", "DETERMINATION", "AND", "APPEAL", "RIGHTS")
    + "|"
    + words("APPEAL", "RIGHTS")
)
H_CLOSING = re.compile(_CLOSING_WORDS + r"|(?m:^[ \t]*cc\s*:)")
# H_CLOSING's parts apart, each scanned for its first character (H_CLOSING as a whole is tried
# at every character because of its ``^``): see closing_heading().
_CLOSING_HEADINGS = re.compile(_CLOSING_WORDS)
_CC_AFTER_BREAK = re.compile(r"\n[ \t]*cc\s*:")
_CC_LINE = re.compile(r"(?m:^[ \t]*cc\s*:)")


def closing_heading(text: str, pos: int, endpos: int | None = None) -> re.Match[str] | None:
    """``H_CLOSING.search(text, pos, endpos)``, found several times faster.

    The leftmost match of an alternation is at the leftmost place where one of its parts
    matches; there H_CLOSING itself is matched, so the match is the one search() returns.
    """
    end = len(text) if endpos is None else endpos
    places = []
    if found := _CLOSING_HEADINGS.search(text, pos, end):
        places.append(found.start())
    if _CC_LINE.match(text, pos, end):
        places.append(pos)
    elif found := _CC_AFTER_BREAK.search(text, pos, end):
        places.append(found.start() + 1)
    if not places:
        return None
    return H_CLOSING.match(text, min(places), end)


FIELD_PATTERNS: dict[str, re.Pattern[str]] = {
    "case_id": re.compile(r"(?:IMR\s*)?Case\s*(?:Number|No\.?|#)\s*:\s*(?P<v>[^\s,;]+)", re.I),
    "date_assigned": re.compile(words("Date", "Assigned") + rf"\s*:\s*(?P<v>{DATE})"),
    "date_of_injury": re.compile(words("Date", "of", "Injury") + rf"\s*:\s*(?P<v>{DATE})"),
    "decision_date": re.compile(
        rf"(?:{words('Decision', 'Date')}|Dated)\s*:\s*(?P<v>{DATE})", re.IGNORECASE
    ),
    "ur_decision_date": re.compile(
        rf"(?:UR\s*(?:Denial|Decision)\s*Date|{words('Date', 'of', 'UR', 'Decision')})"
        rf"\s*:\s*(?P<v>{DATE})"
    ),
    "application_received": re.compile(
        # "IMR" as an alternative rather than optional, so the search scans for "I" or "A"
        rf"(?:IMR\s*Application|Application)\s*Received\s*:\s*(?P<v>{DATE})"
    ),
    "priority": re.compile(r"Priority\s*:\s*(?P<v>Standard|Regular|Expedited|Urgent)", re.I),
}
_PLACEHOLDER_IDS = {"not", "none", "n/a", "na", "-", "—", "unknown"}

_LICENSURE = re.compile(
    words(r"State\(s\)", "of", "Licensure")
    + r"\s*:\s*(?P<v>.*?)\s*(?=Certification|Specialty\s*:|$)"
)
_CERT_SPECIALTY = re.compile(
    words(r"Certification\(s\)", "/", "Specialty") + r"\s*:\s*(?P<v>.*?)\s*(?=State\(s\)|$)"
)
_CERTS = re.compile(
    r"Certification\(s\)\s*:\s*(?P<v>.*?)\s*(?=Specialty\s*:|State\(s\)|$)", re.IGNORECASE
)
_SPECIALTY = re.compile(r"(?<!/)Specialty\s*:\s*(?P<v>.*?)\s*(?=State\(s\)|Certification|$)")
_BOARD_SENTENCE = re.compile(
    r"[Bb]oard\s*[Cc]ertified\s*in\s*(?P<spec>.+?)\s*and\s*(?:is\s*)?licensed\s*to\s*practice"
    r"\s*in\s*(?P<lic>[^.]+?)\s*\."
)
_LIST_SPLIT = re.compile(r"\s*,\s*|\s+and\s+")

_INTRO_SUMMARY = re.compile(
    r"^\s*(?:Disclaimer\s*:\s*)?[^:]{0,300}?(?:summar|follow)[^:]{0,300}?:(?=\s)",
    re.IGNORECASE,
)
_DISCLAIMER = re.compile(r"^\s*Disclaimer\s*:[^.]{0,300}?\bdated\b[^.]{0,40}\.", re.IGNORECASE)
_BULLET = re.compile(r"(?m)^[ \t]*(?:[-•*▪◦]|\d{1,3}[.)])[ \t]+")


@dataclass(slots=True)
class ParsedItem:
    """One disputed item as found in the letter, with the line of each part (1-based)."""

    request: str
    decision: Decision
    line: int
    claims_administrator_guideline: str | None = None
    imr_guideline: str | None = None
    imr_guideline_line: int | None = None
    rationale: str = ""
    rationale_line: int | None = None
    citations: list[GuidelineCitation] = field(default_factory=list)


class Lines:
    """Offset to line number, computed once per letter."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def __call__(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)


def header_fields(text: str) -> dict[str, object]:
    """The labelled header fields: case number, dates, priority."""
    values: dict[str, object] = {}
    for name, pattern in FIELD_PATTERNS.items():
        match = pattern.search(text)
        if not match:
            continue
        value = match.group("v")
        if name == "case_id":
            if value.lower().strip(".:") not in _PLACEHOLDER_IDS:
                values[name] = value
        elif name == "priority":
            lowered = value.lower()
            values[name] = "expedited" if lowered in ("expedited", "urgent") else "standard"
        else:
            parsed = parse_date(value)
            if parsed is not None:
                values[name] = parsed
    return values


def _split_list(value: str) -> list[str]:
    value = value.strip().rstrip(".").strip()
    if not value or value.lower().startswith(NOT_STATED.lower()):
        return []
    return [part.strip() for part in _LIST_SPLIT.split(value) if part.strip()]


def reviewer_credentials(text: str) -> ReviewerCredentials | None:
    """Credentials from the labelled lines (2016-17, ours) or the board sentence (2013-15)."""
    text = flow(text)
    if NO_REVIEWER_SENTENCE.lower() in text.lower():
        return None
    licensure_match = _LICENSURE.search(text)
    combined = _CERT_SPECIALTY.search(text)
    if licensure_match or combined:
        licensure = _split_list(licensure_match.group("v")) if licensure_match else []
        certifications: list[str] = []
        specialty: str | None = None
        if combined:
            value = combined.group("v").strip().rstrip(".")
            if value and value.lower() != NOT_STATED.lower():
                specialty = value
                certifications = [p.strip() for p in value.split(",") if p.strip()]
        else:
            certs = _CERTS.search(text)
            spec = _SPECIALTY.search(text)
            if certs:
                value = certs.group("v").strip()
                if value.lower() != NOT_STATED.lower():
                    certifications = [p.strip() for p in value.split(";") if p.strip()]
            if spec:
                value = spec.group("v").strip()
                if value and value.lower() != NOT_STATED.lower():
                    specialty = value
        return ReviewerCredentials(
            licensure=licensure, certifications=certifications, specialty=specialty
        )
    board = _BOARD_SENTENCE.search(text)
    if board:
        specialty = flow(board.group("spec"))
        return ReviewerCredentials(
            licensure=_split_list(board.group("lic")),
            certifications=[specialty],
            specialty=specialty,
        )
    return None


def case_summary(text: str) -> str:
    """The case summary without the sentence that introduces it."""
    text = text.strip()
    disclaimer = _DISCLAIMER.match(text)
    if disclaimer:
        text = text[disclaimer.end() :]
    else:
        intro = _INTRO_SUMMARY.match(text)
        if intro:
            text = text[intro.end() :]
    summary = prose(text)
    return "" if summary == NO_SUMMARY_SENTENCE else summary


def document_entries(text: str) -> list[str]:
    """A list of documents: one entry per bullet, or per line when there are no bullets."""
    if _BULLET.search(text):
        chunks = _BULLET.split(text)
        return [flow(c) for c in chunks if flow(c)]
    return [flow(line) for line in text.split("\n") if flow(line)]


def citations_or_default(text: str | None) -> list[GuidelineCitation]:
    if not text or not text.strip():
        return [GuidelineCitation(family=GuidelineFamily.NONE)]
    citations = parse_citations(text)
    if citations:
        return citations
    return [GuidelineCitation(family=GuidelineFamily.OTHER, title=flow(text)[:300] or None)]
