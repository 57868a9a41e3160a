"""A case's clinical facts and the questions criteria ask of them: is a finding documented
present, absent, or not at all; was a treatment given, and how often; was imaging done; which
drugs are in use. Each answer keeps the words that show it."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from openimr.domain import Evidence
from openimr.facts.medications import MedicationUse
from openimr.facts.mentions import Mention, semicolon_parts, unique_evidence
from openimr.facts.sessions import SessionCount, count_sessions
from openimr.facts.text import Sentence
from openimr.facts.vocabulary import Vocabulary

#: Distinct clauses a finding keeps as evidence (criteria quote the first three of theirs).
EVIDENCE_PER_FINDING = 12


#: words that may stand between a negated outcome and the treatment's name
_ARTICLES_ONLY = re.compile(
    r"^\s*(?:(?:the|her|his|their|prior|previous|past|earlier|initial|any|all|a|an|formal|"
    r"ongoing|conservative|these|this|that|those|several|multiple|of|course|courses|sessions?|"
    r"visits?|treatments?|trials?|use|using|taking)\s+)*$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Finding:
    """A tri-state answer with its evidence: True present, False documented absent, None silent."""

    value: bool | None
    evidence: tuple[Evidence, ...] = ()
    note: str | None = None


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
    session_counts: dict[tuple[str, tuple[str, ...]], SessionCount] = field(default_factory=dict)
    medications: dict[str, MedicationUse] = field(default_factory=dict)
    injury_date_evidence: Evidence | None = None
    age_evidence: Evidence | None = None
    concepts_read: set[str] = field(default_factory=set)
    reader: Any = None  # reads a concept that was not read up front
    region_spans: dict[int, list[tuple[int, int, str]]] = field(default_factory=dict)
    nearest_regions: dict[tuple[int, int, int], str | None] = field(default_factory=dict)
    #: each mention's clause evidence, computed once (criteria ask about the same mentions)
    clause_evidence: dict[tuple[int, int, int], Evidence] = field(default_factory=dict)
    clause_spans: dict[tuple[int, int, int], tuple[int, int]] = field(default_factory=dict)
    #: each sentence's predecessor in its record, keyed by (record index, sentence start)
    previous_sentence: dict[tuple[int, int], Sentence] = field(default_factory=dict)
    requests: dict[tuple[int, int], bool] = field(default_factory=dict)
    sentence_breaks: dict[tuple[int, int], list[tuple[int, int]]] = field(default_factory=dict)

    def is_request(self, sentence: Sentence) -> bool:
        """A sentence that asks for, plans or decides on care rather than reporting care
        given, or a verbless fragment that carries on the plan of the sentence before it."""
        key = (sentence.record_index, sentence.start)
        known = self.requests.get(key)
        if known is None:
            known = self.requests[key] = self._is_request(sentence)
        return known

    def is_request_at(self, mention: Mention) -> bool:
        """Whether a mention stands where care is asked for or planned. In a sentence that
        lists its parts between semicolons ("failed TENS and therapy; a home trial is
        requested"), the part the mention is in decides, and a verbless part carries on the
        plan of the part before it; in a part that both reports care and asks for more ("she
        completed 12 sessions of therapy and 6 more are requested"), the nearer word decides."""
        if not self.is_request(mention.sentence):
            return False
        parts, index, at = semicolon_parts(mention)
        nearer = self._nearer_cue(parts[index], at)
        if nearer is not None:
            return nearer
        for part in range(index - 1, -1, -1):
            if not self.vocabulary.says("verbless_continuation", parts[part + 1].strip()):
                return False
            nearer = self._nearer_cue(parts[part], len(parts[part]))
            if nearer is not None:
                return nearer
        # no part before says either: the plan is the sentence before's when this one asks
        # for nothing itself ("Treatment plan included ibuprofen. Hand therapy and PT.")
        return not self.vocabulary.says("request_or_plan", mention.sentence.text)

    def _cues(self, text: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        """Where the text asks for or plans care, and where it reports care given; care given
        under an earlier authorization ("she completed 6 of 6 authorized visits") names the
        decision that allowed it, which asks for nothing."""
        vocab = self.vocabulary
        given = [m.span() for m in vocab.wording["care_given"].finditer(text)]
        if given:
            text = vocab.wording["authorized_care"].sub(lambda m: " " * len(m.group(0)), text)
        return [m.span() for m in vocab.wording["request_or_plan"].finditer(text)], given

    def _nearer_cue(self, text: str, at: int) -> bool | None:
        """True when the words nearest ``at`` ask for care, False when they report it given,
        None when the text has neither."""
        requests, given = self._cues(text)
        if not requests or not given:
            return bool(requests) if requests or given else None

        def gap(span: tuple[int, int]) -> int:
            return span[0] - at if span[0] >= at else max(0, at - span[1])

        return min(gap(s) for s in requests) < min(gap(s) for s in given)

    def outcome_negated(self, mention: Mention) -> bool:
        """The negation before a treatment's name is of its outcome ("no relief with physical
        therapy", "she has not responded to injections"): the treatment was given."""
        before = mention.sentence.text[: mention.start - mention.sentence.start][-120:]
        return any(
            _ARTICLES_ONLY.match(before[match.end() :])
            for match in self.vocabulary.wording["negated_outcome"].finditer(before)
        )

    def _is_request(self, sentence: Sentence) -> bool:
        vocab = self.vocabulary
        if vocab.says("request_or_plan", sentence.text):
            return bool(self._cues(sentence.text)[0])
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

    def _read(self, concept: str) -> None:
        """Read a concept the extraction left for later, the first time it is asked about."""
        if concept not in self.concepts_read and self.reader is not None:
            self.reader(concept)

    def finding(
        self, concept: str, regions: tuple[str, ...] = (), side: str | None = None
    ) -> Finding:
        """Is the concept documented present (True), documented absent (False), or silent?

        ``regions`` (the request's body regions) scope a regional concept: a mention whose
        clause is about another body part, or only about the other ``side`` ("left" or
        "right") of it, does not count. Evidence is the clause that states the finding.
        """
        spec = self.vocabulary.concepts[concept]
        self._read(concept)
        allowed = self.vocabulary.regions_bearing_on(regions) if spec.regional and regions else None
        other = {"left": "right", "right": "left"}.get(side or "")
        present: list[Mention] = []
        absent: list[Mention] = []
        for mention in self.of("concept", concept):
            mods = mention.modifiers
            if allowed is not None and not self.bears_on(mention, allowed):
                continue
            if allowed is not None and other and self._clause_other_side(mention, other):
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
                    self.clauses(absent),
                    note=f"{spec.label}: earlier mentions, then documented absent",
                )
            return Finding(
                True,
                self.clauses(present),
                note=f"{spec.label}: documented (with contrary statements elsewhere)",
            )
        if present:
            return Finding(True, self.clauses(present))
        if absent:
            return Finding(False, self.clauses(absent))
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
        key = (mention.record_index, mention.start, mention.end)
        span = self.clause_spans.get(key)
        if span is None:
            span = self.clause_spans[key] = self._clause_span(mention)
        return span

    def _clause_span(self, mention: Mention) -> tuple[int, int]:
        sentence = mention.sentence
        text = sentence.text
        low, high = mention.start - sentence.start, mention.end - sentence.start
        start, end = 0, len(text)
        for break_start, break_end in self._breaks(sentence):
            if break_end <= low:
                start = break_end
            elif break_start >= high:
                end = break_start
                break
        while start < low and not text[start].isalnum():
            start += 1
        while end > high and not (text[end - 1].isalnum() or text[end - 1] in ")%"):
            end -= 1
        return sentence.start + start, sentence.start + end

    def _breaks(self, sentence: Sentence) -> list[tuple[int, int]]:
        """Where the sentence's clauses end (spans of the clause-break words), found once."""
        key = (sentence.record_index, sentence.start)
        found = self.sentence_breaks.get(key)
        if found is None:
            pattern = self.vocabulary.clause_breaks
            found = [m.span() for m in pattern.finditer(sentence.text)] if pattern else []
            self.sentence_breaks[key] = found
        return found

    def clauses(self, mentions: list[Mention]) -> tuple[Evidence, ...]:
        """The first :data:`EVIDENCE_PER_FINDING` distinct clauses of the mentions, in order
        (a proposal quotes a few; quoting every mention of a common finding costs time)."""
        out: list[Evidence] = []
        seen: set[tuple[int, int, int]] = set()
        for mention in mentions:
            if len(out) >= EVIDENCE_PER_FINDING:
                break
            key = (mention.record_index, mention.start, mention.end)
            evidence = self.clause_evidence.get(key)
            if evidence is None:
                start, end = self.clause_span(mention)
                offset = mention.sentence.start
                quote = mention.sentence.text[start - offset : end - offset]
                evidence = Evidence(
                    record_index=mention.record_index, start=start, end=end, quote=quote
                )
                self.clause_evidence[key] = evidence
            span = (evidence.record_index, evidence.start, evidence.end)
            if span not in seen:
                seen.add(span)
                out.append(evidence)
        return tuple(out)

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

    def located(self, concept: str) -> list[tuple[str | None, Mention]]:
        """The present mentions of a concept, each with the body region named nearest it in
        its clause (None where the clause names none)."""
        self._read(concept)
        out = []
        for mention in self.of("concept", concept):
            mods = mention.modifiers
            if mention.absent or mods.family or mods.negated or mods.hypothetical:
                continue
            out.append((self._nearest_region(mention), mention))
        return out

    def bears_on(self, mention: Mention, allowed: frozenset[str]) -> bool:
        """The nearest region named in the mention's clause is allowed, or none is named."""
        region = self._nearest_region(mention)
        return region is None or region in allowed

    def _nearest_region(self, mention: Mention) -> str | None:
        """The body region named nearest to the mention within its clause (found once)."""
        key = (mention.record_index, mention.start, mention.end)
        if key in self.nearest_regions:
            return self.nearest_regions[key]
        start, end = self.clause_span(mention)
        spans = self._region_spans(mention.record_index)
        nearest: tuple[int, str] | None = None
        for region_start, region_end, region in spans[bisect.bisect_left(spans, (start,)) :]:
            if region_start >= end:
                break
            if region_end > end:
                continue
            distance = (
                mention.start - region_end
                if region_end <= mention.start
                else max(0, region_start - mention.end)
            )
            if nearest is None or (distance, region) < nearest:
                nearest = (distance, region)
        found = nearest[1] if nearest else None
        if found is None:
            heading = self._heading_span(mention)
            if heading is not None:
                named = [r for a, b, r in spans if heading[0] <= a and b <= heading[1]]
                found = named[-1] if named else None
        self.nearest_regions[key] = found
        return found

    def _heading_span(self, mention: Mention) -> tuple[int, int] | None:
        """A short heading that ends in a colon just before the mention's clause ("Left
        knee: positive McMurray"), as a span of the record text; it names what the clause
        is about."""
        start, _end = self.clause_span(mention)
        sentence = mention.sentence
        before = sentence.text[: start - sentence.start].rstrip()
        if not before.endswith(":"):
            return None
        head = before[:-1]
        cut = max(head.rfind(";"), head.rfind(":"), head.rfind("."))
        head_start = cut + 1
        if len(head[head_start:].split()) > 4:
            return None
        return sentence.start + head_start, sentence.start + len(head)

    def _region_spans(self, record_index: int) -> list[tuple[int, int, str]]:
        """Every region mention of a record as (start, end, region), in text order."""
        cached = self.region_spans.get(record_index)
        if cached is None:
            cached = sorted(
                (m.start, m.end, key)
                for (kind, key), mentions in self.mentions.items()
                if kind == "region"
                for m in mentions
                if m.record_index == record_index
            )
            self.region_spans[record_index] = cached
        return cached

    # -- treatments ---------------------------------------------------------------------
    def treatment_received(self, kind: str, regions: tuple[str, ...] = ()) -> Finding:
        """Was this kind of treatment already given? Requests and plans do not count; with
        ``regions``, care its clause places at another body part does not either."""
        received: list[Mention] = []
        denied: list[Mention] = []
        allowed = self.vocabulary.regions_of_a_course(regions) if regions else None
        for mention in self.of("treatment", kind):
            mods = mention.modifiers
            if mods.family or mods.possible:
                continue
            if allowed is not None and not self.bears_on(mention, allowed):
                continue
            if mods.hypothetical or self.is_request_at(mention):
                continue
            if mods.negated and (mods.negation_distance or 0) <= 3:
                if self.outcome_negated(mention):
                    received.append(mention)
                    continue
                denied.append(mention)
                continue
            received.append(mention)
        if received:
            return Finding(True, tuple(unique_evidence(m.sentence_evidence() for m in received)))
        if denied:
            return Finding(False, tuple(unique_evidence(m.sentence_evidence() for m in denied)))
        return Finding(None)

    def sessions(self, kind: str, regions: tuple[str, ...] = ()) -> SessionCount:
        """Sessions of a kind of treatment already given, counted on first use; with
        ``regions``, only those its clause does not place at another body part (a visit
        guide counts the course for one condition)."""
        key = (kind, regions)
        if key not in self.session_counts:
            self.session_counts[key] = count_sessions(self, kind, regions)
        return self.session_counts[key]

    # -- imaging ------------------------------------------------------------------------
    def prior_imaging(
        self, modalities: tuple[str, ...], regions: tuple[str, ...], side: str | None = None
    ) -> Finding:
        """An earlier study of one of these modalities of one of these regions; with a
        ``side`` ("left" or "right"), a study the records place only on the other side is
        not the same region's."""
        found: list[Mention] = []
        other = {"left": "right", "right": "left"}.get(side or "")
        for modality in modalities:
            for mention in self.of("modality", modality):
                mods = mention.modifiers
                if mods.negated or mods.family:
                    continue
                planned = mods.hypothetical or mods.possible or self.is_request_at(mention)
                if planned and not self._asked_again(mention):
                    continue
                sentence_regions = self.regions_in(mention.sentence)
                # a study named without its part ("an MRI in August") is of the part when
                # the records speak of no other
                if (
                    regions
                    and not (sentence_regions & set(regions))
                    and (sentence_regions or not self._only_regions(regions))
                ):
                    continue
                if other and regions and self._other_side_only(mention.sentence.text, other):
                    continue
                found.append(mention)
        if found:
            return Finding(True, tuple(unique_evidence(m.sentence_evidence() for m in found)))
        return Finding(None)

    def _asked_again(self, mention: Mention) -> bool:
        """A plan for a study that says it repeats one ("a repeat MRI", "an updated MRI"): the
        earlier study is documented by the plan itself."""
        before = mention.sentence.text[: mention.start - mention.sentence.start].split()[-3:]
        return self.vocabulary.says("repeat_study", " ".join(before))

    def _clause_other_side(self, mention: Mention, other: str) -> bool:
        start, end = self.clause_span(mention)
        offset = mention.sentence.start
        clause = mention.sentence.text[start - offset : end - offset]
        heading = self._heading_span(mention)
        if heading is not None and not self._sides_named(clause):
            clause = mention.sentence.text[heading[0] - offset : heading[1] - offset]
        return self._other_side_only(clause, other)

    def _sides_named(self, text: str) -> set[str]:
        return {n for n, pattern in self.vocabulary.laterality.items() if pattern.search(text)}

    def _other_side_only(self, text: str, other: str) -> bool:
        return self._sides_named(text) == {other}

    def _only_regions(self, regions: tuple[str, ...]) -> bool:
        """The records name no body region but these."""
        named = {key for (kind, key) in self.mentions if kind == "region"}
        # a limb named as a whole ("pain down the leg") is where symptoms go, not a part imaged
        named -= {"upper_extremity", "lower_extremity"}
        return bool(named) and named <= set(regions)

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
