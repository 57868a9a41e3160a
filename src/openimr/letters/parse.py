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
(:mod:`openimr.letters.extract`). Labels and headings are matched with any whitespace (or
none) between their words, because extraction wraps, fuses and splits lines. Positions are
kept so that :mod:`openimr.letters.check` can point at lines.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from openimr.domain import (
    Decision,
    Determination,
    GuidelineCitation,
    GuidelineFamily,
    ItemDetermination,
    ReviewerCredentials,
    UrModification,
)
from openimr.errors import LetterError
from openimr.knowledge.citations import parse_citations
from openimr.knowledge.modifications import (
    MODIFICATION_MARKERS,
    ORIGINAL_REQUEST,
    read_ur_modification,
)
from openimr.letters._text import DATE, conclusion, flow, normalize, parse_date, prose
from openimr.letters.extract import LetterText, letter_text, read_letter_text

__all__ = ["ParsedItem", "ParsedLetter", "parse_letter", "parse_letter_text", "read_letter"]

#: What our own letters print where a value is missing (read back as "missing").
NOT_STATED = "Not stated"
NO_REVIEWER_SENTENCE = "No expert reviewer's credentials are recorded for this determination."
NO_SUMMARY_SENTENCE = "No clinical case summary is recorded for this determination."
NO_RATIONALE_SENTENCE = "No decision rationale is recorded for this item."


def _words(*words: str) -> str:
    return r"\s*".join(words)


_H_HOW = re.compile(_words("HOW", "THE", "IMR", "FINAL", "DETERMINATION", "WAS", "MADE"))
_H_DOCS = re.compile(_words("DOCUMENTS", "REVIEWED") + r"(?!\s*FOR)")
_H_SUMMARY = re.compile(r"(?<!EXPERT REVIEWER )" + _words("CLINICAL", "CASE", "SUMMARY"))
_H_ISSUES = re.compile(
    _words("IMR", "ISSUES,?", "DECISIONS", "AND", "RATIONALES")
    + "|"
    + _words("IMR", r"DECISION\(S\)", "AND", r"RATIONALE\(S\)")
)
_H_CLOSING = re.compile(
    _words("EFFECT", "OF", "THE", "DETERMINATION", "AND", "APPEAL", "RIGHTS")
    + "|"
    + _words("APPEAL", "RIGHTS")
    + r"|(?m:^[ \t]*cc\s*:)"
)
_H_NOTICE = re.compile(
    _words("Notice", "of", "Independent", "Medical", "Review", "Determination")
    + "|"
    + _words("INDEPENDENT", "MEDICAL", "REVIEW", "DECISION", "AND", "RATIONALE")
)
_H_PROFESSIONAL = re.compile(_words("MEDICAL", "PROFESSIONAL", "REVIEW"))
_ISSUE_AT_DISPUTE = re.compile(_words("ISSUE", "AT", "DISPUTE") + r"\s*:")
# Our own letters say so in their subtitle and closing heading (our wording, not MAXIMUS's).
_OWN_MARK = re.compile(
    _words("Independent", "Medical", "Review,", "California", "Division", "of", "Workers'")
    + "|"
    + _words("EFFECT", "OF", "THE", "DETERMINATION", "AND", "APPEAL", "RIGHTS")
)

_MARKER = re.compile(
    r":\s*(?P<d>Upheld|Overturned|UPHELD|OVERTURNED)"
    r"(?=[ \t]*(?:\n|$)|\s*Claims\s*Administrator\s*guideline)"
)
_CA_LABEL = re.compile(_words("Claims", "Administrator", "guideline") + r"\s*:")
_IMR_LABEL = re.compile(
    r"(?:MAXIMUS|IMRO?|Expert\s*Reviewer(?:'s)?|Independent\s*Reviewer(?:'s)?)\s*guideline\s*:"
)
_ANY_GUIDELINE_LABEL = re.compile(r"(?m)^[ \t]*[A-Z][^\n:]{0,40}?\s*guideline\s*:")
_RATIONALE_LABEL = re.compile(_words("Decision", "rationale") + r"\s*:")
# A colon at a line's end closes the text before a title, unless it is a request's own
# date-of-service label ("..., DOS:" wrapped before its date).
_TERMINATOR = re.compile(r"[.!?][\"'”’)]*(?=\s|[A-Z])|(?<!DOS)(?<!service):[ \t]*\n")
_NUMBERED = re.compile(r"(?m)^[ \t]*(\d{1,3})[.)][ \t]+")

_FIELD_PATTERNS: dict[str, re.Pattern[str]] = {
    "case_id": re.compile(r"(?:IMR\s*)?Case\s*(?:Number|No\.?|#)\s*:\s*(?P<v>[^\s,;]+)", re.I),
    "date_assigned": re.compile(_words("Date", "Assigned") + rf"\s*:\s*(?P<v>{DATE})"),
    "date_of_injury": re.compile(_words("Date", "of", "Injury") + rf"\s*:\s*(?P<v>{DATE})"),
    "decision_date": re.compile(
        rf"(?:{_words('Decision', 'Date')}|Dated)\s*:\s*(?P<v>{DATE})", re.IGNORECASE
    ),
    "ur_decision_date": re.compile(
        rf"(?:UR\s*(?:Denial|Decision)\s*Date|{_words('Date', 'of', 'UR', 'Decision')})"
        rf"\s*:\s*(?P<v>{DATE})"
    ),
    "application_received": re.compile(
        rf"(?:IMR\s*)?{_words('Application', 'Received')}\s*:\s*(?P<v>{DATE})"
    ),
    "priority": re.compile(r"Priority\s*:\s*(?P<v>Standard|Regular|Expedited|Urgent)", re.I),
}
_PLACEHOLDER_IDS = {"not", "none", "n/a", "na", "-", "—", "unknown"}

_LICENSURE = re.compile(
    _words(r"State\(s\)", "of", "Licensure")
    + r"\s*:\s*(?P<v>.*?)\s*(?=Certification|Specialty\s*:|$)"
)
_CERT_SPECIALTY = re.compile(
    _words(r"Certification\(s\)", "/", "Specialty") + r"\s*:\s*(?P<v>.*?)\s*(?=State\(s\)|$)"
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

# 2013 notice
_NOTICE_DECISION = re.compile(
    r"has\s*determined\s*the\s*request\s*for\s*(?P<req>.{1,600}?)\s*(?P<neg>is\s*not|is|are\s*not|are)"
    r"\s*medically\s*necessary",
    re.IGNORECASE | re.DOTALL,
)
_NOTICE_REGARDING = re.compile(
    r"(?m)^[ \t]*(?P<n>\d{1,3})\)\s*Regarding\s*the\s*request\s*for\s*(?P<req>[^:]+?)\s*:"
)
_NOTICE_CA = re.compile(
    r"Medical\s*Treatment\s*Guideline\(?s?\)?\s*(?:Used|Relied\s*Upon)\s*by\s*the\s*Claims"
    r"\s*Administrator\s*:",
    re.IGNORECASE,
)
_NOTICE_IMR = re.compile(
    r"Medical\s*Treatment\s*Guideline\(?s?\)?\s*(?:Used|Relied\s*Upon)\s*by\s*the\s*Expert"
    r"\s*Reviewer\s*:",
    re.IGNORECASE,
)
_NOTICE_RATIONALE = re.compile(r"Rationale\s*for\s*the\s*Decision\s*:", re.IGNORECASE)
_NOTICE_QUALIFICATIONS = re.compile(
    _words("Medical", "Qualifications", "of", "the", "Expert", "Reviewer") + r"\s*:", re.I
)
_NOTICE_SUMMARY = re.compile(r"(?:Expert\s*Reviewer\s*)?Case\s*Summary\s*:", re.IGNORECASE)
_NOTICE_RECORDS = re.compile(
    r"(?:Records|Documents)\s*Reviewed(?:\s*by\s*the\s*Expert\s*Reviewer)?\s*:", re.IGNORECASE
)
_NOTICE_FILED = re.compile(rf"filed\s*on\s*(?P<v>{DATE})", re.IGNORECASE)
_NOTICE_UR = re.compile(
    rf"Utilization\s*Review\s*(?:Denial|Decision|Modification)?\s*dated\s*(?P<v>{DATE})", re.I
)
_NOTICE_NOARFI = re.compile(
    rf"Request\s*for\s*Information\s*was\s*(?:provided|sent|issued)[^.]{{0,60}}?\s*on\s*"
    rf"(?P<v>{DATE})",
    re.IGNORECASE,
)
_SAME_AS_CA = re.compile(
    r"(?:guidelines?|citations?)\s*used\s*by\s*the\s*Claims\s*Administrator[^.]{0,80}?"
    r"(?:relevant|appropriate|applicable)",
    re.IGNORECASE,
)

# Professional review
_PR_CASE_SUMMARY = re.compile(r"(?<!CLINICAL )CASE\s*SUMMARY\s*:")
_PR_DOCS = re.compile(_words("DOCUMENTS", "REVIEWED", "FOR", "DETERMINATION") + r"\s*:")
_PR_GUIDELINES = re.compile(
    r"MEDICAL\s*TREATMENT\s*GUIDELINE\(S\)\s*RELIED\s*UPON[^:]{0,80}:", re.IGNORECASE
)
_PR_RATIONALE = re.compile(r"RATIONALE\s*FOR\s*WHY\s*THE\s*REQUESTED[^:]{0,120}:", re.IGNORECASE)
_WHY = re.compile(r",?\s+(?:because|since)\b[^.]*", re.IGNORECASE)
_PR_QUALIFICATIONS = re.compile(_words("MEDICAL", "REVIEWER", "QUALIFICATIONS") + r"\s*:")
_PR_DECISION = re.compile(
    r"(?:DETERMINATION|DECISION|OUTCOME)\s*:\s*(?P<d>UPHELD|OVERTURNED|Upheld|Overturned)"
)


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


class _Lines:
    """Offset to line number, computed once per letter."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def __call__(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)


def _fields(text: str) -> dict[str, object]:
    values: dict[str, object] = {}
    for name, pattern in _FIELD_PATTERNS.items():
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


def _reviewer(text: str) -> ReviewerCredentials | None:
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


def _summary(text: str) -> str:
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


def _entries(text: str) -> list[str]:
    """A list of documents: one entry per bullet, or per line when there are no bullets."""
    if _BULLET.search(text):
        chunks = _BULLET.split(text)
        return [flow(c) for c in chunks if flow(c)]
    return [flow(line) for line in text.split("\n") if flow(line)]


def _ur_modification(request: str) -> UrModification | None:
    """The UR modification a request's wording states ("X was the original request. ...")."""
    return read_ur_modification(request, incomplete=True)


def _title_start(span: str, number: int | None) -> int:
    """Where an item's wording starts in ``span`` (the text before its decision).

    The wording follows the previous item's rationale (or the section's introduction), so it
    starts after the last sentence end, unless it is a UR modification, whose wording runs
    over several sentences from "... was the original request". Our own letters number items.
    """
    if number is not None:
        numbered = [m for m in _NUMBERED.finditer(span) if int(m.group(1)) == number]
        if numbered:
            return numbered[-1].start()
    candidates = [0] + [m.end() for m in _TERMINATOR.finditer(span)]
    for start in reversed(candidates):
        title = span[start:]
        if not title.strip():
            continue
        if MODIFICATION_MARKERS.search(title):
            first = _TERMINATOR.search(title)
            first_sentence = title[: first.end()] if first else title
            if not ORIGINAL_REQUEST.search(first_sentence) and start > 0:
                continue
        return start
    return 0


def _citations_or_default(text: str | None) -> list[GuidelineCitation]:
    if not text or not text.strip():
        return [GuidelineCitation(family=GuidelineFamily.NONE)]
    citations = parse_citations(text)
    if citations:
        return citations
    return [GuidelineCitation(family=GuidelineFamily.OTHER, title=flow(text)[:300] or None)]


def _clean_request(title: str, numbered: bool) -> str:
    request = flow(title)
    if numbered:
        request = re.sub(r"^\d{1,3}[.)]\s+", "", request)
    return request.rstrip(":").strip()


def _items_sectioned(text: str, start: int, end: int, lines: _Lines, own: bool) -> list[ParsedItem]:
    """Items of the sectioned layouts: ``<request>: Upheld`` then the three labels."""
    markers = list(_MARKER.finditer(text, start, end))
    items: list[ParsedItem] = []
    title_starts: list[int] = []
    previous_end = start
    for position, marker in enumerate(markers):
        search_from = previous_end
        if position:
            # the title follows the previous item's rationale label (or its last label)
            prev_marker = markers[position - 1]
            label_end = prev_marker.end()
            for label in (_CA_LABEL, _IMR_LABEL, _RATIONALE_LABEL):
                found = label.search(text, label_end, marker.start())
                if found:
                    label_end = found.end()
            search_from = label_end
        span = text[search_from : marker.start()]
        offset = _title_start(span, position + 1 if own else None)
        title_starts.append(search_from + offset)
        previous_end = marker.end()
    for position, marker in enumerate(markers):
        block_end = title_starts[position + 1] if position + 1 < len(markers) else end
        title = text[title_starts[position] : marker.start()]
        request = _clean_request(title, own)
        decision = Decision(marker.group("d").lower())
        body_start = marker.end()
        ca = _CA_LABEL.search(text, body_start, block_end)
        after_ca = ca.end() if ca else body_start
        imr = _IMR_LABEL.search(text, after_ca, block_end)
        if imr is None and ca is not None:  # another organization's name before "guideline:"
            imr = _ANY_GUIDELINE_LABEL.search(text, after_ca, block_end)
        rationale = _RATIONALE_LABEL.search(text, imr.end() if imr else after_ca, block_end)
        ca_text = None
        if ca:
            ca_end = imr.start() if imr else (rationale.start() if rationale else block_end)
            ca_text = flow(text[ca.end() : ca_end]) or None
            if ca_text == NOT_STATED or ca_text == NOT_STATED + ".":
                ca_text = None
        imr_text = None
        if imr:
            imr_end = rationale.start() if rationale else block_end
            imr_text = flow(text[imr.end() : imr_end])
        rationale_text = prose(text[rationale.end() : block_end]) if rationale else ""
        if rationale_text == NO_RATIONALE_SENTENCE:
            rationale_text = ""
        items.append(
            ParsedItem(
                request=request,
                decision=decision,
                line=lines(title_starts[position] + len(title) - len(title.lstrip())),
                claims_administrator_guideline=ca_text,
                imr_guideline=imr_text,
                imr_guideline_line=lines(imr.start()) if imr else None,
                rationale=rationale_text,
                rationale_line=lines(rationale.start()) if rationale else None,
                citations=_citations_or_default(imr_text),
            )
        )
    return items


def _sectioned(
    text: str, lines: _Lines
) -> tuple[str, dict[str, object], list[ParsedItem], dict[str, int]]:
    """The 2014-15, 2016-17, later and OpenIMR layouts: headed sections in a fixed order."""
    headings: dict[str, re.Match[str]] = {}
    for name, pattern in (
        ("how", _H_HOW),
        ("documents", _H_DOCS),
        ("summary", _H_SUMMARY),
        ("issues", _H_ISSUES),
    ):
        match = pattern.search(text)
        if match:
            headings[name] = match
    issues = headings.get("issues")
    if issues is not None:
        closing = _H_CLOSING.search(text, issues.end())
        if closing:
            headings["closing"] = closing
    ordered = sorted(headings.items(), key=lambda kv: kv[1].start())
    bounds: dict[str, tuple[int, int]] = {}
    for position, (name, match) in enumerate(ordered):
        end = ordered[position + 1][1].start() if position + 1 < len(ordered) else len(text)
        bounds[name] = (match.end(), end)
    first = ordered[0][1].start() if ordered else len(text)
    values: dict[str, object] = dict(_fields(text[:first]))
    if "how" in bounds:
        values["reviewer"] = _reviewer(text[slice(*bounds["how"])])
    if "summary" in bounds:
        values["clinical_case_summary"] = _summary(text[slice(*bounds["summary"])])
    if "documents" in bounds:
        values["documents_reviewed"] = _entries(text[slice(*bounds["documents"])])
    sections = {name: lines(match.start()) for name, match in headings.items()}
    own = bool(_OWN_MARK.search(text))
    layout = "fdl-2014"
    if own:
        layout = "openimr"
    elif "documents" in headings or (issues and "(S)" in issues.group(0)):
        layout = "fdl-later"
    elif re.search(_words(r"State\(s\)", "of", "Licensure"), text):
        layout = "fdl-2016"
    items: list[ParsedItem] = []
    if issues is not None:
        items = _items_sectioned(text, *bounds["issues"], lines, own)
    else:
        items = _items_sectioned(text, first, len(text), lines, own)
    return layout, values, items, sections


def _listed(
    request: str, header_list: list[tuple[str, Decision | None, int]]
) -> tuple[str, Decision | None, int] | None:
    """The entry of a notice's list of decisions that names ``request`` (wording may vary)."""
    from rapidfuzz import fuzz

    best = max(header_list, key=lambda e: fuzz.token_set_ratio(request, e[0]), default=None)
    if best is not None and fuzz.token_set_ratio(request, best[0]) >= 85:
        return best
    return None


def _notice(
    text: str, lines: _Lines
) -> tuple[dict[str, object], list[ParsedItem], list[tuple[str, Decision | None, int]]]:
    """The 2013 notice: numbered decisions, procedural dates, qualifications, rationales."""
    values: dict[str, object] = dict(_fields(text[:4000]))
    for key, pattern in (
        ("application_received", _NOTICE_FILED),
        ("ur_decision_date", _NOTICE_UR),
        ("date_assigned", _NOTICE_NOARFI),
    ):
        if key not in values and (match := pattern.search(text)):
            parsed = parse_date(match.group("v"))
            if parsed:
                values[key] = parsed
    regarding = list(_NOTICE_REGARDING.finditer(text))
    list_end = regarding[0].start() if regarding else len(text)
    qualifications = _NOTICE_QUALIFICATIONS.search(text, 0, list_end)
    first_list_end = qualifications.start() if qualifications else list_end
    header_list: list[tuple[str, Decision | None, int]] = []
    decided = _H_NOTICE.search(text)
    rationale_heading = re.search(
        _words("INDEPENDENT", "MEDICAL", "REVIEW", "DECISION", "AND", "RATIONALE"), text
    )
    top_end = rationale_heading.start() if rationale_heading else first_list_end
    for match in _NOTICE_DECISION.finditer(text, decided.end() if decided else 0, top_end):
        negative = "not" in match.group("neg").lower()
        header_list.append(
            (
                flow(match.group("req")),
                Decision.UPHELD if negative else Decision.OVERTURNED,
                lines(match.start()),
            )
        )
    if not header_list:  # no list above the rationale heading: take the repeated one
        for match in _NOTICE_DECISION.finditer(text, 0, first_list_end):
            negative = "not" in match.group("neg").lower()
            header_list.append(
                (
                    flow(match.group("req")),
                    Decision.UPHELD if negative else Decision.OVERTURNED,
                    lines(match.start()),
                )
            )
    if qualifications:
        summary_match = _NOTICE_SUMMARY.search(text, qualifications.end())
        values["reviewer"] = _reviewer(
            text[qualifications.end() : summary_match.start() if summary_match else list_end]
        )
        if summary_match:
            records = _NOTICE_RECORDS.search(text, summary_match.end(), list_end)
            summary_end = records.start() if records else list_end
            values["clinical_case_summary"] = _summary(text[summary_match.end() : summary_end])
            if records:
                values["documents_reviewed"] = _entries(text[records.end() : list_end])
    items: list[ParsedItem] = []
    for position, match in enumerate(regarding):
        end = regarding[position + 1].start() if position + 1 < len(regarding) else len(text)
        closing = _H_CLOSING.search(text, match.end(), end)
        if closing:
            end = closing.start()
        ca = _NOTICE_CA.search(text, match.end(), end)
        imr = _NOTICE_IMR.search(text, match.end(), end)
        rationale = _NOTICE_RATIONALE.search(text, match.end(), end)
        ca_text = None
        if ca:
            ca_text = flow(text[ca.end() : imr.start() if imr else (rationale or ca).end()])
        imr_text = ""
        if imr:
            imr_text = flow(text[imr.end() : rationale.start() if rationale else end])
        rationale_text = prose(text[rationale.end() : end]) if rationale else ""
        request = flow(match.group("req"))
        listed = _listed(request, header_list)
        decision = listed[1] if listed else conclusion(rationale_text)
        if decision is None:
            raise LetterError(
                f"{request!r} has no decision in the list and no conclusion in its rationale",
                location=f"line {lines(match.start())}",
            )
        if imr_text and _SAME_AS_CA.search(imr_text) and ca_text:
            citations = _citations_or_default(ca_text)
        else:
            citations = _citations_or_default(imr_text)
        items.append(
            ParsedItem(
                request=request,
                decision=decision,
                line=lines(match.start()),
                claims_administrator_guideline=ca_text or None,
                imr_guideline=imr_text or None,
                imr_guideline_line=lines(imr.start()) if imr else None,
                rationale=rationale_text,
                rationale_line=lines(rationale.start()) if rationale else None,
                citations=citations,
            )
        )
    if not regarding:  # a notice without per-item rationales still states its decisions
        for request, decision, line in header_list:
            items.append(
                ParsedItem(
                    request=request,
                    decision=decision or Decision.UPHELD,
                    line=line,
                    citations=[GuidelineCitation(family=GuidelineFamily.NONE)],
                )
            )
    return values, items, header_list


def _professional(text: str, lines: _Lines) -> tuple[dict[str, object], list[ParsedItem]]:
    """One MEDICAL PROFESSIONAL REVIEW block per item."""
    issues = list(_ISSUE_AT_DISPUTE.finditer(text))
    values: dict[str, object] = dict(_fields(text[: issues[0].start()] if issues else text))
    items: list[ParsedItem] = []
    summaries: list[str] = []
    documents: list[str] = []
    for position, issue in enumerate(issues):
        end = issues[position + 1].start() if position + 1 < len(issues) else len(text)
        block_start = issue.end()
        labels = {
            "summary": _PR_CASE_SUMMARY.search(text, block_start, end),
            "documents": _PR_DOCS.search(text, block_start, end),
            "guidelines": _PR_GUIDELINES.search(text, block_start, end),
            "rationale": _PR_RATIONALE.search(text, block_start, end),
            "qualifications": _PR_QUALIFICATIONS.search(text, block_start, end),
        }
        found = sorted((m.start(), name, m) for name, m in labels.items() if m)
        next_heading = _H_PROFESSIONAL.search(text, block_start, end)

        def part(name: str, found: list = found, end: int = end) -> str:
            for index, (_, key, match) in enumerate(found):
                if key == name:
                    stop = found[index + 1][0] if index + 1 < len(found) else end
                    return text[match.end() : stop]
            return ""

        explicit = _PR_DECISION.search(text, block_start, end)
        issue_end = found[0][0] if found else end
        if explicit and explicit.start() < issue_end:
            issue_end = explicit.start()
        if next_heading and next_heading.start() < issue_end:
            issue_end = next_heading.start()
        issue_text = flow(text[block_start:issue_end])
        rationale_text = part("rationale")
        heading = _H_PROFESSIONAL.search(rationale_text)
        if heading:
            rationale_text = rationale_text[: heading.start()]
        qualifications_text = part("qualifications")
        heading = _H_PROFESSIONAL.search(qualifications_text)
        if heading:
            qualifications_text = qualifications_text[: heading.start()]
        rationale_text = prose(rationale_text)
        marker = re.search(r":\s*(Upheld|Overturned|UPHELD|OVERTURNED)\s*$", issue_text)
        decision: Decision | None = None
        if marker:
            decision = Decision(marker.group(1).lower())
            issue_text = issue_text[: marker.start()].strip()
        elif explicit:
            decision = Decision(explicit.group("d").lower())
        else:
            decision = conclusion(rationale_text)
        if decision is None:
            raise LetterError(
                "a MEDICAL PROFESSIONAL REVIEW block states no decision",
                location=f"line {lines(issue.start())}",
            )
        summary = _summary(part("summary"))
        if summary and summary not in summaries:
            summaries.append(summary)
        for entry in _entries(part("documents")):
            if entry not in documents:
                documents.append(entry)
        if "reviewer" not in values:
            values["reviewer"] = _reviewer(qualifications_text)
        guideline_text = _WHY.sub("", flow(part("guidelines")))
        guideline = labels["guidelines"]
        rationale = labels["rationale"]
        items.append(
            ParsedItem(
                request=issue_text,
                decision=decision,
                line=lines(issue.start()),
                imr_guideline=guideline_text or None,
                imr_guideline_line=lines(guideline.start()) if guideline else None,
                rationale=rationale_text,
                rationale_line=lines(rationale.start()) if rationale else None,
                citations=_citations_or_default(guideline_text),
            )
        )
    values["clinical_case_summary"] = " ".join(summaries)
    values["documents_reviewed"] = documents
    return values, items


def _layout_of(text: str) -> str:
    if _ISSUE_AT_DISPUTE.search(text) and _H_PROFESSIONAL.search(text):
        return "professional-review"
    if _H_NOTICE.search(text) and not _H_ISSUES.search(text):
        return "notice-2013"
    if _H_ISSUES.search(text) or _H_HOW.search(text) or _CA_LABEL.search(text):
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


def _blank_repeated_case_lines(text: str) -> str:
    """Blank a running header that repeats the case number on later pages (keeps lines)."""
    first = _FIELD_PATTERNS["case_id"].search(text)
    if first is None:
        return text
    repeated = re.compile(
        r"(?m)^[ \t]*(?:(?:IMR\s*)?Case\s*(?:Number|No\.?|#)\s*:?\s*)?"
        + re.escape(first.group("v"))
        + r"[ \t]*$"
    )
    end = text.find("\n", first.end())
    if end < 0:
        return text
    return text[:end] + repeated.sub("", text[end:])


def parse_text(text: str, *, source: str | None = None, kind: str = "text") -> ParsedLetter:
    """A letter's text read into a :class:`ParsedLetter` (raises :class:`LetterError`)."""
    text = _blank_repeated_case_lines(normalize(text))
    if not text.strip():
        raise LetterError("the letter has no text", source=source)
    lines = _Lines(text)
    layout = _layout_of(text)
    header_list: list[tuple[str, Decision | None, int]] = []
    sections: dict[str, int] = {}
    missing: list[str] = []
    try:
        if layout == "sectioned":
            layout, values, items, sections = _sectioned(text, lines)
            expected = ["how", "summary", "issues"]
            if layout == "fdl-later":
                expected.insert(1, "documents")
            missing = [name for name in expected if name not in sections]
        elif layout == "notice-2013":
            values, items, header_list = _notice(text, lines)
        elif layout == "professional-review":
            values, items = _professional(text, lines)
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
