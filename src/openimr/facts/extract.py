"""Clinical facts read from a case's records, each kept with the words that show it.

The extractor finds mentions of concepts, treatments, drugs and imaging with the compiled
vocabulary, qualifies each mention with ConText (negated, historical, hypothetical, family,
possible), and answers the questions criteria ask: is a finding documented present, absent,
or not at all; how many sessions of a treatment were given; which drugs are in use; what
imaging was done.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from openimr.casefile import CaseFile
from openimr.domain import Evidence
from openimr.facts.context import ContextAnnotator, Modifiers, Target, default_annotator
from openimr.facts.prefilter import LiteralIndex
from openimr.facts.text import NUMBER_PATTERN, Sentence, find_dates, parse_number, split_sentences
from openimr.facts.vocabulary import Vocabulary, load_vocabulary

NUMBER = NUMBER_PATTERN

_COUNT_BEFORE = re.compile(
    rf"(?<![\w/.-])(?P<n>{NUMBER})(?:/(?P<of>\d{{1,3}}))?\s+(?:[\w-]+\s+){{0,3}}?"
    r"(?P<unit>sessions?|visits?|treatments?|reports?|appointments?)\b",
    re.IGNORECASE,
)
_FREQUENCY = re.compile(
    rf"(?P<f>{NUMBER})\s*(?:x|times)\s*(?:a|per|/)?\s*(?:week|wk)?\s*(?:for|x)\s*(?P<w>{NUMBER})\s*(?:weeks?|wks?)",
    re.IGNORECASE,
)
_AGE = re.compile(r"\b(?P<age>\d{2})[- ](?:year|yr)s?[- ]old\b", re.IGNORECASE)
_INJURY_DATE_CUE = re.compile(
    r"(?:industrial injury|date of injury|injury|injured|DOI)\W{0,3}(?:\w+\W+){0,3}$", re.IGNORECASE
)
_SEX = re.compile(r"\b(?P<sex>male|female|man|woman)\b", re.IGNORECASE)


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


@dataclass(frozen=True, slots=True)
class Finding:
    """A tri-state answer with its evidence: True present, False documented absent, None silent."""

    value: bool | None
    evidence: tuple[Evidence, ...] = ()
    note: str | None = None


@dataclass(frozen=True, slots=True)
class SessionCount:
    count: int | None
    extensive: bool
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True, slots=True)
class MedicationUse:
    generic: str
    drug_class: str
    prior_use: bool
    newly_prescribed: bool
    requested_only: bool
    stopped: bool
    evidence: tuple[Evidence, ...]


@dataclass
class _PreparedRecord:
    index: int
    text: str
    lowered: str
    sentences: list[Sentence]
    starts: list[int]
    hits: dict[str, set[int]]

    def sentence_at(self, position: int) -> Sentence:
        index = bisect.bisect_right(self.starts, position) - 1
        return self.sentences[index if index > 0 else 0]


@dataclass
class PreparedCase:
    """Records split into sentences, with literal hits and the mentions every review needs."""

    records: list[_PreparedRecord]
    base: list[Mention]

    def main_regions(self) -> tuple[str, ...]:
        """Body regions the records talk about most, most mentioned first."""
        counts: dict[str, int] = {}
        for mention in self.base:
            if mention.kind == "region" and mention.key not in {
                "upper_extremity",
                "lower_extremity",
            }:
                counts[mention.key] = counts.get(mention.key, 0) + 1
        return tuple(key for key, _n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


@dataclass
class ClinicalFacts:
    """Everything read from one case's records."""

    vocabulary: Vocabulary
    record_order: list[int]
    record_dates: list[date | None]
    injury_date: date | None
    reference_date: date | None
    age: int | None
    sex: str | None
    mentions: dict[tuple[str, str], list[Mention]] = field(default_factory=dict)
    session_counts: dict[str, SessionCount] = field(default_factory=dict)
    medications: dict[str, MedicationUse] = field(default_factory=dict)
    injury_date_evidence: Evidence | None = None
    age_evidence: Evidence | None = None
    concepts_read: set[str] = field(default_factory=set)
    reader: Any = None  # reads a concept that was not read up front
    region_spans: dict[int, dict[str, list[tuple[int, int]]]] = field(default_factory=dict)
    #: each sentence's predecessor in its record, keyed by (record index, sentence start)
    previous_sentence: dict[tuple[int, int], Sentence] = field(default_factory=dict)

    def is_request(self, sentence: Sentence) -> bool:
        """A sentence that asks for, plans or decides on care rather than reporting care
        given, or a verbless fragment that carries on the plan of the sentence before it."""
        vocab = self.vocabulary
        if vocab.says("request_or_plan", sentence.text):
            return True
        if not vocab.says("verbless_continuation", sentence.text.strip()):
            return False
        before = self.previous_sentence.get((sentence.record_index, sentence.start))
        return before is not None and vocab.says("request_or_plan", before.text)

    # -- time ---------------------------------------------------------------------------
    @property
    def weeks_since_injury(self) -> float | None:
        if self.injury_date and self.reference_date:
            return (self.reference_date - self.injury_date).days / 7.0
        return None

    # -- concepts -----------------------------------------------------------------------
    def of(self, kind: str, key: str) -> list[Mention]:
        return self.mentions.get((kind, key), [])

    def _order(self, mention: Mention) -> tuple[int, int]:
        return (self.record_order.index(mention.record_index), mention.start)

    def finding(self, concept: str, regions: tuple[str, ...] = ()) -> Finding:
        """Is the concept documented present (True), documented absent (False), or silent?

        ``regions`` (the request's body regions) scope a regional concept: a mention whose
        clause is about another body part does not count. Evidence is the clause that states
        the finding.
        """
        spec = self.vocabulary.concepts[concept]
        if concept not in self.concepts_read and self.reader is not None:
            self.reader(concept)
        allowed = self.vocabulary.regions_bearing_on(regions) if spec.regional and regions else None
        present: list[Mention] = []
        absent: list[Mention] = []
        for mention in self.of("concept", concept):
            mods = mention.modifiers
            if allowed is not None and not self._bears_on(mention, allowed):
                continue
            if mention.absent:
                absent.append(mention)
                continue
            if mods.family:
                continue
            if mods.negated or (spec.qualified and self._diminished(mention)):
                absent.append(mention)
                continue
            if mods.hypothetical and "hypothetical" not in spec.keep:
                continue
            if mods.possible and "possible" not in spec.keep:
                continue
            present.append(mention)
        if present and absent:
            latest_present = max(present, key=self._order)
            later = [m for m in absent if self._order(m) > self._order(latest_present)]
            if any(self._replaces(m, p) for m in later for p in present):
                return Finding(
                    False,
                    self._clauses(absent),
                    note=f"{spec.label}: earlier mentions, then documented absent",
                )
            return Finding(
                True,
                self._clauses(present),
                note=f"{spec.label}: documented (with contrary statements elsewhere)",
            )
        if present:
            return Finding(True, self._clauses(present))
        if absent:
            return Finding(False, self._clauses(absent))
        return Finding(None)

    def _replaces(self, absent: Mention, present: Mention) -> bool:
        """A later statement of absence replaces an earlier finding: a statement in a later
        record or sentence that the concept is absent as a whole ("sensation intact"), or a
        negation of the same sign on the same side."""
        if absent.record_index != present.record_index:
            return True
        if absent.absent:
            return absent.sentence is not present.sentence
        vocab = self.vocabulary
        words_absent = set(re.findall(r"[a-z]{4,}", absent.text.lower()))
        words_present = set(re.findall(r"[a-z]{4,}", present.text.lower()))
        sides_absent = words_absent & vocab.side_words
        sides_present = words_present & vocab.side_words
        if sides_absent and sides_present and sides_absent != sides_present:
            return False
        return bool((words_absent & words_present) - vocab.generic_sign_words)

    def clause_span(self, mention: Mention) -> tuple[int, int]:
        """The clause of its sentence a mention stands in, as a span of the record text."""
        sentence = mention.sentence
        text = sentence.text
        low, high = mention.start - sentence.start, mention.end - sentence.start
        start, end = 0, len(text)
        breaks = self.vocabulary.clause_breaks
        if breaks is not None:
            for found in breaks.finditer(text):
                if found.end() <= low:
                    start = found.end()
                elif found.start() >= high:
                    end = found.start()
                    break
        while start < low and not text[start].isalnum():
            start += 1
        while end > high and not (text[end - 1].isalnum() or text[end - 1] in ")%"):
            end -= 1
        return sentence.start + start, sentence.start + end

    def _clauses(self, mentions: list[Mention]) -> tuple[Evidence, ...]:
        out = []
        for mention in mentions:
            start, end = self.clause_span(mention)
            offset = mention.sentence.start
            quote = mention.sentence.text[start - offset : end - offset]
            out.append(
                Evidence(record_index=mention.record_index, start=start, end=end, quote=quote)
            )
        return tuple(unique_evidence(out))

    def _diminished(self, mention: Mention) -> bool:
        """A qualifier in the clause says the improvement or relief was not real or lasting."""
        start, end = self.clause_span(mention)
        offset = mention.sentence.start
        text = mention.sentence.text
        before = text[start - offset : mention.start - offset]
        after = text[mention.end - offset : end - offset]
        vocab = self.vocabulary
        return bool(
            (vocab.diminishing_before and vocab.diminishing_before.search(before))
            or (vocab.diminishing_after and vocab.diminishing_after.search(after))
        )

    def _bears_on(self, mention: Mention, allowed: frozenset[str]) -> bool:
        """The nearest region named in the mention's clause is allowed, or none is named."""
        start, end = self.clause_span(mention)
        nearest: tuple[int, str] | None = None
        for region, spans in self._region_spans(mention.record_index).items():
            for region_start, region_end in spans:
                if region_start < start or region_end > end:
                    continue
                distance = (
                    mention.start - region_end
                    if region_end <= mention.start
                    else max(0, region_start - mention.end)
                )
                if nearest is None or (distance, region) < nearest:
                    nearest = (distance, region)
        return nearest is None or nearest[1] in allowed

    def _region_spans(self, record_index: int) -> dict[str, list[tuple[int, int]]]:
        cache = self.region_spans.get(record_index)
        if cache is None:
            cache = {}
            for (kind, key), mentions in sorted(self.mentions.items()):
                if kind != "region":
                    continue
                spans = [(m.start, m.end) for m in mentions if m.record_index == record_index]
                if spans:
                    cache[key] = spans
            self.region_spans[record_index] = cache
        return cache

    # -- treatments ---------------------------------------------------------------------
    def treatment_received(self, kind: str) -> Finding:
        """Was this kind of treatment already given? Requests and plans do not count."""
        received: list[Mention] = []
        denied: list[Mention] = []
        for mention in self.of("treatment", kind):
            mods = mention.modifiers
            if mods.family or mods.possible:
                continue
            if mods.hypothetical or self.is_request(mention.sentence):
                continue
            if mods.negated and (mods.negation_distance or 0) <= 3:
                denied.append(mention)
                continue
            received.append(mention)
        if received:
            return Finding(True, tuple(unique_evidence(m.sentence_evidence() for m in received)))
        if denied:
            return Finding(False, tuple(unique_evidence(m.sentence_evidence() for m in denied)))
        return Finding(None)

    def sessions(self, kind: str) -> SessionCount:
        """Sessions of a kind of treatment already given, counted on first use."""
        if kind not in self.session_counts:
            self.session_counts[kind] = count_sessions(self, kind)
        return self.session_counts[kind]

    # -- imaging ------------------------------------------------------------------------
    def prior_imaging(self, modalities: tuple[str, ...], regions: tuple[str, ...]) -> Finding:
        """An earlier study of one of these modalities of one of these regions."""
        found: list[Mention] = []
        for modality in modalities:
            for mention in self.of("modality", modality):
                mods = mention.modifiers
                if mods.hypothetical or mods.negated or mods.family or mods.possible:
                    continue
                if self.is_request(mention.sentence):
                    continue
                sentence_regions = self.regions_in(mention.sentence)
                if regions and not (sentence_regions & set(regions)):
                    continue
                found.append(mention)
        if found:
            return Finding(True, tuple(unique_evidence(m.sentence_evidence() for m in found)))
        return Finding(None)

    def regions_in(self, sentence: Sentence) -> set[str]:
        regions = set()
        for (kind, key), mentions in self.mentions.items():
            if kind != "region":
                continue
            for mention in mentions:
                if mention.sentence is sentence or (
                    mention.record_index == sentence.record_index
                    and sentence.start <= mention.start < sentence.end
                ):
                    regions.add(key)
                    break
        return regions

    # -- medications --------------------------------------------------------------------
    def medication(self, generic: str) -> MedicationUse | None:
        return self.medications.get(generic)

    def medications_in_class(self, drug_class: str) -> list[MedicationUse]:
        return [
            use
            for use in self.medications.values()
            if self.vocabulary.class_is(use.drug_class, drug_class)
        ]


def _number(value: str) -> int | None:
    number = parse_number(value)
    return int(number) if number is not None and number.is_integer() else None


class FactExtractor:
    """Reads facts from case files; holds the compiled vocabulary and the ConText pipeline."""

    def __init__(
        self, vocabulary: Vocabulary | None = None, annotator: ContextAnnotator | None = None
    ) -> None:
        self.vocabulary = vocabulary or load_vocabulary()
        self.annotator = annotator or default_annotator()
        self.literal_index = LiteralIndex(self.vocabulary.all_patterns())

    def prepare(self, case: CaseFile) -> PreparedCase:
        """Split the records into sentences and find the literals every pattern needs.

        Also reads body regions, treatments, drugs and imaging, which every review uses;
        concepts are read later, only those the guidelines in question ask about.
        """
        records = []
        for index, record in enumerate(case.records):
            sentences = split_sentences(record.text, index)
            lowered = record.text.lower()
            starts = [s.start for s in sentences]
            hits = self.literal_index.sentences_by_literal(lowered, starts) if sentences else {}
            records.append(_PreparedRecord(index, record.text, lowered, sentences, starts, hits))
        base: list[Mention] = []
        for prepared in records:
            base.extend(self._base_mentions(prepared))
        return PreparedCase(records, base)

    def extract(
        self,
        case: CaseFile,
        concepts: frozenset[str] | None = None,
        prepared: PreparedCase | None = None,
    ) -> ClinicalFacts:
        """Facts of a case; ``concepts`` limits which concepts are read up front (others are
        read when first asked for)."""
        vocab = self.vocabulary
        prepared = prepared or self.prepare(case)
        wanted = set(vocab.concepts) if concepts is None else set(concepts) & set(vocab.concepts)
        record_dates = [record.date for record in case.records]
        order = sorted(
            range(len(case.records)),
            key=lambda i: (record_dates[i] or date.min, i),
        )
        facts = ClinicalFacts(
            vocabulary=vocab,
            record_order=order,
            record_dates=record_dates,
            injury_date=case.claimant.date_of_injury,
            reference_date=case.ur_decision_date,
            age=case.claimant.age,
            sex=case.claimant.sex,
        )
        raw = list(prepared.base)
        for record in prepared.records:
            raw.extend(self._concept_mentions(record, sorted(wanted)))
        qualified = self._qualify(raw)
        for mention in qualified:
            facts.mentions.setdefault((mention.kind, mention.key), []).append(mention)
        facts.concepts_read = set(wanted)
        for record in prepared.records:
            for before, after in zip(record.sentences, record.sentences[1:], strict=False):
                facts.previous_sentence[(after.record_index, after.start)] = before
        facts.reader = lambda concept: self._read_concept(facts, prepared, concept)
        self._read_demographics(case, facts)
        self._read_medications(facts)
        if facts.reference_date is None:
            dated = [d for d in record_dates if d]
            facts.reference_date = max(dated) if dated else None
        return facts

    # -- mentions -----------------------------------------------------------------------
    def _matches(self, record: _PreparedRecord, pattern: re.Pattern[str]):
        """Matches of a pattern, run only on sentences holding one of its literals."""
        literals = self.literal_index.literals(pattern)
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
        self,
        record: _PreparedRecord,
        kind: str,
        key: str,
        pattern: re.Pattern[str],
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
            for m in self._matches(record, pattern)
        ]

    def _base_mentions(self, record: _PreparedRecord) -> list[Mention]:
        if not record.sentences:
            return []
        vocab = self.vocabulary
        found: list[Mention] = []
        for terms, kind in (
            (vocab.treatments, "treatment"),
            (vocab.modalities, "modality"),
            (vocab.regions, "region"),
        ):
            for key, term in terms.items():
                found += self._scan(record, kind, key, term.pattern)
        for start, end, entry in self.vocabulary.drug_index.find(record.lowered):
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

    def _concept_mentions(self, record: _PreparedRecord, concepts: list[str]) -> list[Mention]:
        if not record.sentences:
            return []
        found: list[Mention] = []
        for key in concepts:
            concept = self.vocabulary.concepts[key]
            found += self._scan(record, "concept", key, concept.pattern)
            if concept.absent_pattern is not None:
                found += self._scan(record, "concept", key, concept.absent_pattern, absent=True)
        return _drop_contained_absences(found)

    def _read_concept(self, facts: ClinicalFacts, prepared: PreparedCase, concept: str) -> None:
        """Read one more concept into facts that were extracted without it."""
        raw: list[Mention] = []
        for record in prepared.records:
            raw.extend(self._concept_mentions(record, [concept]))
        for mention in self._qualify(raw):
            facts.mentions.setdefault((mention.kind, mention.key), []).append(mention)
        facts.concepts_read.add(concept)

    def _qualify(self, mentions: list[Mention]) -> list[Mention]:
        """Attach ConText modifiers to every mention that needs them."""
        needing = [
            m
            for m in mentions
            if m.kind in {"concept", "treatment", "drug", "modality"} and not m.absent
        ]
        targets = [Target(m.sentence, m.start, m.end) for m in needing]
        modifiers = self.annotator.annotate(targets)
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

    # -- demographics and dates -----------------------------------------------------------
    def _read_demographics(self, case: CaseFile, facts: ClinicalFacts) -> None:
        for index, record in enumerate(case.records):
            if facts.age is None:
                match = _AGE.search(record.text)
                if match and 14 <= int(match.group("age")) <= 100:
                    facts.age = int(match.group("age"))
                    facts.age_evidence = Evidence(
                        record_index=index,
                        start=match.start(),
                        end=match.end(),
                        quote=match.group(0),
                    )
            if facts.sex is None:
                match = _SEX.search(record.text[:2000])
                if match:
                    facts.sex = (
                        "male" if match.group("sex").lower() in {"male", "man"} else "female"
                    )
            if facts.injury_date is None:
                for mention in find_dates(record.text):
                    before = record.text[max(0, mention.start - 60) : mention.start]
                    if mention.precision == "day" and _INJURY_DATE_CUE.search(before):
                        facts.injury_date = mention.value
                        facts.injury_date_evidence = Evidence(
                            record_index=index,
                            start=mention.start,
                            end=mention.end,
                            quote=record.text[mention.start : mention.end],
                        )
                        break

    # -- medications ----------------------------------------------------------------------
    def _read_medications(self, facts: ClinicalFacts) -> None:
        vocab = self.vocabulary
        by_generic: dict[str, list[Mention]] = {}
        for (kind, key), mentions in facts.mentions.items():
            if kind == "drug":
                by_generic.setdefault(key, []).extend(mentions)
        for generic, mentions in sorted(by_generic.items()):
            entry = vocab.drugs[generic]
            prior = new = requested = stopped = False
            evidence: list[Evidence] = []
            for mention in mentions:
                mods = mention.modifiers
                sentence = mention.sentence.text
                if mods.family:
                    continue
                evidence.append(mention.sentence_evidence())
                if mods.negated and (mods.negation_distance or 0) <= 2:
                    continue
                if vocab.says("medication_stopped", sentence):
                    stopped = True
                current = vocab.says("medication_current", sentence)
                if mods.hypothetical or facts.is_request(mention.sentence):
                    if current and not mods.hypothetical:
                        prior = True
                    else:
                        requested = True
                    continue
                if vocab.says("medication_new", sentence) and not current:
                    new = True
                    continue
                prior = True
            facts.medications[generic] = MedicationUse(
                generic=generic,
                drug_class=entry.drug_class,
                prior_use=prior,
                newly_prescribed=new,
                requested_only=requested and not prior and not new,
                stopped=stopped,
                evidence=tuple(unique_evidence(evidence)),
            )


def count_sessions(facts: ClinicalFacts, kind: str) -> SessionCount:
    """Sessions of a treatment already given, from counts stated near its mentions."""
    nearby: dict[tuple[int, int], list[Mention]] = {}
    for (mention_kind, _key), mentions in facts.mentions.items():
        if mention_kind == "treatment":
            for m in mentions:
                nearby.setdefault((m.record_index, m.sentence.start), []).append(m)
    best = SessionCount(None, False, ())
    for mention in facts.of("treatment", kind):
        mods = mention.modifiers
        if mods.hypothetical or mods.family or mods.possible:
            continue
        if mods.negated and (mods.negation_distance or 0) <= 3:
            continue
        if facts.is_request(mention.sentence):
            continue
        count, extensive, evidence = _count_near(facts, mention.sentence, mention, nearby)
        if count is None and not extensive:
            continue
        total = max(best.count or 0, count or 0)
        best = SessionCount(total or None, best.extensive or extensive, (*best.evidence, evidence))
    return best


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


def _count_near(
    facts: ClinicalFacts,
    sentence: Sentence,
    mention: Mention,
    treatments_by_sentence: dict[tuple[int, int], list[Mention]],
) -> tuple[int | None, bool, Evidence]:
    """A session count stated in the sentence of a treatment mention, nearest to it."""
    text = sentence.text
    offset = sentence.start
    relative = mention.start - offset
    candidates: list[tuple[int, int, re.Match[str]]] = []
    for match in _COUNT_BEFORE.finditer(text):
        value = _number(match.group("n"))
        if value is None or value > 200:
            continue
        candidates.append((abs(match.start() - relative), value, match))
    for match in _FREQUENCY.finditer(text):
        per_week, weeks = _number(match.group("f")), _number(match.group("w"))
        if per_week and weeks:
            candidates.append((abs(match.start() - relative), per_week * weeks, match))
    # a count belongs to this treatment only if no other treatment mention is nearer to it
    others = [
        m.start - offset
        for m in treatments_by_sentence.get((sentence.record_index, sentence.start), ())
        if m.key != mention.key
    ]
    best: tuple[int, int, re.Match[str]] | None = None
    for distance, value, match in sorted(candidates, key=lambda c: c[0]):
        if any(abs(match.start() - other) < distance for other in others):
            continue
        best = (distance, value, match)
        break
    extensive = facts.vocabulary.says("extensive_treatment", text)
    if best is None:
        return (
            None,
            extensive,
            Evidence(
                record_index=sentence.record_index,
                start=sentence.start,
                end=sentence.end,
                quote=text,
            ),
        )
    _distance, value, match = best
    return (
        value,
        extensive,
        Evidence(
            record_index=sentence.record_index,
            start=offset + match.start(),
            end=offset + match.end(),
            quote=match.group(0),
        ),
    )
