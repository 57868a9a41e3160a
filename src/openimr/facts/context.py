"""Negation, history, hypotheticals and other people around a mention, by medSpaCy's ConText.

ConText runs on a blank spaCy pipeline (no model download, works offline). Only the
sentences that contain a mention are handed to it, which keeps long records fast.
The default ConText rules are extended with the language of requests and plans ("was
requested", "would consider", "non-certified"): a treatment that is asked for has not been
received yet.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from openimr.facts.text import Sentence


def _rules_data() -> dict[str, Any]:
    import yaml

    path = Path(__file__).parent / "data" / "context_rules.yaml"
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def _extra_rules() -> tuple[tuple[str, str, str], ...]:
    """The project's ConText rules (``facts/data/context_rules.yaml``)."""
    data = _rules_data()
    return tuple((r["literal"], r["category"], r["direction"]) for r in data["rules"])


def _dropped_defaults() -> frozenset[str]:
    """Default ConText phrases that mean something else in these records."""
    return frozenset(p.lower() for p in _rules_data().get("dropped_defaults", ()))


#: Sentences per ConText document (bounds the modifier-by-target comparisons).
_BATCH_SENTENCES = 12

_CATEGORY_TO_FLAG = {
    "NEGATED_EXISTENCE": "negated",
    "HISTORICAL": "historical",
    "HYPOTHETICAL": "hypothetical",
    "FAMILY": "family",
    "POSSIBLE_EXISTENCE": "possible",
}


def _phrase_alternatives(pattern: list[dict[str, Any]], limit: int = 400) -> list[str] | None:
    """All word sequences a simple token pattern matches, or None if it is not that simple."""
    options: list[list[str]] = [[]]
    for token in pattern:
        lower = token.get("LOWER")
        if set(token) - {"LOWER", "OP"} or lower is None:
            return None
        words = lower["IN"] if isinstance(lower, dict) and set(lower) == {"IN"} else [lower]
        if not all(isinstance(w, str) for w in words):
            return None
        choices = list(words) + ([""] if token.get("OP") == "?" else [])
        if token.get("OP") not in (None, "?"):
            return None
        options = [[*prefix, w] if w else prefix for prefix in options for w in choices]
        if len(options) > limit:
            return None
    return sorted({" ".join(o).strip() for o in options if any(o)})


def _as_phrases(rule: Any, rule_type: Any) -> list[Any]:
    """The default ConText rules as plain phrases: phrase matching is much faster than token
    patterns, and every default pattern is a small set of word sequences."""
    if rule.pattern is None:
        return [rule]
    phrases = _phrase_alternatives(rule.pattern)
    if phrases is None:
        return [rule]
    return [
        rule_type(
            phrase,
            rule.category,
            direction=rule.direction,
            allowed_types=rule.allowed_types,
            excluded_types=rule.excluded_types,
            max_targets=rule.max_targets,
            max_scope=rule.max_scope,
            terminated_by=rule.terminated_by,
        )
        for phrase in phrases
    ]


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
            self._nlp,
            input_span_type="group",
            span_group_name="targets",
            max_scope=None,
            rules=None,
        )
        defaults = ConText(spacy.blank("en")).rules
        dropped = _dropped_defaults()
        self._context.add(
            [
                expanded
                for rule in defaults
                for expanded in _as_phrases(rule, ConTextRule)
                if expanded.literal.lower() not in dropped
            ]
        )
        self._context.add(
            [
                ConTextRule(literal, category, direction=direction)
                for literal, category, direction in _extra_rules()
            ]
        )

    def annotate(self, targets: Sequence[Target]) -> list[Modifiers]:
        """Modifiers for each target, in the same order.

        Sentences are processed in small batches: ConText compares every modifier with every
        target of a document, so one document per case would cost the square of its length.
        Sentences repeated word for word (copied-forward notes) are qualified once.
        """
        if not targets:
            return []
        by_sentence: dict[tuple[int, int, int], list[int]] = {}
        for position, target in enumerate(targets):
            key = (target.sentence.record_index, target.sentence.start, target.sentence.end)
            by_sentence.setdefault(key, []).append(position)
        results: list[Modifiers] = [Modifiers()] * len(targets)
        pending: list[tuple[str, tuple[tuple[int, int], ...], list[int]]] = []
        seen: dict[tuple[str, tuple[tuple[int, int], ...]], list[list[int]]] = {}
        for key in sorted(by_sentence):
            positions = by_sentence[key]
            sentence = targets[positions[0]].sentence
            spans = tuple(
                (targets[p].start - sentence.start, targets[p].end - sentence.start)
                for p in positions
            )
            text = sentence.text.replace("\n", " ")
            signature = (text, spans)
            if signature in seen:
                seen[signature].append(positions)
                continue
            seen[signature] = [positions]
            pending.append((text, spans, positions))
        for batch_start in range(0, len(pending), _BATCH_SENTENCES):
            batch = pending[batch_start : batch_start + _BATCH_SENTENCES]
            for (text, spans, _positions), modifiers in zip(
                batch, self._annotate_batch(batch), strict=True
            ):
                for positions in seen[(text, spans)]:
                    for position, modifier in zip(positions, modifiers, strict=True):
                        results[position] = modifier
        return results

    def _annotate_batch(
        self, batch: list[tuple[str, tuple[tuple[int, int], ...], list[int]]]
    ) -> list[list[Modifiers]]:
        from spacy.tokens import Span

        offsets = []
        position = 0
        for text, _spans, _positions in batch:
            offsets.append(position)
            position += len(text) + 1
        doc = self._nlp.make_doc("\n".join(text for text, _s, _p in batch))
        starts = set(offsets)
        for token in doc:
            token.is_sent_start = token.idx in starts or token.i == 0
        spans_per_sentence: list[list[Span | None]] = []
        group: list[Span] = []
        for (_text, spans, _positions), offset in zip(batch, offsets, strict=True):
            found = [
                doc.char_span(start + offset, end + offset, alignment_mode="expand")
                for start, end in spans
            ]
            spans_per_sentence.append(found)
            group.extend(span for span in found if span is not None)
        doc.spans["targets"] = group
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "matcher has no patterns": phrases only
            self._context(doc)
        flags_by_span: dict[tuple[int, int], dict[str, Any]] = {}
        for span in doc.spans["targets"]:
            flags: dict[str, Any] = {}
            for modifier in span._.modifiers:
                flag = _CATEGORY_TO_FLAG.get(modifier.category)
                trigger_start, trigger_end = modifier.modifier_span
                if flag == "negated" and span.start <= trigger_start and trigger_end <= span.end:
                    # the mention's own words ("did not help"): its meaning, not a negation of it
                    continue
                if flag:
                    flags[flag] = True
                if flag == "negated":
                    gap = (
                        span.start - trigger_end
                        if trigger_end <= span.start
                        else trigger_start - span.end
                    )
                    gap = max(gap, 0)
                    previous = flags.get("negation_distance")
                    flags["negation_distance"] = gap if previous is None else min(previous, gap)
            flags_by_span[(span.start, span.end)] = flags
        return [
            [
                Modifiers(**flags_by_span.get((s.start, s.end), {}))
                if s is not None
                else Modifiers()
                for s in found
            ]
            for found in spans_per_sentence
        ]


@cache
def default_annotator() -> ContextAnnotator:
    """One shared annotator per process (building the pipeline costs about a tenth of a second)."""
    return ContextAnnotator()
