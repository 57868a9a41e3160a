"""Clinical facts read from a case's records, each kept with the words that show it.

The extractor finds mentions of concepts, treatments, drugs and imaging with the compiled
vocabulary (:mod:`openimr.facts.mentions`), qualifies each mention with ConText (negated,
historical, hypothetical, family, possible), reads age, sex and the date of injury, and
returns the :class:`~openimr.facts.clinical_facts.ClinicalFacts` that answer the questions
criteria ask.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

from openimr.casefile import CaseFile
from openimr.domain import Evidence
from openimr.facts.clinical_facts import ClinicalFacts
from openimr.facts.context import ContextAnnotator, default_annotator
from openimr.facts.medications import read_medications
from openimr.facts.mentions import (
    Mention,
    PreparedRecord,
    base_mentions,
    concept_mentions,
    qualify,
)
from openimr.facts.prefilter import LiteralIndex
from openimr.facts.text import DateMention, find_dates, reading_text, split_sentences
from openimr.facts.vocabulary import Vocabulary, load_vocabulary

_AGE = re.compile(r"\b(?P<age>\d{2})[- ](?:year|yr)s?[- ]old\b", re.IGNORECASE)
#: what may stand between an injury-date cue and the date itself ("injury on", "a claim from")
_CUE_TO_DATE = re.compile(r"\W{0,3}(?:\w+\W+){0,3}")
_SEX = re.compile(r"\b(?P<sex>male|female|man|woman)\b", re.IGNORECASE)


@dataclass
class PreparedCase:
    """Records split into sentences, with literal hits and the mentions every review needs."""

    records: list[PreparedRecord]
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
            reading = reading_text(record.text)
            sentences = [
                replace(sentence, text=reading[sentence.start : sentence.end])
                for sentence in split_sentences(record.text, index)
            ]
            lowered = reading.lower()
            starts = [s.start for s in sentences]
            hits = self.literal_index.sentences_by_literal(lowered, starts) if sentences else {}
            records.append(PreparedRecord(index, reading, lowered, sentences, starts, hits))
        base: list[Mention] = []
        for prepared in records:
            base.extend(base_mentions(prepared, self.vocabulary, self.literal_index))
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
            raw.extend(concept_mentions(record, sorted(wanted), vocab, self.literal_index))
        qualified = qualify(raw, self.annotator)
        for mention in qualified:
            facts.mentions.setdefault((mention.kind, mention.key), []).append(mention)
        facts.concepts_read = set(wanted)
        for record in prepared.records:
            for before, after in zip(record.sentences, record.sentences[1:], strict=False):
                facts.previous_sentence[(after.record_index, after.start)] = before
        facts.reader = lambda concept: self._read_concept(facts, prepared, concept)
        self._read_demographics(case, facts)
        read_medications(facts)
        if facts.reference_date is None:
            dated = [d for d in record_dates if d]
            facts.reference_date = max(dated) if dated else None
        return facts

    def _read_concept(self, facts: ClinicalFacts, prepared: PreparedCase, concept: str) -> None:
        """Read one more concept into facts that were extracted without it."""
        raw: list[Mention] = []
        for record in prepared.records:
            raw.extend(concept_mentions(record, [concept], self.vocabulary, self.literal_index))
        for mention in qualify(raw, self.annotator):
            facts.mentions.setdefault((mention.kind, mention.key), []).append(mention)
        facts.concepts_read.add(concept)

    # -- demographics and dates -----------------------------------------------------------
    def _cued(self, name: str, before: str) -> bool:
        """Whether the words just before a date end with the cue ``name`` of wording.yaml."""
        ends = [match.end() for match in self.vocabulary.wording[name].finditer(before)]
        return bool(ends) and _CUE_TO_DATE.fullmatch(before, ends[-1]) is not None

    def _first_cued_date(self, text: str) -> DateMention | None:
        """The first date to the day that follows an injury-date cue: the cues are few, so
        only the words after each are read for a date, not every date of a long record."""
        for cue in self.vocabulary.wording["injury_date_cue"].finditer(text):
            window = text[cue.end() : cue.end() + 80]
            for found in find_dates(window):
                if found.precision == "day" and _CUE_TO_DATE.fullmatch(window, 0, found.start):
                    return replace(found, start=cue.end() + found.start, end=cue.end() + found.end)
        return None

    def _read_demographics(self, case: CaseFile, facts: ClinicalFacts) -> None:
        """Age, sex and the date of injury from the records where the case file lacks them;
        a claim injury the records date earlier than the case file (a cumulative injury, a
        date the application gives late) marks the start of the symptoms, which the phase of
        care measures; the case file's date stays the letter's."""
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
            mention = None
            if facts.injury_date_evidence is None:
                mention = self._first_cued_date(record.text)
            if mention is not None and (
                facts.injury_date is None
                or (
                    mention.value < facts.injury_date
                    and self._cued(
                        "claim_injury_date_cue",
                        record.text[max(0, mention.start - 60) : mention.start],
                    )
                )
            ):
                facts.injury_date = mention.value
                facts.injury_date_evidence = Evidence(
                    record_index=index,
                    start=mention.start,
                    end=mention.end,
                    quote=record.text[mention.start : mention.end],
                )
