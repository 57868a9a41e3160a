"""Letters with one MEDICAL PROFESSIONAL REVIEW block per item: the issue at dispute, then
labelled parts (case summary, documents, guidelines, rationale, qualifications) in any order."""

from __future__ import annotations

import re
from dataclasses import dataclass

from openimr.domain import Decision
from openimr.errors import LetterError
from openimr.letters._fields import (
    Lines,
    ParsedItem,
    case_summary,
    citations_or_default,
    document_entries,
    header_fields,
    reviewer_credentials,
    words,
)
from openimr.letters._text import conclusion, flow, prose

H_PROFESSIONAL = re.compile(words("MEDICAL", "PROFESSIONAL", "REVIEW"))
ISSUE_AT_DISPUTE = re.compile(words("ISSUE", "AT", "DISPUTE") + r"\s*:")
_PR_CASE_SUMMARY = re.compile(r"(?<!CLINICAL )CASE\s*SUMMARY\s*:")
_PR_DOCS = re.compile(words("DOCUMENTS", "REVIEWED", "FOR", "DETERMINATION") + r"\s*:")
_PR_GUIDELINES = re.compile(
    r"MEDICAL\s*TREATMENT\s*GUIDELINE\(S\)\s*RELIED\s*UPON[^:]{0,80}:", re.IGNORECASE
)
_PR_RATIONALE = re.compile(r"RATIONALE\s*FOR\s*WHY\s*THE\s*REQUESTED[^:]{0,120}:", re.IGNORECASE)
_WHY = re.compile(r",?\s+(?:because|since)\b[^.]*", re.IGNORECASE)
_PR_QUALIFICATIONS = re.compile(words("MEDICAL", "REVIEWER", "QUALIFICATIONS") + r"\s*:")
_PR_DECISION = re.compile(
    r"(?:DETERMINATION|DECISION|OUTCOME)\s*:\s*(?P<d>UPHELD|OVERTURNED|Upheld|Overturned)"
)
_TRAILING_DECISION = re.compile(r":\s*(Upheld|Overturned|UPHELD|OVERTURNED)\s*$")


def read_professional(text: str, lines: Lines) -> tuple[dict[str, object], list[ParsedItem]]:
    """The header values and the items; the blocks' summaries and documents are gathered."""
    issues = list(ISSUE_AT_DISPUTE.finditer(text))
    values: dict[str, object] = dict(header_fields(text[: issues[0].start()] if issues else text))
    items: list[ParsedItem] = []
    summaries: list[str] = []
    documents: list[str] = []
    for position, issue in enumerate(issues):
        end = issues[position + 1].start() if position + 1 < len(issues) else len(text)
        block = _Block.read(text, issue.end(), end)
        items.append(_item(block, issue, lines))
        summary = case_summary(block.part("summary"))
        if summary and summary not in summaries:
            summaries.append(summary)
        for entry in document_entries(block.part("documents")):
            if entry not in documents:
                documents.append(entry)
        if "reviewer" not in values:
            values["reviewer"] = reviewer_credentials(
                _before_next_review(block.part("qualifications"))
            )
    values["clinical_case_summary"] = " ".join(summaries)
    values["documents_reviewed"] = documents
    return values, items


@dataclass(frozen=True, slots=True)
class _Block:
    """One block after ISSUE AT DISPUTE:, with its labels in the order they appear."""

    text: str
    start: int
    end: int
    labels: dict[str, re.Match[str] | None]
    found: list[tuple[int, str, re.Match[str]]]

    @classmethod
    def read(cls, text: str, start: int, end: int) -> _Block:
        labels = {
            "summary": _PR_CASE_SUMMARY.search(text, start, end),
            "documents": _PR_DOCS.search(text, start, end),
            "guidelines": _PR_GUIDELINES.search(text, start, end),
            "rationale": _PR_RATIONALE.search(text, start, end),
            "qualifications": _PR_QUALIFICATIONS.search(text, start, end),
        }
        found = sorted((m.start(), name, m) for name, m in labels.items() if m)
        return cls(text, start, end, labels, found)

    def part(self, name: str) -> str:
        """The text after a label, up to the next label or the block's end."""
        for index, (_, key, match) in enumerate(self.found):
            if key == name:
                stop = self.found[index + 1][0] if index + 1 < len(self.found) else self.end
                return self.text[match.end() : stop]
        return ""


def _item(block: _Block, issue: re.Match[str], lines: Lines) -> ParsedItem:
    """The issue (the request, maybe with its decision), the guidelines and the rationale."""
    text = block.text
    explicit = _PR_DECISION.search(text, block.start, block.end)
    issue_text = flow(text[block.start : _issue_end(block, explicit)])
    rationale_text = prose(_before_next_review(block.part("rationale")))
    issue_text, decision = _decision(issue_text, explicit, rationale_text)
    if decision is None:
        raise LetterError(
            "a MEDICAL PROFESSIONAL REVIEW block states no decision",
            location=f"line {lines(issue.start())}",
        )
    guideline_text = _WHY.sub("", flow(block.part("guidelines")))
    guideline = block.labels["guidelines"]
    rationale = block.labels["rationale"]
    return ParsedItem(
        request=issue_text,
        decision=decision,
        line=lines(issue.start()),
        imr_guideline=guideline_text or None,
        imr_guideline_line=lines(guideline.start()) if guideline else None,
        rationale=rationale_text,
        rationale_line=lines(rationale.start()) if rationale else None,
        citations=citations_or_default(guideline_text),
    )


def _issue_end(block: _Block, explicit: re.Match[str] | None) -> int:
    """The issue ends at the first label, a stated decision, or the next review's heading."""
    next_heading = H_PROFESSIONAL.search(block.text, block.start, block.end)
    issue_end = block.found[0][0] if block.found else block.end
    if explicit and explicit.start() < issue_end:
        issue_end = explicit.start()
    if next_heading and next_heading.start() < issue_end:
        issue_end = next_heading.start()
    return issue_end


def _before_next_review(part: str) -> str:
    heading = H_PROFESSIONAL.search(part)
    return part[: heading.start()] if heading else part


def _decision(
    issue_text: str, explicit: re.Match[str] | None, rationale_text: str
) -> tuple[str, Decision | None]:
    """The decision after the issue's colon, else the stated one, else the rationale's
    conclusion; the issue without a trailing decision."""
    marker = _TRAILING_DECISION.search(issue_text)
    if marker:
        return issue_text[: marker.start()].strip(), Decision(marker.group(1).lower())
    if explicit:
        return issue_text, Decision(explicit.group("d").lower())
    return issue_text, conclusion(rationale_text)
