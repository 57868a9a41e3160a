"""Mentions in the records of what the engine reasons about, each qualified by ConText.

Patterns run only on the sentences that hold one of their literals (the prefilter), for
speed.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from openimr.domain import Evidence
from openimr.facts.context import ContextAnnotator, Modifiers, Target
from openimr.facts.prefilter import LiteralIndex
from openimr.facts.text import Sentence
from openimr.facts.vocabulary import Vocabulary

NO_MODIFIERS = Modifiers()


@dataclass(frozen=True, slots=True)
class Mention:
    """One mention in a record of something the engine reasons about."""

    kind: str  # concept | treatment | drug | modality | region
    key: str
    record_index: int
    start: int
    end: int
    text: str
    sentence: Sentence
    modifiers: Modifiers = NO_MODIFIERS
    absent: bool = False  # words that state the concept is absent ("sensation intact")

    def evidence(self) -> Evidence:
        return Evidence(
            record_index=self.record_index, start=self.start, end=self.end, quote=self.text
        )

    def sentence_evidence(self) -> Evidence:
        s = self.sentence
        return Evidence(record_index=s.record_index, start=s.start, end=s.end, quote=s.text)


@dataclass
class PreparedRecord:
    """A record split into sentences, with the sentences each literal occurs in."""

    index: int
    text: str
    lowered: str
    sentences: list[Sentence]
    starts: list[int]
    hits: dict[str, set[int]]

    def sentence_at(self, position: int) -> Sentence:
        index = bisect.bisect_right(self.starts, position) - 1
        return self.sentences[index if index > 0 else 0]


def semicolon_parts(mention: Mention) -> tuple[list[str], int, int]:
    """A mention's sentence split at its semicolons, the part the mention stands in, and
    where in that part it starts: a list of findings and plans ("failed NSAIDs; new trial of
    tramadol") says each thing's status in its own part."""
    text = mention.sentence.text
    at = mention.start - mention.sentence.start
    parts = text.split(";")
    index = text.count(";", 0, at)
    return parts, index, at - sum(len(part) + 1 for part in parts[:index])


def unique_evidence(items: Iterable[Evidence]) -> list[Evidence]:
    """Evidence in order of first appearance, each span once."""
    seen: set[tuple[int, int, int]] = set()
    out = []
    for item in items:
        key = (item.record_index, item.start, item.end)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def base_mentions(
    record: PreparedRecord, vocabulary: Vocabulary, literal_index: LiteralIndex
) -> list[Mention]:
    """Treatments, imaging modalities, body regions and drugs, which every review reads."""
    if not record.sentences:
        return []
    found: list[Mention] = []
    for terms, kind in (
        (vocabulary.treatments, "treatment"),
        (vocabulary.modalities, "modality"),
        (vocabulary.regions, "region"),
    ):
        for key, term in terms.items():
            found += _scan(record, kind, key, term.pattern, literal_index)
    for start, end, entry in vocabulary.drug_index.find(record.lowered):
        found.append(
            Mention(
                "drug",
                entry.generic,
                record.index,
                start,
                end,
                record.text[start:end],
                record.sentence_at(start),
            )
        )
    return found


def concept_mentions(
    record: PreparedRecord,
    concepts: list[str],
    vocabulary: Vocabulary,
    literal_index: LiteralIndex,
) -> list[Mention]:
    """Mentions of these concepts, present or stated absent."""
    if not record.sentences:
        return []
    found: list[Mention] = []
    for key in concepts:
        concept = vocabulary.concepts[key]
        found += _scan(record, "concept", key, concept.pattern, literal_index)
        if concept.absent_pattern is not None:
            found += _scan(
                record, "concept", key, concept.absent_pattern, literal_index, absent=True
            )
    return _drop_contained_absences(found)


def qualify(mentions: list[Mention], annotator: ContextAnnotator) -> list[Mention]:
    """Attach ConText modifiers to every mention that needs them."""
    needing = [
        m
        for m in mentions
        if m.kind in {"concept", "treatment", "drug", "modality"} and not m.absent
    ]
    targets = [Target(m.sentence, m.start, m.end) for m in needing]
    modifiers = annotator.annotate(targets)
    by_key = {
        (m.record_index, m.start, m.end, m.kind, m.key): mods
        for m, mods in zip(needing, modifiers, strict=True)
    }
    out = []
    for mention in mentions:
        mods = by_key.get(
            (mention.record_index, mention.start, mention.end, mention.kind, mention.key)
        )
        if mods is not None:
            mention = Mention(
                mention.kind,
                mention.key,
                mention.record_index,
                mention.start,
                mention.end,
                mention.text,
                mention.sentence,
                mods,
                mention.absent,
            )
        out.append(mention)
    return out


def _matches(
    record: PreparedRecord, pattern: re.Pattern[str], literal_index: LiteralIndex
) -> Iterator[re.Match[str]]:
    """Matches of a pattern, run only on sentences holding one of its literals."""
    literals = literal_index.literals(pattern)
    if literals is None:
        yield from pattern.finditer(record.text)
        return
    chosen: set[int] = set()
    for literal in literals:
        found = record.hits.get(literal)
        if found:
            chosen |= found
    if not chosen:
        return
    sentences = record.sentences
    ordered = sorted(chosen)
    run_start = previous = ordered[0]
    for number in [*ordered[1:], None]:
        if number is not None and number == previous + 1:
            previous = number
            continue
        yield from pattern.finditer(
            record.text, sentences[run_start].start, sentences[previous].end
        )
        if number is not None:
            run_start = previous = number


def _scan(
    record: PreparedRecord,
    kind: str,
    key: str,
    pattern: re.Pattern[str],
    literal_index: LiteralIndex,
    absent: bool = False,
) -> list[Mention]:
    return [
        Mention(
            kind,
            key,
            record.index,
            m.start(),
            m.end(),
            m.group(0),
            record.sentence_at(m.start()),
            absent=absent,
        )
        for m in _matches(record, pattern, literal_index)
    ]


def _drop_contained_absences(mentions: list[Mention]) -> list[Mention]:
    """A span that states absence ("strength 5/5") beats a presence match inside it."""
    absences = [m for m in mentions if m.absent]
    if not absences:
        return mentions
    out = []
    for mention in mentions:
        if (
            not mention.absent
            and mention.kind == "concept"
            and any(
                a.key == mention.key
                and a.record_index == mention.record_index
                and a.start <= mention.start
                and mention.end <= a.end
                for a in absences
            )
        ):
            continue
        out.append(mention)
    return out
