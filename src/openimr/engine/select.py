"""Guideline selection: the MTUS edition in force, then the Medical Evidence Search Sequence.

8 CCR 9792.21.1: search the MTUS first; only where it does not address the condition go to
ODG or another evidence-based guideline. The edition is the one in force on the date of the
request (or of the UR decision).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from openimr.domain import EditionChoice, GuidelineCitation, GuidelineFamily
from openimr.engine.criteria import Situation, evaluate
from openimr.knowledge.sources import Document, Edition
from openimr.knowledge.topics import Cite, GuidanceSpec, KnowledgeBase, Topic


@dataclass(frozen=True)
class Selection:
    guidance: GuidanceSpec
    document: Document
    citation: GuidelineCitation
    also: tuple[GuidelineCitation, ...]
    mtus_addresses: bool
    search_note: str


def choose_edition(
    knowledge: KnowledgeBase, ur_decision_date: date | None, latest_record_date: date | None
) -> tuple[Edition, EditionChoice, str | None]:
    """The MTUS edition for the case, why, and a flag message when the choice is uncertain."""
    catalog = knowledge.sources
    reference = ur_decision_date or latest_record_date
    flag = None
    if reference is None:
        edition = catalog.latest_edition()
        reason = (
            "No UR decision date or record date in the case file; applied the current "
            f"edition, {edition.name}."
        )
        return (
            edition,
            _choice(edition, None, reason),
            ("No date in the case file: confirm which MTUS edition applies."),
        )
    edition = catalog.edition_on(reference)
    if edition is None:
        edition = min(catalog.editions, key=lambda e: e.effective_from)
        flag = f"{reference} is before the first MTUS edition known here; applied {edition.id}."
    basis = "UR decision" if ur_decision_date else "latest record"
    reason = f"The {basis} date {reference.isoformat()} falls within {edition.name}"
    reason += f", in force from {edition.effective_from.isoformat()}" + (
        f" to {edition.effective_to.isoformat()}." if edition.effective_to else "."
    )
    if edition.date_confidence == "approximate":
        reason += " The start date of this edition is approximate."
        if 0 <= (reference - edition.effective_from).days < 45:
            flag = (
                f"The {basis} date is close to the approximate start of {edition.id}: "
                "confirm the edition in force."
            )
    return edition, _choice(edition, reference, reason), flag


def _choice(edition: Edition, reference: date | None, reason: str) -> EditionChoice:
    return EditionChoice(
        edition=edition.id,
        effective_from=edition.effective_from,
        effective_to=edition.effective_to,
        reference_date=reference,
        reason=reason,
    )


def citation_for(knowledge: KnowledgeBase, document_id: str, cite: Cite) -> GuidelineCitation:
    """The structured citation of a place in a document."""
    document = knowledge.sources.document(document_id)
    chapter = None
    if isinstance(cite.chapter, int):
        found = document.chapter(cite.chapter)
        chapter = f"Chapter {cite.chapter} {found.title}" if found else f"Chapter {cite.chapter}"
    elif isinstance(cite.chapter, str):
        chapter = cite.chapter
    return GuidelineCitation(
        family=document.family,
        title=document.title,
        chapter=chapter,
        sections=list(cite.sections),
        pages=cite.pages,
        edition=document.edition,
    )


def usable_document(
    knowledge: KnowledgeBase, cites: dict[str, Cite], edition: Edition, reference: date | None
) -> tuple[Document, Cite] | None:
    """The first document of a cites map that may be cited in this edition on this date."""
    for document_id, cite in cites.items():
        document = knowledge.sources.document(document_id)
        if document.family.is_mtus:
            if document.id not in edition.documents:
                continue
            if reference is not None and not document.in_force(reference):
                continue
        return document, cite
    return None


def select_guidance(
    topic: Topic, edition: Edition, reference: date | None, situation: Situation
) -> Selection:
    """The guidance to decide on: MTUS in force first, other guidelines only where it is silent."""
    knowledge = situation.knowledge
    ranked: list[tuple[int, int, GuidanceSpec, Document, Cite]] = []
    mtus_any = False
    for order, guidance in enumerate(topic.guidance):
        usable = usable_document(knowledge, guidance.cites, edition, reference)
        if usable is None:
            continue
        document, cite = usable
        is_mtus = document.family.is_mtus
        if guidance.recommendation == "not_addressed":
            continue
        if is_mtus:
            mtus_any = True
        applies = True if guidance.when is None else evaluate(guidance.when, situation).value
        if applies is False:
            continue
        rank = (0 if is_mtus else 2) + (0 if applies else 1)
        ranked.append((rank, order, guidance, document, cite))
    if not ranked:
        raise LookupError(f"no guidance for topic {topic.id} in edition {edition.id}")
    ranked.sort(key=lambda r: (r[0], r[1]))
    _rank, _order, guidance, document, cite = ranked[0]
    citation = citation_for(knowledge, document.id, cite)
    also = []
    for variants in guidance.also_cite:
        usable = usable_document(knowledge, variants, edition, reference)
        if usable is not None:
            also.append(citation_for(knowledge, usable[0].id, usable[1]))
    if document.family.is_mtus:
        note = f"The MTUS addresses this request ({document.title}); it was applied first."
    elif mtus_any:
        note = (
            "The MTUS addresses the topic only in circumstances that do not apply here; "
            f"{document.title} was consulted next, following the Medical Evidence Search Sequence."
        )
    else:
        note = (
            f"The MTUS does not address this request, so {document.title} was consulted, "
            "following the Medical Evidence Search Sequence (8 CCR 9792.21.1)."
        )
    return Selection(guidance, document, citation, tuple(also), document.family.is_mtus, note)


NO_CITATION = GuidelineCitation(family=GuidelineFamily.NONE)
