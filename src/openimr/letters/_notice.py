"""The 2013 notice: a numbered list of decisions, procedural dates written in prose, the
reviewer's qualifications, then per item the guidelines and the rationale."""

from __future__ import annotations

import re

from openimr.domain import Decision, GuidelineCitation, GuidelineFamily
from openimr.errors import LetterError
from openimr.letters._fields import (
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
from openimr.letters._text import DATE, conclusion, flow, parse_date, prose

#: An entry of the list of decisions: the request as listed, its decision, its line.
ListEntry = tuple[str, Decision | None, int]

H_NOTICE = re.compile(
    words("Notice", "of", "Independent", "Medical", "Review", "Determination")
    + "|"
    + words("INDEPENDENT", "MEDICAL", "REVIEW", "DECISION", "AND", "RATIONALE")
)
_H_DECISION_AND_RATIONALE = re.compile(
    words("INDEPENDENT", "MEDICAL", "REVIEW", "DECISION", "AND", "RATIONALE")
)
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
    words("Medical", "Qualifications", "of", "the", "Expert", "Reviewer") + r"\s*:", re.I
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


def read_notice(
    text: str, lines: Lines
) -> tuple[dict[str, object], list[ParsedItem], list[ListEntry]]:
    """The header values, the items and the list of decisions."""
    values = _notice_fields(text)
    regarding = list(_NOTICE_REGARDING.finditer(text))
    list_end = regarding[0].start() if regarding else len(text)
    qualifications = _NOTICE_QUALIFICATIONS.search(text, 0, list_end)
    first_list_end = qualifications.start() if qualifications else list_end
    header_list = _decision_list(text, first_list_end, lines)
    if qualifications:
        values.update(_after_qualifications(text, qualifications.end(), list_end))
    items = [
        _item(
            text,
            match,
            regarding[position + 1].start() if position + 1 < len(regarding) else len(text),
            header_list,
            lines,
        )
        for position, match in enumerate(regarding)
    ]
    if not regarding:  # a notice without per-item rationales still states its decisions
        items = [
            ParsedItem(
                request=request,
                decision=decision or Decision.UPHELD,
                line=line,
                citations=[GuidelineCitation(family=GuidelineFamily.NONE)],
            )
            for request, decision, line in header_list
        ]
    return values, items, header_list


def _notice_fields(text: str) -> dict[str, object]:
    """Header fields of the first page, then the procedural dates the notice words in prose."""
    values: dict[str, object] = dict(header_fields(text[:4000]))
    for key, pattern in (
        ("application_received", _NOTICE_FILED),
        ("ur_decision_date", _NOTICE_UR),
        ("date_assigned", _NOTICE_NOARFI),
    ):
        if key not in values and (match := pattern.search(text)):
            parsed = parse_date(match.group("v"))
            if parsed:
                values[key] = parsed
    return values


def _decision_list(text: str, first_list_end: int, lines: Lines) -> list[ListEntry]:
    """The decisions listed under the notice's heading, or the list repeated before the
    qualifications where none is above the rationale heading."""
    decided = H_NOTICE.search(text)
    rationale_heading = _H_DECISION_AND_RATIONALE.search(text)
    top_end = rationale_heading.start() if rationale_heading else first_list_end
    header_list = _decisions(text, decided.end() if decided else 0, top_end, lines)
    if not header_list:  # no list above the rationale heading: take the repeated one
        header_list = _decisions(text, 0, first_list_end, lines)
    return header_list


def _decisions(text: str, start: int, end: int, lines: Lines) -> list[ListEntry]:
    entries: list[ListEntry] = []
    for match in _NOTICE_DECISION.finditer(text, start, end):
        negative = "not" in match.group("neg").lower()
        entries.append(
            (
                flow(match.group("req")),
                Decision.UPHELD if negative else Decision.OVERTURNED,
                lines(match.start()),
            )
        )
    return entries


def _after_qualifications(text: str, start: int, list_end: int) -> dict[str, object]:
    """The reviewer's credentials, the case summary and the records reviewed, in that order."""
    values: dict[str, object] = {}
    summary_match = _NOTICE_SUMMARY.search(text, start)
    values["reviewer"] = reviewer_credentials(
        text[start : summary_match.start() if summary_match else list_end]
    )
    if summary_match:
        records = _NOTICE_RECORDS.search(text, summary_match.end(), list_end)
        summary_end = records.start() if records else list_end
        values["clinical_case_summary"] = case_summary(text[summary_match.end() : summary_end])
        if records:
            values["documents_reviewed"] = document_entries(text[records.end() : list_end])
    return values


def _item(
    text: str, match: re.Match[str], end: int, header_list: list[ListEntry], lines: Lines
) -> ParsedItem:
    """One "Regarding the request for ...:" block; its decision is the list's, else the
    rationale's conclusion."""
    closing = closing_heading(text, match.end(), end)
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
        citations = citations_or_default(ca_text)
    else:
        citations = citations_or_default(imr_text)
    return ParsedItem(
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


def _listed(
    request: str, header_list: list[tuple[str, Decision | None, int]]
) -> tuple[str, Decision | None, int] | None:
    """The entry of a notice's list of decisions that names ``request`` (wording may vary)."""
    from rapidfuzz import fuzz

    best = max(header_list, key=lambda e: fuzz.token_set_ratio(request, e[0]), default=None)
    if best is not None and fuzz.token_set_ratio(request, best[0]) >= 85:
        return best
    return None
