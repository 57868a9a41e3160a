"""Claims administrator audit: findings about the basis the UR gave for its decision.

Examples: the UR relied on a non-MTUS guideline although the MTUS addresses the topic; the UR
cited no evidence; the UR cited an MTUS chapter that does not cover the body part requested.
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from typing import TYPE_CHECKING

from openimr.domain import AuditFinding
from openimr.knowledge.sources import SourceCatalog
from openimr.knowledge.topics import KnowledgeBase, Topic

if TYPE_CHECKING:
    from openimr.engine.select import Selection

_NO_EVIDENCE = re.compile(
    r"did not cite any (?:medical )?evidence|no (?:medical )?evidence (?:was )?cited", re.I
)
_NON_MTUS = re.compile(
    r"non-?MTUS|outside of the MTUS|Official Disability Guidelines|\bODG\b|"
    r"did not base their decision on the MTUS",
    re.I,
)
_OUTSIDE_ONLY = re.compile(
    r"based their decision on recommendation\(s\) outside of the MTUS|"
    r"did not base their decision on the MTUS",
    re.I,
)
_MTUS = re.compile(r"\bMTUS\b(?!\s+Citation)(?<!Non-MTUS)", re.I)


@cache
def _document_patterns(
    catalog: SourceCatalog,
) -> tuple[tuple[str, int | None, re.Pattern[str]], ...]:
    """(document id, chapter number, pattern) for every way an MTUS citation names a document."""
    out: list[tuple[str, int | None, re.Pattern[str]]] = []
    for document in catalog.documents:
        if not document.family.is_mtus:
            continue
        for chapter in document.chapters:
            if chapter.number is not None and chapter.letter_name not in {"General Approaches"}:
                out.append((document.id, chapter.number, _name_pattern(chapter.letter_name)))
        names = {document.letter_name, *document.aliases}
        names.discard("ACOEM")
        for name in sorted(names, key=len, reverse=True):
            out.append((document.id, None, _name_pattern(name)))
    return tuple(out)


def _name_pattern(name: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in re.split(r"[\s,]+", name) if w]
    return re.compile(r"\b" + r"[\s,]+".join(words) + r"\b", re.I)


def cited_mtus_documents(
    text: str, catalog: SourceCatalog, on: date | None = None
) -> set[tuple[str, int | None]]:
    """MTUS documents (and ACOEM chapters) a citation text names.

    Where several editions share a name, the year written after the name decides; without a
    year, the edition in force on ``on`` (the UR date) is meant.
    """
    marker = re.search(r"Non-MTUS Citation", text, re.I)
    mtus_part = text[: marker.start()] if marker else text
    matched: dict[tuple[str, int | None], re.Match[str]] = {}
    for document_id, chapter, pattern in _document_patterns(catalog):
        match = pattern.search(mtus_part)
        if match and (document_id, chapter) not in matched:
            matched[(document_id, chapter)] = match
    found: set[tuple[str, int | None]] = set()
    for (document_id, chapter), match in matched.items():
        document = catalog.document(document_id)
        rivals = [
            other_id
            for (other_id, other_chapter) in matched
            if other_id != document_id
            and other_chapter == chapter
            and catalog.document(other_id).letter_name == document.letter_name
        ]
        if rivals:
            year = re.match(r"[\s,]*((?:19|20)\d\d)", mtus_part[match.end() :])
            if year:
                if document.edition != year.group(1):
                    continue
            elif on is not None and not document.in_force(on):
                continue
        found.add((document_id, chapter))
    return found


def audit_claims_administrator(
    text: str | None,
    topic: Topic | None,
    selection: Selection | None,
    knowledge: KnowledgeBase,
    ur_date: date | None,
) -> list[AuditFinding]:
    findings: list[AuditFinding] = []
    if not text or not text.strip():
        return findings
    if _NO_EVIDENCE.search(text):
        findings.append(
            AuditFinding(
                code="ur_no_evidence_cited",
                severity="warning",
                message="The claims administrator cited no medical evidence for its decision.",
            )
        )
        return findings
    cited = cited_mtus_documents(text, knowledge.sources, ur_date)
    relies_outside = bool(_OUTSIDE_ONLY.search(text)) or (
        not cited and bool(_NON_MTUS.search(text))
    )
    if selection is not None and relies_outside:
        if selection.mtus_addresses:
            findings.append(
                AuditFinding(
                    code="ur_non_mtus_although_mtus_addresses",
                    severity="warning",
                    message=(
                        "The claims administrator relied on a non-MTUS guideline although the "
                        f"MTUS addresses this request ({selection.document.title}); the MTUS is "
                        "presumed correct and must be searched first (8 CCR 9792.21.1)."
                    ),
                )
            )
        else:
            findings.append(
                AuditFinding(
                    code="ur_non_mtus_appropriate",
                    severity="info",
                    message=(
                        "The MTUS does not address this request; relying on another guideline "
                        "was appropriate."
                    ),
                )
            )
    if topic is not None and cited:
        covering: set[tuple[str, int | None]] = set()
        for guidance in topic.guidance:
            for variants in (guidance.cites, *guidance.also_cite):
                for document_id, cite in variants.items():
                    chapter = cite.chapter if isinstance(cite.chapter, int) else None
                    covering.add((document_id, chapter))
        covering_documents = {d for d, _c in covering}
        relevant = [
            (d, c)
            for d, c in cited
            if d in covering_documents
            and (c is None or (d, c) in covering or (d, None) in covering)
        ]
        if not relevant:
            names = ", ".join(
                sorted(
                    f"{knowledge.sources.document(d).title}"
                    + (f" chapter {c}" if c is not None else "")
                    for d, c in cited
                )
            )
            findings.append(
                AuditFinding(
                    code="ur_citation_does_not_cover_request",
                    severity="warning",
                    message=(
                        f"The claims administrator cited {names}, which does not address "
                        f"{topic.title.lower()} for the body part requested."
                    ),
                )
            )
    if ur_date is not None:
        for document_id, _chapter in sorted(cited, key=lambda c: (c[0], c[1] or 0)):
            document = knowledge.sources.document(document_id)
            if document.effective_to and ur_date > document.effective_to:
                findings.append(
                    AuditFinding(
                        code="ur_superseded_guideline",
                        severity="warning",
                        message=(
                            f"The claims administrator cited {document.title} "
                            f"({document.edition}), "
                            f"which was no longer in force on the UR date {ur_date.isoformat()}."
                        ),
                    )
                )
    return findings
