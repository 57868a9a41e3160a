"""The sectioned letters (2014-15, 2016-17, later, and ours): headed sections in a fixed
order, then per item ``<request>: Upheld`` and its labelled guidelines and rationale."""

from __future__ import annotations

import re

from openimr.domain import Decision
from openimr.knowledge.modifications import MODIFICATION_MARKERS, ORIGINAL_REQUEST
from openimr.letters._fields import (
    NO_RATIONALE_SENTENCE,
    NOT_STATED,
    Lines,
    ParsedItem,
    case_summary,
    citations_or_default,
    closing_heading,
    document_entries,
    header_fields,
    reviewer_credentials,
    words,
)
from openimr.letters._text import flow, prose

H_HOW = re.compile(words("HOW", "THE", "IMR", "FINAL", "DETERMINATION", "WAS", "MADE"))
_H_DOCS = re.compile(words("DOCUMENTS", "REVIEWED") + r"(?!\s*FOR)")
# the look-behind after the first word, so that the search scans for "C"
_H_SUMMARY = re.compile(r"CLINICAL(?<!EXPERT REVIEWER CLINICAL)\s*CASE\s*SUMMARY")
H_ISSUES = re.compile(
    words("IMR", "ISSUES,?", "DECISIONS", "AND", "RATIONALES")
    + "|"
    + words("IMR", r"DECISION\(S\)", "AND", r"RATIONALE\(S\)")
)
_H_LICENSURE = re.compile(words(r"State\(s\)", "of", "Licensure"))
# Our own letters say so in their subtitle and closing heading (our wording, not MAXIMUS's).
_OWN_MARK = re.compile(
    words("Independent", "Medical", "Review,", "California", "Division", "of", "Workers'")
    + "|"
    + words("EFFECT", "OF", "THE", "DETERMINATION", "AND", "APPEAL", "RIGHTS")
)

_MARKER = re.compile(
    r":\s*(?P<d>Upheld|Overturned|UPHELD|OVERTURNED)"
    r"(?=[ \t]*(?:\n|$)|\s*Claims\s*Administrator\s*guideline)"
)
CA_LABEL = re.compile(words("Claims", "Administrator", "guideline") + r"\s*:")
_IMR_LABEL = re.compile(
    r"(?:MAXIMUS|IMRO?|Expert\s*Reviewer(?:'s)?|Independent\s*Reviewer(?:'s)?)\s*guideline\s*:"
)
_ANY_GUIDELINE_LABEL = re.compile(r"(?m)^[ \t]*[A-Z][^\n:]{0,40}?\s*guideline\s*:")
_RATIONALE_LABEL = re.compile(words("Decision", "rationale") + r"\s*:")
# A colon at a line's end closes the text before a title, unless it is a request's own
# date-of-service label ("..., DOS:" wrapped before its date).
_TERMINATOR = re.compile(r"[.!?][\"'”’)]*(?=\s|[A-Z])|(?<!DOS)(?<!service):[ \t]*\n")
_NUMBERED = re.compile(r"(?m)^[ \t]*(\d{1,3})[.)][ \t]+")


def read_sectioned(
    text: str, lines: Lines
) -> tuple[str, dict[str, object], list[ParsedItem], dict[str, int]]:
    """The layout, the header values, the items, and the line of each section's heading."""
    headings = _headings(text)
    bounds = _section_bounds(headings, len(text))
    first = min((match.start() for match in headings.values()), default=len(text))
    values = _section_values(text, first, bounds)
    sections = {name: lines(match.start()) for name, match in headings.items()}
    own = bool(_OWN_MARK.search(text))
    start, end = bounds["issues"] if "issues" in headings else (first, len(text))
    items = _items(text, start, end, lines, own)
    return _layout(text, headings, own), values, items, sections


def _headings(text: str) -> dict[str, re.Match[str]]:
    """The section headings found; the closing heading counts only after the items."""
    headings: dict[str, re.Match[str]] = {}
    for name, pattern in (
        ("how", H_HOW),
        ("documents", _H_DOCS),
        ("summary", _H_SUMMARY),
        ("issues", H_ISSUES),
    ):
        match = pattern.search(text)
        if match:
            headings[name] = match
    issues = headings.get("issues")
    if issues is not None:
        closing = closing_heading(text, issues.end())
        if closing:
            headings["closing"] = closing
    return headings


def _section_bounds(headings: dict[str, re.Match[str]], length: int) -> dict[str, tuple[int, int]]:
    """Each section runs from its heading to the next heading in the text."""
    ordered = sorted(headings.items(), key=lambda kv: kv[1].start())
    bounds: dict[str, tuple[int, int]] = {}
    for position, (name, match) in enumerate(ordered):
        end = ordered[position + 1][1].start() if position + 1 < len(ordered) else length
        bounds[name] = (match.end(), end)
    return bounds


def _section_values(text: str, first: int, bounds: dict[str, tuple[int, int]]) -> dict[str, object]:
    """Header fields above the first heading, then what the sections before the items say."""
    values: dict[str, object] = dict(header_fields(text[:first]))
    if "how" in bounds:
        values["reviewer"] = reviewer_credentials(text[slice(*bounds["how"])])
    if "summary" in bounds:
        values["clinical_case_summary"] = case_summary(text[slice(*bounds["summary"])])
    if "documents" in bounds:
        values["documents_reviewed"] = document_entries(text[slice(*bounds["documents"])])
    return values


def _layout(text: str, headings: dict[str, re.Match[str]], own: bool) -> str:
    issues = headings.get("issues")
    if own:
        return "openimr"
    if "documents" in headings or (issues and "(S)" in issues.group(0)):
        return "fdl-later"
    if _H_LICENSURE.search(text):
        return "fdl-2016"
    return "fdl-2014"


def _items(text: str, start: int, end: int, lines: Lines, own: bool) -> list[ParsedItem]:
    """Items of the sectioned layouts: ``<request>: Upheld`` then the three labels."""
    markers = list(_MARKER.finditer(text, start, end))
    title_starts = _title_starts(text, markers, start, own)
    return [
        _item(
            text,
            marker,
            title_starts[position],
            title_starts[position + 1] if position + 1 < len(markers) else end,
            lines,
            own,
        )
        for position, marker in enumerate(markers)
    ]


def _title_starts(text: str, markers: list[re.Match[str]], start: int, own: bool) -> list[int]:
    """Where each item's title starts: after the previous item's last label."""
    title_starts: list[int] = []
    previous_end = start
    for position, marker in enumerate(markers):
        search_from = previous_end
        if position:
            # the title follows the previous item's rationale label (or its last label)
            prev_marker = markers[position - 1]
            label_end = prev_marker.end()
            for label in (CA_LABEL, _IMR_LABEL, _RATIONALE_LABEL):
                found = label.search(text, label_end, marker.start())
                if found:
                    label_end = found.end()
            search_from = label_end
        span = text[search_from : marker.start()]
        offset = _title_start(span, position + 1 if own else None)
        title_starts.append(search_from + offset)
        previous_end = marker.end()
    return title_starts


def _item(
    text: str, marker: re.Match[str], title_start: int, block_end: int, lines: Lines, own: bool
) -> ParsedItem:
    """One item: the title before its decision, then its labelled guidelines and rationale."""
    title = text[title_start : marker.start()]
    ca, imr, rationale = _labels(text, marker.end(), block_end)
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
    return ParsedItem(
        request=_clean_request(title, own),
        decision=Decision(marker.group("d").lower()),
        line=lines(title_start + len(title) - len(title.lstrip())),
        claims_administrator_guideline=ca_text,
        imr_guideline=imr_text,
        imr_guideline_line=lines(imr.start()) if imr else None,
        rationale=rationale_text,
        rationale_line=lines(rationale.start()) if rationale else None,
        citations=citations_or_default(imr_text),
    )


def _labels(
    text: str, body_start: int, block_end: int
) -> tuple[re.Match[str] | None, re.Match[str] | None, re.Match[str] | None]:
    """The claims administrator's guideline, the IMR's guideline and the rationale labels."""
    ca = CA_LABEL.search(text, body_start, block_end)
    after_ca = ca.end() if ca else body_start
    imr = _IMR_LABEL.search(text, after_ca, block_end)
    if imr is None and ca is not None:  # another organization's name before "guideline:"
        imr = _ANY_GUIDELINE_LABEL.search(text, after_ca, block_end)
    rationale = _RATIONALE_LABEL.search(text, imr.end() if imr else after_ca, block_end)
    return ca, imr, rationale


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


def _clean_request(title: str, numbered: bool) -> str:
    request = flow(title)
    if numbered:
        request = re.sub(r"^\d{1,3}[.)]\s+", "", request)
    return request.rstrip(":").strip()
