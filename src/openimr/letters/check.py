"""Finding a letter's internal inconsistencies.

Each finding has a severity, the line of the letter's text it concerns and a plain message:
a chapter whose number, title or pages disagree with the guideline tables of the sources
catalog, a decision that contradicts the rationale's own conclusion, items listed without a
rationale (or the reverse), missing sections and labels, guidelines that do not exist or were
not in force. The tables come from ``knowledge/data/sources.yaml``; nothing here repeats them.
A finding names the item it is about and quotes the words it rests on, so that a reader (or the
physician about to sign, :func:`check_determination`) sees why without searching the letter.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace
from datetime import date
from pathlib import Path
from typing import Literal

from openimr.domain import Decision, Determination, GuidelineCitation
from openimr.knowledge.citations import format_citations, parse_citations
from openimr.knowledge.sources import Chapter, Document, load_sources
from openimr.letters._text import conclusion_sentence, sentence_at
from openimr.letters.parse import ParsedItem, ParsedLetter, read_letter

__all__ = ["Finding", "Severity", "check_determination", "check_letter", "check_parsed"]

Severity = Literal["error", "warning", "info"]
_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
_CHAPTER_NUMBER = re.compile(r"^Chapter\s+(\d+)\b\s*(.*)$", re.IGNORECASE)
_PAGE_TOKEN = re.compile(r"(\d+)\s*(?:[-–]\s*(\d+))?")
_RATIONALE_CHAPTER_PAGE = re.compile(
    r"Chapter\s+(\d+)\b[^.;]{0,120}?\bpages?\s+(\d+)", re.IGNORECASE
)
_SECTION_NAMES = {
    "how": "HOW THE IMR FINAL DETERMINATION WAS MADE",
    "documents": "DOCUMENTS REVIEWED",
    "summary": "CLINICAL CASE SUMMARY",
    "issues": "IMR ISSUES, DECISIONS AND RATIONALES",
}


@dataclass(frozen=True, slots=True)
class Finding:
    """One inconsistency: how bad, where (1-based line of the letter's text), and what; the
    item it is about (1-based, as the letter numbers them) and the words it rests on."""

    severity: Severity
    line: int | None
    code: str
    message: str
    item: int | None = None
    quote: str | None = None

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.replace("&", " and ").lower()).strip()


def _pages(text: str | None) -> list[int]:
    """The first page of each page or range cited (``60, 98-99`` gives 60 and 98 and 99)."""
    if not text:
        return []
    pages: list[int] = []
    for match in _PAGE_TOKEN.finditer(text):
        first = int(match.group(1))
        pages.append(first)
        if match.group(2):
            last = int(match.group(2))
            if first < last <= first + 50:
                pages.append(last)
    return pages


def _document_for(citation: GuidelineCitation, reference: date | None = None) -> Document | None:
    """The catalog document a citation names (by title, and by edition where it says one; a
    citation naming no edition means the edition in force on ``reference``, if one was)."""
    candidates = [
        d
        for d in load_sources().documents
        if d.family is citation.family
        and citation.title
        and _norm(d.title) == _norm(citation.title)
    ]
    if citation.edition:
        same = [d for d in candidates if d.edition == citation.edition]
        candidates = same or candidates
    elif reference is not None:
        candidates = [d for d in candidates if d.in_force(reference)] or candidates
    return candidates[0] if candidates else None


def _chapter_label(chapter: Chapter) -> str:
    pages = f", pages {chapter.pages[0]}-{chapter.pages[1]}" if chapter.pages else ""
    number = f"Chapter {chapter.number} " if chapter.number is not None else ""
    return f"{number}{chapter.title}{pages}"


def _named_chapter(document: Document, chapter_text: str) -> tuple[Chapter | None, str | None]:
    """The chapter a citation names, and a problem with the name (unknown number, wrong title)."""
    match = _CHAPTER_NUMBER.match(chapter_text.strip())
    if match:
        number = int(match.group(1))
        title = match.group(2).strip(" ,.-")
        chapter = document.chapter(number)
        if chapter is None:
            return None, f"{document.title} has no Chapter {number}"
        if title and _norm(title) not in (_norm(chapter.title), _norm(chapter.letter_name)):
            return chapter, (
                f"Chapter {number} of {document.title} is {chapter.title}, not {title}"
            )
        return chapter, None
    wanted = _norm(chapter_text)
    for chapter in document.chapters:
        if wanted in (_norm(chapter.title), _norm(chapter.letter_name)):
            return chapter, None
    return None, None


def _citation_findings(
    citation: GuidelineCitation,
    line: int | None,
    rationale: str,
    reference: date | None,
    quoted: bool,
    words: str | None = None,
) -> list[Finding]:
    """Chapter, page, existence and in-force checks of one citation against the tables (each
    finding quotes the citation as the letter words it, ``words``)."""
    quote = " ".join((words or format_citations([citation])).split())
    return [
        replace(f, quote=quote)
        for f in _citation_problems(citation, line, rationale, reference, quoted)
    ]


def _citation_problems(
    citation: GuidelineCitation,
    line: int | None,
    rationale: str,
    reference: date | None,
    quoted: bool,
) -> list[Finding]:
    findings: list[Finding] = []
    whose = "the claims administrator's guideline" if quoted else "the IMR guideline"
    severity: Severity = "warning" if quoted else "error"
    if citation.family.is_mtus:
        document = _document_for(citation, reference)
        if document is None:
            findings.append(
                Finding(
                    severity,
                    line,
                    "unknown-guideline",
                    f"{whose} names {citation.title or 'an MTUS guideline'!r} as MTUS, but the "
                    "MTUS has no such document",
                )
            )
            return findings
    else:
        document = _document_for(citation, reference)
        if document is None:
            return findings
    if reference is not None and not document.in_force(reference):
        findings.append(
            Finding(
                "warning",
                line,
                "not-in-force",
                f"{whose} cites {document.title}"
                + (f" ({document.edition})" if document.edition else "")
                + f", which was not in force on {reference.isoformat()}",
            )
        )
    named: Chapter | None = None
    if citation.chapter and document.chapters:
        named, problem = _named_chapter(document, citation.chapter)
        if problem:
            code = "unknown-chapter" if named is None else "chapter-title"
            findings.append(Finding(severity, line, code, f"{whose}: {problem}"))
    if named is not None and named.number is not None:
        rationale_chapters = {
            int(page): int(number) for number, page in _RATIONALE_CHAPTER_PAGE.findall(rationale)
        }
        for page in _pages(citation.pages):
            actual = document.chapter_for_page(page)
            if actual is None or actual.number == named.number:
                continue
            confirmed = actual.confidence is None or named.confidence is None
            message = (
                f"{whose} cites Chapter {named.number} {named.title} for page {page}, but page "
                f"{page} lies in {_chapter_label(actual)}"
            )
            if rationale_chapters.get(page) == actual.number:
                message += f" (the rationale itself cites Chapter {actual.number} for it)"
            findings.append(
                Finding(severity if confirmed else "warning", line, "chapter-page", message)
            )
    if document.pages:
        for page in _pages(citation.pages):
            if not document.pages[0] <= page <= document.pages[1]:
                findings.append(
                    Finding(
                        "warning",
                        line,
                        "page-range",
                        f"{whose} cites page {page} of {document.title}, which has pages "
                        f"{document.pages[0]}-{document.pages[1]}",
                    )
                )
    return findings


def _rationale_chapter_findings(item: ParsedItem) -> list[Finding]:
    """``Chapter N ... page P`` in a rationale, checked against the ACOEM chapter table."""
    findings: list[Finding] = []
    documents = [d for d in load_sources().documents if any(c.pages for c in d.chapters)]
    for match in _RATIONALE_CHAPTER_PAGE.finditer(item.rationale):
        number, page = match.group(1), match.group(2)
        for document in documents:
            chapter = document.chapter(int(number))
            actual = document.chapter_for_page(int(page))
            if chapter is None or actual is None or actual.number == chapter.number:
                continue
            confirmed = actual.confidence is None or chapter.confidence is None
            findings.append(
                Finding(
                    "error" if confirmed else "warning",
                    item.rationale_line,
                    "chapter-page",
                    f"the rationale cites Chapter {number} for page {page}, but page {page} "
                    f"lies in {_chapter_label(actual)}",
                    quote=sentence_at(item.rationale, match.start(), match.end()),
                )
            )
    return findings


def _date_findings(d: Determination, line: int | None) -> list[Finding]:
    findings: list[Finding] = []
    pairs = [
        ("date of injury", d.date_of_injury, "UR denial date", d.ur_decision_date),
        ("UR denial date", d.ur_decision_date, "application received", d.application_received),
        ("application received", d.application_received, "date assigned", d.date_assigned),
        ("date assigned", d.date_assigned, "decision date", d.decision_date),
        ("UR denial date", d.ur_decision_date, "decision date", d.decision_date),
    ]
    for first_name, first, second_name, second in pairs:
        if first and second and second < first:
            findings.append(
                Finding(
                    "warning",
                    line,
                    "date-order",
                    f"the {second_name} ({second.isoformat()}) is before the {first_name} "
                    f"({first.isoformat()})",
                )
            )
    return findings


def check_parsed(letter: ParsedLetter) -> list[Finding]:
    """Every inconsistency found in a parsed letter, errors first, then by line."""
    d = letter.determination
    findings = [
        Finding("error", None, "missing-section", f"the {_SECTION_NAMES[name]} section is missing")
        for name in letter.missing_sections
    ]
    if letter.layout == "notice-2013":
        findings += _notice_findings(letter)
    reference = d.ur_decision_date or d.decision_date
    seen: dict[str, int] = {}
    for number, item in enumerate(letter.items, start=1):
        label = f"item {number} ({item.request[:60]})"
        key = item.request.casefold()
        if key in seen:
            findings.append(
                Finding("warning", item.line, "duplicate-item", f"{label} repeats item {seen[key]}")
            )
        seen.setdefault(key, number)
        item_findings = _label_findings(letter.layout, item, label)
        item_findings += _conclusion_findings(item, label)
        item_findings += _item_citation_findings(item, reference)
        findings += [replace(f, item=number) for f in item_findings]
    findings += _date_findings(d, 1)
    unique = list(dict.fromkeys(findings))
    return sorted(unique, key=lambda f: (_SEVERITY_ORDER[f.severity], f.line or 0, f.code))


def _notice_findings(letter: ParsedLetter) -> list[Finding]:
    """A notice lists its decisions apart from the rationales: each must have the other."""
    from rapidfuzz import fuzz

    findings: list[Finding] = []
    listed = [(request, line) for request, _, line in letter.header_list]
    for request, line in listed:
        if not any(
            fuzz.token_set_ratio(request, i.request) >= 85 for i in letter.items if i.rationale
        ):
            findings.append(
                Finding(
                    "error",
                    line,
                    "unmatched-item",
                    f"{request!r} is decided in the list but has no rationale",
                )
            )
    for item in letter.items:
        if listed and not any(fuzz.token_set_ratio(item.request, r) >= 85 for r, _ in listed):
            findings.append(
                Finding(
                    "error",
                    item.line,
                    "unmatched-item",
                    f"{item.request!r} has a rationale but is not in the list of decisions",
                )
            )
    if letter.determination.reviewer is None:
        findings.append(
            Finding(
                "warning",
                None,
                "missing-section",
                "the expert reviewer's qualifications are missing",
            )
        )
    return findings


def _label_findings(layout: str, item: ParsedItem, label: str) -> list[Finding]:
    """An item without its IMR guideline or rationale; a notice's list entry has neither."""
    if layout == "notice-2013" and item.rationale_line is None:
        return []
    findings: list[Finding] = []
    if item.imr_guideline is None and layout != "notice-2013":
        findings.append(
            Finding("error", item.line, "missing-label", f"{label} states no IMR guideline")
        )
    if item.rationale_line is None or not item.rationale:
        findings.append(
            Finding("error", item.line, "missing-rationale", f"{label} has no decision rationale")
        )
    return findings


def _conclusion_findings(item: ParsedItem, label: str) -> list[Finding]:
    """A decision the rationale's own conclusion contradicts, or a rationale that concludes
    nothing."""
    found = conclusion_sentence(item.rationale)
    if found is not None and found[0] is not item.decision:
        concluded, sentence = found
        said = "not medically necessary" if concluded is Decision.UPHELD else "medically necessary"
        return [
            Finding(
                "error",
                item.rationale_line or item.line,
                "decision-contradicts-rationale",
                f"{label} is {item.decision.value.capitalize()}, but its rationale concludes "
                f"that the treatment is {said}",
                quote=sentence,
            )
        ]
    if found is None and item.rationale:
        return [
            Finding(
                "info",
                item.rationale_line,
                "no-conclusion",
                f"the rationale of {label} states no conclusion on medical necessity",
            )
        ]
    return []


_CLAUSE = re.compile(r"(?=\bDecision based on\b)", re.IGNORECASE)


def _clauses(text: str | None, count: int) -> list[str | None]:
    """The words of each of ``count`` citations in a guideline line: its "Decision based on"
    clauses when there is one per citation, else the whole line for each."""
    if not text:
        return [None] * count
    clauses = [c.strip() for c in _CLAUSE.split(text) if c.strip()]
    return clauses if len(clauses) == count else [text] * count


def _item_citation_findings(item: ParsedItem, reference: date | None) -> list[Finding]:
    """The IMR's citations, then the claims administrator's, then the rationale's chapters."""
    findings: list[Finding] = []
    stated = _clauses(item.imr_guideline, len(item.citations))
    for citation, words in zip(item.citations, stated, strict=True):
        findings += _citation_findings(
            citation, item.imr_guideline_line or item.line, item.rationale, reference, False, words
        )
    if item.claims_administrator_guideline:
        quoted = parse_citations(item.claims_administrator_guideline)
        stated = _clauses(item.claims_administrator_guideline, len(quoted))
        for citation, words in zip(quoted, stated, strict=True):
            findings += _citation_findings(citation, item.line, "", reference, True, words)
    findings += _rationale_chapter_findings(item)
    return findings


def check_determination(determination: Determination) -> list[Finding]:
    """The inconsistencies the letter of ``determination`` would have, item by item, before
    any letter is rendered: the same checks as :func:`check_parsed` on the fields the letter
    is made of (a determination has no lines: ``line`` is ``None``)."""
    d = determination
    reference = d.ur_decision_date or d.decision_date
    findings: list[Finding] = []
    seen: dict[str, int] = {}
    for number, source in enumerate(d.items, start=1):
        label = f"item {number} ({source.request[:60]})"
        # The citations as the letter states them (a title left out is the family's title).
        stated = format_citations(source.citations)
        item = ParsedItem(
            request=source.request,
            decision=source.decision,
            line=0,
            claims_administrator_guideline=source.claims_administrator_guideline,
            imr_guideline=stated,
            rationale=source.rationale.strip(),
            citations=parse_citations(stated) or source.citations,
        )
        key = item.request.casefold()
        item_findings: list[Finding] = []
        if key in seen:
            item_findings.append(
                Finding("warning", None, "duplicate-item", f"{label} repeats item {seen[key]}")
            )
        seen.setdefault(key, number)
        if not item.rationale:
            item_findings.append(
                Finding("error", None, "missing-rationale", f"{label} has no decision rationale")
            )
        item_findings += _conclusion_findings(item, label)
        item_findings += _item_citation_findings(item, reference)
        findings += [replace(f, item=number, line=None) for f in item_findings]
    findings += [replace(f, line=None) for f in _date_findings(d, None)]
    unique = list(dict.fromkeys(findings))
    return sorted(unique, key=lambda f: (_SEVERITY_ORDER[f.severity], f.item or 0, f.code))


def check_letter(path: str | Path) -> list[Finding]:
    """Read a letter file and check it (raises :class:`LetterError` if it cannot be read)."""
    return check_parsed(read_letter(path))
