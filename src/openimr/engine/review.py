"""Reviewing a case: case file -> facts -> guideline selection -> criteria -> determination.

``review`` is a pure function of the case file and the bundled knowledge: the same case file
always gives the same determination, byte for byte.
"""

from __future__ import annotations

import gc

from openimr.casefile import CaseFile
from openimr.domain import (
    CriterionResult,
    Decision,
    Determination,
    Evidence,
    Flag,
    GuidelineCitation,
    GuidelineFamily,
    ItemDetermination,
)
from openimr.engine.confidence import calibrated
from openimr.engine.criteria import Situation
from openimr.engine.decide import judge
from openimr.engine.normalize import NormalizedItem, normalize_request
from openimr.engine.select import Selection, choose_edition, select_guidance
from openimr.engine.summary import SUMMARY_CONCEPTS, compose_summary
from openimr.engine.ur_citation import audit_claims_administrator
from openimr.facts.clinical_facts import ClinicalFacts
from openimr.facts.extract import FactExtractor
from openimr.knowledge.checks import names_used
from openimr.knowledge.sources import Edition
from openimr.knowledge.topics import KnowledgeBase, Topic, default_knowledge_base

ENGINE_VERSION = "openimr-engine/0.1"


class ReviewEngine:
    """Holds the knowledge base and the fact extractor; reuse it to review many cases."""

    def __init__(
        self, knowledge: KnowledgeBase | None = None, extractor: FactExtractor | None = None
    ) -> None:
        self.knowledge = knowledge or default_knowledge_base()
        self.extractor = extractor or FactExtractor()
        self._topic_concepts: dict[str, frozenset[str]] = {}

    def review(self, case: CaseFile) -> Determination:
        prepared = self.extractor.prepare(case)
        record_dates = [r.date for r in case.records if r.date]
        edition, edition_choice, edition_flag = choose_edition(
            self.knowledge, case.ur_decision_date, max(record_dates) if record_dates else None
        )
        fallback = prepared.main_regions()
        normalized = [
            normalize_request(item.request, self.knowledge, self.extractor.vocabulary, fallback)
            for item in case.disputed_items
        ]
        wanted = set(SUMMARY_CONCEPTS)
        for norm in normalized:
            if norm.topic is not None:
                wanted |= self._concepts_of(norm.topic)
        facts = self.extractor.extract(case, frozenset(wanted), prepared)
        # operations first: a service tied to an operation is judged against its decision
        order = sorted(range(len(normalized)), key=lambda i: not _is_procedure(normalized[i]))
        decided: dict[int, ItemDetermination] = {}
        for index in order:
            context = _procedure_context(decided, normalized)
            decided[index] = self._item(
                case, index, normalized[index], facts, edition, edition_flag, context
            )
        items = _follow_procedures([decided[i] for i in range(len(normalized))], normalized)
        items = _paged(calibrated(items), case)
        return Determination(
            case_id=case.case_id,
            source="engine",
            program=case.program,
            priority="expedited" if case.review_type == "expedited" else "standard",
            date_of_injury=case.claimant.date_of_injury or facts.injury_date,
            ur_decision_date=case.ur_decision_date,
            guideline_edition=edition_choice,
            clinical_case_summary=compose_summary(case, facts, normalized),
            items=items,
            engine_version=ENGINE_VERSION,
        )

    def _concepts_of(self, topic: Topic) -> frozenset[str]:
        """Concepts a topic's criteria ask about, read up front for speed."""
        cached = self._topic_concepts.get(topic.id)
        if cached is None:
            names: set[str] = set()
            for guidance in topic.guidance:
                checks = [c.check for c in guidance.criteria]
                if guidance.when is not None:
                    checks.append(guidance.when)
                for check in checks:
                    names |= {
                        arg for name, arg in names_used(check) if name in {"finding", "absent"}
                    }
            cached = frozenset(names)
            self._topic_concepts[topic.id] = cached
        return cached

    def _item(
        self,
        case: CaseFile,
        index: int,
        norm: NormalizedItem,
        facts: ClinicalFacts,
        edition: Edition,
        edition_flag: str | None,
        procedure: tuple[bool | None, str | None] = (None, None),
    ) -> ItemDetermination:
        disputed = case.disputed_items[index]
        label = norm.request.reviewed_text.rstrip(". ")
        flags = _request_flags(norm, edition_flag)
        topic = norm.topic
        if topic is None:
            flags.append(_unmapped_flag())
            return self._unguided(case, index, norm, label, flags)
        situation = self._situation(norm, topic, facts, procedure)
        selection = _guidance_in_force(topic, edition, facts, situation)
        if selection is None:
            flags.append(_no_guidance_flag(topic, edition))
            return self._unguided(case, index, norm, label, flags)
        if topic.match.priority < 0:
            flags.append(_general_guidance_flag(topic))
        judgement = judge(selection, situation, label)
        return ItemDetermination(
            request=disputed.request,
            ur_modification=norm.ur_modification,
            normalized=norm.request,
            decision=judgement.decision,
            guideline=selection.citation,
            additional_guidelines=list(selection.also),
            claims_administrator_guideline=disputed.claims_administrator_guideline,
            criteria=judgement.criteria,
            rationale=judgement.rationale,
            flags=flags + judgement.flags,
            claims_administrator_audit=audit_claims_administrator(
                disputed.claims_administrator_guideline,
                topic,
                selection,
                self.knowledge,
                case.ur_decision_date,
            ),
        )

    def _situation(
        self,
        norm: NormalizedItem,
        topic: Topic,
        facts: ClinicalFacts,
        procedure: tuple[bool | None, str | None],
    ) -> Situation:
        """What the criteria are asked in; a service tied to an operation sees its decision."""
        return Situation(
            facts=facts,
            request=norm.request,
            topic=topic,
            knowledge=self.knowledge,
            authorized_quantity=norm.authorized_quantity,
            procedure_necessary=procedure[0] if topic.follows_procedure else None,
            procedure_label=procedure[1] if topic.follows_procedure else None,
        )

    def _unguided(
        self,
        case: CaseFile,
        index: int,
        norm: NormalizedItem,
        label: str,
        flags: list[Flag],
    ) -> ItemDetermination:
        """An item no guidance in force addresses: upheld, for the physician to decide."""
        disputed = case.disputed_items[index]
        return ItemDetermination(
            request=disputed.request,
            ur_modification=norm.ur_modification,
            normalized=norm.request,
            decision=Decision.UPHELD,
            guideline=GuidelineCitation(family=GuidelineFamily.NONE),
            claims_administrator_guideline=disputed.claims_administrator_guideline,
            criteria=[],
            rationale=(
                f"No guideline topic known to OpenIMR addresses the request for {label}. "
                "Without a guideline showing medical necessity, the proposal is to uphold; "
                "the reviewer must search the MTUS and other evidence and decide."
            ),
            flags=flags,
            claims_administrator_audit=audit_claims_administrator(
                disputed.claims_administrator_guideline,
                None,
                None,
                self.knowledge,
                case.ur_decision_date,
            ),
        )


def _guidance_in_force(
    topic: Topic, edition: Edition, facts: ClinicalFacts, situation: Situation
) -> Selection | None:
    try:
        return select_guidance(topic, edition, facts.reference_date, situation)
    except LookupError:
        return None


def _request_flags(norm: NormalizedItem, edition_flag: str | None) -> list[Flag]:
    """What the physician should know about how the edition and the request were read."""
    flags: list[Flag] = []
    if edition_flag:
        flags.append(Flag(code="edition", message=edition_flag))
    if norm.region_inferred:
        flags.append(
            Flag(
                code="region_inferred",
                message="The request names no body part; "
                f"read as {', '.join(norm.request.body_regions)} from the records.",
            )
        )
    if norm.request.retrospective:
        flags.append(
            Flag(
                code="retrospective",
                message=("Retrospective request: judge on the records before the date of service."),
            )
        )
    return flags


def _unmapped_flag() -> Flag:
    return Flag(
        code="unmapped",
        message="No guideline topic in the knowledge base matches this request; "
        "the physician must choose the guideline and decide.",
    )


def _no_guidance_flag(topic: Topic, edition: Edition) -> Flag:
    return Flag(
        code="no_guidance_in_edition",
        message=f"The knowledge base has no guidance on "
        f"{topic.title.lower()} in force in {edition.id}; the physician "
        "must choose the guideline and decide.",
    )


def _general_guidance_flag(topic: Topic) -> Flag:
    return Flag(
        code="general_guidance",
        message="No guideline topic addresses this request specifically; the "
        f"general guidance for {topic.title.lower()} was applied. Confirm the "
        "guideline and the criteria before signing.",
    )


def _is_procedure(norm: NormalizedItem) -> bool:
    return norm.topic is not None and norm.topic.procedure


def _procedure_context(
    decided: dict[int, ItemDetermination], normalized: list[NormalizedItem]
) -> tuple[bool | None, str | None]:
    """The decision on the operations disputed in this review: not necessary if any is not."""
    procedures = [
        (decided[i], normalized[i]) for i in sorted(decided) if _is_procedure(normalized[i])
    ]
    if not procedures:
        return None, None
    upheld = [(item, norm) for item, norm in procedures if item.decision is Decision.UPHELD]
    _item, norm = (upheld or procedures)[0]
    return not upheld, norm.request.reviewed_text.rstrip(". ")


def _follow_procedures(
    items: list[ItemDetermination], normalized: list[NormalizedItem]
) -> list[ItemDetermination]:
    """Services tied to a procedure (clearance, assistant, post-op care) follow its decision."""
    procedures = [
        (item, norm)
        for item, norm in zip(items, normalized, strict=True)
        if norm.topic is not None and norm.topic.procedure
    ]
    if not procedures:
        return items
    upheld = [(item, norm) for item, norm in procedures if item.decision is Decision.UPHELD]
    out = []
    for item, norm in zip(items, normalized, strict=True):
        if norm.topic is None or not norm.topic.follows_procedure or not upheld:
            out.append(item)
            continue
        _procedure_item, procedure_norm = upheld[0]
        procedure_label = procedure_norm.request.reviewed_text.rstrip(". ")
        criterion = CriterionResult(
            id="procedure_certified",
            text="The procedure this service supports is medically necessary.",
            met=False,
            required=True,
            finding=f"the request for {procedure_label} is not medically necessary",
            evidence=[],
        )
        label = norm.request.reviewed_text.rstrip(". ")
        out.append(
            item.model_copy(
                update={
                    "decision": Decision.UPHELD,
                    "guideline": GuidelineCitation(family=GuidelineFamily.NONE),
                    "additional_guidelines": [],
                    "criteria": [criterion],
                    "rationale": (
                        f"The request for {label} is a service associated with {procedure_label}. "
                        f"Because {procedure_label} was found not medically necessary in this "
                        f"review, the associated request for {label} is not medically necessary "
                        "either."
                    ),
                    "flags": [
                        *item.flags,
                        Flag(
                            code="follows_procedure",
                            message=f"Decision follows the decision on {procedure_label}.",
                        ),
                    ],
                }
            )
        )
    return out


_default_engine: ReviewEngine | None = None


def settle_process() -> None:
    """Collect garbage, then exempt what exists now (the knowledge base, the vocabulary, the
    language pipeline) from future garbage collections: they live as long as the process, and
    re-scanning them made reviews pause unpredictably."""
    gc.collect()
    gc.freeze()


def default_engine() -> ReviewEngine:
    """The process's engine on the bundled knowledge, loaded on first use."""
    global _default_engine
    if _default_engine is None:
        _default_engine = ReviewEngine()
        settle_process()
    return _default_engine


def _paged(items: list[ItemDetermination], case: CaseFile) -> list[ItemDetermination]:
    """Each quote's page, read from its record's page map, so the reviewer can find it.

    Done once here rather than by every criterion: evidence everywhere is a record index and
    a span, and only records read from a document have pages.
    """
    if all(record.source is None for record in case.records):
        return items

    def page_of(evidence: Evidence) -> Evidence:
        if not 0 <= evidence.record_index < len(case.records):
            return evidence
        source = case.records[evidence.record_index].source
        page = source.page_of(evidence.start) if source is not None else None
        return evidence if page is None else evidence.model_copy(update={"page": page})

    return [
        item.model_copy(
            update={
                "criteria": [
                    criterion.model_copy(
                        update={"evidence": [page_of(e) for e in criterion.evidence]}
                    )
                    for criterion in item.criteria
                ]
            }
        )
        for item in items
    ]


def review(case: CaseFile) -> Determination:
    """Propose a determination for every disputed item of a case (uses the bundled knowledge)."""
    return default_engine().review(case)
