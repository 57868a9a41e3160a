"""Which drugs the worker takes, took, stopped, or is only asked to start, read from the
sentences that mention each drug."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from openimr.domain import Evidence
from openimr.facts.mentions import Mention, semicolon_parts, unique_evidence

if TYPE_CHECKING:
    from openimr.facts.clinical_facts import ClinicalFacts


@dataclass(frozen=True, slots=True)
class MedicationUse:
    generic: str
    drug_class: str
    prior_use: bool
    newly_prescribed: bool
    requested_only: bool
    stopped: bool
    evidence: tuple[Evidence, ...]


def read_medications(facts: ClinicalFacts) -> None:
    """Fill ``facts.medications`` from its drug mentions, one entry per generic drug."""
    vocab = facts.vocabulary
    by_generic: dict[str, list[Mention]] = {}
    for (kind, key), mentions in facts.mentions.items():
        if kind == "drug":
            by_generic.setdefault(key, []).extend(mentions)
    for generic, mentions in sorted(by_generic.items()):
        entry = vocab.drugs[generic]
        prior = new = requested = stopped = False
        past_seen = present_seen = False
        evidence: list[Evidence] = []
        for mention in mentions:
            mods = mention.modifiers
            parts, index, _at = semicolon_parts(mention)
            sentence = parts[index]
            if mods.family:
                continue
            evidence.append(mention.sentence_evidence())
            negated = mods.negated and (mods.negation_distance or 0) <= 2
            if negated and not facts.outcome_negated(mention):
                continue
            if vocab.says("medication_stopped", sentence):
                stopped = True
            current = vocab.says("medication_current", sentence)
            if mods.hypothetical or facts.is_request_at(mention):
                if current and not mods.hypothetical:
                    prior = True
                else:
                    requested = True
                continue
            if vocab.says("medication_new", sentence) and not current:
                new = True
                continue
            prior = True
            if vocab.says("medication_past", sentence) and not current:
                past_seen = True
            else:
                present_seen = True
        # a drug the records place only in the past ("had an ulcer on ibuprofen in 2014",
        # "previously tried naproxen") is no longer taken
        stopped = stopped or (past_seen and not present_seen)
        facts.medications[generic] = MedicationUse(
            generic=generic,
            drug_class=entry.drug_class,
            prior_use=prior,
            newly_prescribed=new,
            requested_only=requested and not prior and not new,
            stopped=stopped,
            evidence=tuple(unique_evidence(evidence)),
        )
