"""Claims administrator audit: findings about the basis the UR gave for its decision.

Examples: the UR relied on a non-MTUS guideline although the MTUS addresses the topic; the UR
cited no evidence; the UR cited an MTUS chapter that does not cover the body part requested.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from openimr.domain import AuditFinding, GuidelineFamily
from openimr.knowledge.citations import parse_citations
from openimr.knowledge.sources import SourceCatalog
from openimr.knowledge.topics import KnowledgeBase, Topic

if TYPE_CHECKING:
    from openimr.engine.select import Selection


def cited_mtus_documents(
    text: str, catalog: SourceCatalog, on: date | None = None
) -> set[tuple[str, int | None]]:
    """MTUS documents (and ACOEM chapters) a citation text names, as (document id, chapter).

    The text is read with the letters' citation grammar; where several editions of a document
    share a title, the edition written in the citation decides, else the one in force on
    ``on`` (the UR date).
    """
    found: set[tuple[str, int | None]] = set()
    for citation in parse_citations(text):
        if not citation.family.is_mtus:
            continue
        candidates = [
            d
            for d in catalog.documents
            if d.family is citation.family and (d.title == citation.title or not citation.title)
        ]
        if citation.edition:
            candidates = [d for d in candidates if d.edition == citation.edition] or candidates
        if len(candidates) > 1 and on is not None:
            candidates = [d for d in candidates if d.in_force(on)] or candidates
        if not candidates:
            continue
        document = candidates[0]
        chapter = None
        if citation.chapter:
            match = next(
                (
                    c
                    for c in document.chapters
                    if citation.chapter in (c.title, c.letter_name)
                    or citation.chapter.endswith(c.title)
                ),
                None,
            )
            chapter = match.number if match is not None else None
        found.add((document.id, chapter))
    return found


def audit_claims_administrator(
    text: str | None,
    topic: Topic | None,
    selection: Selection | None,
    knowledge: KnowledgeBase,
    ur_date: date | None,
) -> list[AuditFinding]:
    """What is wrong with the basis the UR cited, always in the same order."""
    if not text or not text.strip():
        return []
    citations = parse_citations(text)
    if citations and all(c.family is GuidelineFamily.NONE for c in citations):
        return [
            AuditFinding(
                code="ur_no_evidence_cited",
                severity="warning",
                message="The claims administrator cited no medical evidence for its decision.",
            )
        ]
    cited = cited_mtus_documents(text, knowledge.sources, ur_date)
    findings: list[AuditFinding] = []
    relies_outside = bool(citations) and not any(c.family.is_mtus for c in citations)
    if selection is not None and relies_outside:
        findings.append(_reliance_finding(selection))
    if topic is not None and cited:
        findings += _coverage_findings(topic, cited, knowledge)
    if ur_date is not None:
        findings += _superseded_findings(cited, knowledge, ur_date)
    return findings


def _reliance_finding(selection: Selection) -> AuditFinding:
    """The UR relied on a guideline outside the MTUS: wrong where the MTUS addresses it."""
    if selection.mtus_addresses:
        return AuditFinding(
            code="ur_non_mtus_although_mtus_addresses",
            severity="warning",
            message=(
                "The claims administrator relied on a non-MTUS guideline although the "
                f"MTUS addresses this request ({selection.document.title}); the MTUS is "
                "presumed correct and must be searched first (8 CCR 9792.21.1)."
            ),
        )
    return AuditFinding(
        code="ur_non_mtus_appropriate",
        severity="info",
        message=(
            "The MTUS does not address this request; relying on another guideline was appropriate."
        ),
    )


def _coverage_findings(
    topic: Topic, cited: set[tuple[str, int | None]], knowledge: KnowledgeBase
) -> list[AuditFinding]:
    """The UR cited MTUS documents or chapters, none of which the topic's guidance cites."""
    covering = _covering(topic)
    covering_documents = {d for d, _c in covering}
    relevant = [
        (d, c)
        for d, c in cited
        if d in covering_documents and (c is None or (d, c) in covering or (d, None) in covering)
    ]
    if relevant:
        return []
    names = ", ".join(
        sorted(
            f"{knowledge.sources.document(d).title}" + (f" chapter {c}" if c is not None else "")
            for d, c in cited
        )
    )
    return [
        AuditFinding(
            code="ur_citation_does_not_cover_request",
            severity="warning",
            message=(
                f"The claims administrator cited {names}, which does not address "
                f"{topic.title.lower()} for the body part requested."
            ),
        )
    ]


def _covering(topic: Topic) -> set[tuple[str, int | None]]:
    """Documents (and chapters) the topic's guidance cites, in any edition."""
    covering: set[tuple[str, int | None]] = set()
    for guidance in topic.guidance:
        for variants in (guidance.cites, *guidance.also_cite):
            for document_id, cite in variants.items():
                chapter = cite.chapter if isinstance(cite.chapter, int) else None
                covering.add((document_id, chapter))
    return covering


def _superseded_findings(
    cited: set[tuple[str, int | None]], knowledge: KnowledgeBase, ur_date: date
) -> list[AuditFinding]:
    """Cited documents no longer in force on the UR date, in document order."""
    findings: list[AuditFinding] = []
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
