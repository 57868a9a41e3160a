"""Negation, history, hypotheticals and other people around a mention, by medSpaCy's ConText.

ConText runs on a blank spaCy pipeline (no model download, works offline). Only the
sentences that contain a mention are handed to it, which keeps long records fast.
The default ConText rules are extended with the language of requests and plans ("was
requested", "would consider", "non-certified"): a treatment that is asked for has not been
received yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from openimr.facts.text import Sentence

# Extra rules: (literal, category, direction).
_EXTRA_RULES: tuple[tuple[str, str, str], ...] = (
    # requests and plans: the treatment has not happened yet
    ("request for", "HYPOTHETICAL", "FORWARD"),
    ("requests for", "HYPOTHETICAL", "FORWARD"),
    ("requested", "HYPOTHETICAL", "FORWARD"),
    ("requesting", "HYPOTHETICAL", "FORWARD"),
    ("request", "HYPOTHETICAL", "FORWARD"),
    ("rfa", "HYPOTHETICAL", "FORWARD"),
    ("authorization", "HYPOTHETICAL", "FORWARD"),
    ("non-certified", "HYPOTHETICAL", "FORWARD"),
    ("noncertified", "HYPOTHETICAL", "FORWARD"),
    ("non-certification", "HYPOTHETICAL", "FORWARD"),
    ("failed to approve", "HYPOTHETICAL", "FORWARD"),
    ("denied a request", "HYPOTHETICAL", "FORWARD"),
    ("recommended", "HYPOTHETICAL", "FORWARD"),
    ("recommends", "HYPOTHETICAL", "FORWARD"),
    ("recommending", "HYPOTHETICAL", "FORWARD"),
    ("plan", "HYPOTHETICAL", "FORWARD"),
    ("plans", "HYPOTHETICAL", "FORWARD"),
    ("planned", "HYPOTHETICAL", "FORWARD"),
    ("treatment plan", "HYPOTHETICAL", "FORWARD"),
    ("proposed", "HYPOTHETICAL", "FORWARD"),
    ("ordered", "HYPOTHETICAL", "FORWARD"),
    ("will", "HYPOTHETICAL", "FORWARD"),
    ("would", "HYPOTHETICAL", "FORWARD"),
    ("consider", "HYPOTHETICAL", "FORWARD"),
    ("considering", "HYPOTHETICAL", "FORWARD"),
    ("pursue", "HYPOTHETICAL", "FORWARD"),
    ("pursuit of", "HYPOTHETICAL", "FORWARD"),
    ("pending", "HYPOTHETICAL", "FORWARD"),
    ("scheduled", "HYPOTHETICAL", "FORWARD"),
    ("sought", "HYPOTHETICAL", "BACKWARD"),
    ("was requested", "HYPOTHETICAL", "BACKWARD"),
    ("were requested", "HYPOTHETICAL", "BACKWARD"),
    ("is requested", "HYPOTHETICAL", "BACKWARD"),
    ("are requested", "HYPOTHETICAL", "BACKWARD"),
    ("was recommended", "HYPOTHETICAL", "BACKWARD"),
    ("were recommended", "HYPOTHETICAL", "BACKWARD"),
    ("was proposed", "HYPOTHETICAL", "BACKWARD"),
    ("were proposed", "HYPOTHETICAL", "BACKWARD"),
    ("was ordered", "HYPOTHETICAL", "BACKWARD"),
    ("was denied", "HYPOTHETICAL", "BACKWARD"),
    ("were denied", "HYPOTHETICAL", "BACKWARD"),
    ("was non-certified", "HYPOTHETICAL", "BACKWARD"),
    ("were non-certified", "HYPOTHETICAL", "BACKWARD"),
    ("is pending", "HYPOTHETICAL", "BACKWARD"),
    # absence
    ("without", "NEGATED_EXISTENCE", "FORWARD"),
    ("denies", "NEGATED_EXISTENCE", "FORWARD"),
    ("denied any", "NEGATED_EXISTENCE", "FORWARD"),
    ("negative", "NEGATED_EXISTENCE", "FORWARD"),
    ("failed to provide", "NEGATED_EXISTENCE", "FORWARD"),
    ("failed to document", "NEGATED_EXISTENCE", "FORWARD"),
    ("no documentation of", "NEGATED_EXISTENCE", "FORWARD"),
    ("no evidence of", "NEGATED_EXISTENCE", "FORWARD"),
    ("not documented", "NEGATED_EXISTENCE", "BACKWARD"),
    ("was not noted", "NEGATED_EXISTENCE", "BACKWARD"),
    ("were not noted", "NEGATED_EXISTENCE", "BACKWARD"),
    ("is absent", "NEGATED_EXISTENCE", "BACKWARD"),
    ("was absent", "NEGATED_EXISTENCE", "BACKWARD"),
    ("were absent", "NEGATED_EXISTENCE", "BACKWARD"),
    ("not present", "NEGATED_EXISTENCE", "BACKWARD"),
    # uncertainty
    ("rule out", "POSSIBLE_EXISTENCE", "FORWARD"),
    ("r/o", "POSSIBLE_EXISTENCE", "FORWARD"),
    ("suspected", "POSSIBLE_EXISTENCE", "FORWARD"),
    ("questionable", "POSSIBLE_EXISTENCE", "FORWARD"),
    ("possible", "POSSIBLE_EXISTENCE", "FORWARD"),
    ("probable", "POSSIBLE_EXISTENCE", "FORWARD"),
    # scope ends
    ("however", "TERMINATE", "TERMINATE"),
    ("although", "TERMINATE", "TERMINATE"),
    ("but", "TERMINATE", "TERMINATE"),
    ("which", "TERMINATE", "TERMINATE"),
    ("while", "TERMINATE", "TERMINATE"),
    ("and was", "TERMINATE", "TERMINATE"),
)

_CATEGORY_TO_FLAG = {
    "NEGATED_EXISTENCE": "negated",
    "HISTORICAL": "historical",
    "HYPOTHETICAL": "hypothetical",
    "FAMILY": "family",
    "POSSIBLE_EXISTENCE": "possible",
}


@dataclass(frozen=True, slots=True)
class Target:
    """A mention to qualify: its character span within a sentence's record."""

    sentence: Sentence
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Modifiers:
    negated: bool = False
    historical: bool = False
    hypothetical: bool = False
    family: bool = False
    possible: bool = False
    #: tokens between the closest negation trigger and the mention (None when not negated)
    negation_distance: int | None = None

    def as_set(self) -> frozenset[str]:
        return frozenset(name for name in _CATEGORY_TO_FLAG.values() if getattr(self, name))


class ContextAnnotator:
    """Wraps one spaCy pipeline with ConText; build once, reuse for every case."""

    def __init__(self) -> None:
        import spacy
        from medspacy.context import ConText, ConTextRule

        self._nlp = spacy.blank("en")
        self._context = ConText(
            self._nlp, input_span_type="group", span_group_name="targets", max_scope=None
        )
        self._context.add(
            [
                ConTextRule(literal, category, direction=direction)
                for literal, category, direction in _EXTRA_RULES
            ]
        )

    def annotate(self, targets: Sequence[Target]) -> list[Modifiers]:
        """Modifiers for each target, in the same order."""
        if not targets:
            return []
        from spacy.tokens import Span

        sentences: dict[tuple[int, int, int], Sentence] = {}
        for target in targets:
            key = (target.sentence.record_index, target.sentence.start, target.sentence.end)
            sentences.setdefault(key, target.sentence)
        ordered = sorted(sentences)
        offsets: dict[tuple[int, int, int], int] = {}
        parts: list[str] = []
        position = 0
        for key in ordered:
            offsets[key] = position
            text = sentences[key].text.replace("\n", " ")
            parts.append(text)
            position += len(text) + 1
        doc = self._nlp.make_doc("\n".join(parts))
        starts = {offsets[key] for key in ordered}
        for token in doc:
            token.is_sent_start = token.idx in starts or token.i == 0
        spans: list[Span | None] = []
        for target in targets:
            key = (target.sentence.record_index, target.sentence.start, target.sentence.end)
            base = offsets[key] - target.sentence.start
            span = doc.char_span(target.start + base, target.end + base, alignment_mode="expand")
            spans.append(span)
        doc.spans["targets"] = [s for s in spans if s is not None]
        self._context(doc)
        flags_by_span: dict[tuple[int, int], dict[str, Any]] = {}
        for span in doc.spans["targets"]:
            flags: dict[str, Any] = {}
            for modifier in span._.modifiers:
                flag = _CATEGORY_TO_FLAG.get(modifier.category)
                if flag:
                    flags[flag] = True
                if flag == "negated":
                    trigger_start, trigger_end = modifier.modifier_span
                    gap = span.start - trigger_end if trigger_end <= span.start else trigger_start - span.end
                    gap = max(gap, 0)
                    previous = flags.get("negation_distance")
                    flags["negation_distance"] = gap if previous is None else min(previous, gap)
            flags_by_span[(span.start, span.end)] = flags
        return [
            Modifiers(**flags_by_span.get((s.start, s.end), {})) if s is not None else Modifiers()
            for s in spans
        ]


@cache
def default_annotator() -> ContextAnnotator:
    """One shared annotator per process (building the pipeline costs about a tenth of a second)."""
    return ContextAnnotator()
