"""The clinical vocabulary (concepts, body regions, modalities, treatments, drugs) as compiled
regular expressions, loaded once from ``facts/data``.

Words live in data files so that a clinician can extend them; this module only compiles and
checks them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import yaml

from openimr.errors import KnowledgeBaseError
from openimr.facts.prefilter import DrugNameIndex, register_alternatives

DATA_DIR = Path(__file__).parent / "data"
#: entries of wording.yaml that are not lists of alternatives to compile as one pattern
NOT_PATTERNS = frozenset({"doses_per_day", "verbless_continuation", "drug_forms", "compound_words"})
CONTEXT_MODIFIERS = ("negated", "historical", "hypothetical", "family", "possible")


@dataclass(frozen=True)
class Concept:
    id: str
    label: str
    pattern: re.Pattern[str]
    absent_pattern: re.Pattern[str] | None
    keep: frozenset[str] = frozenset()
    qualified: bool = False  # weakened by diminishing qualifiers ("minimal improvement")
    regional: bool = False  # a finding about one body part (scoped to the request's region)


@dataclass(frozen=True)
class Term:
    """A vocabulary entry (region, modality or kind of treatment) and its pattern."""

    id: str
    label: str
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class DrugEntry:
    generic: str
    drug_class: str
    names: tuple[str, ...]
    mme: float | None = None
    ingredients: tuple[str, ...] = ()


@dataclass(frozen=True)
class Vocabulary:
    concepts: dict[str, Concept]
    regions: dict[str, Term]
    laterality: dict[str, re.Pattern[str]]
    modalities: dict[str, Term]
    treatments: dict[str, Term]
    session_words: re.Pattern[str]
    drug_classes: dict[str, dict[str, Any]]
    drugs: dict[str, DrugEntry]
    drug_by_name: dict[str, DrugEntry] = field(default_factory=dict)
    related_regions: dict[str, frozenset[str]] = field(default_factory=dict)
    spinal_regions: frozenset[str] = frozenset()
    diminishing_before: re.Pattern[str] | None = None
    diminishing_after: re.Pattern[str] | None = None
    clause_breaks: re.Pattern[str] | None = None
    generic_sign_words: frozenset[str] = frozenset()
    side_words: frozenset[str] = frozenset()
    #: record and request wording other than clinical concepts (``wording.yaml``)
    wording: dict[str, re.Pattern[str]] = field(default_factory=dict)
    doses_per_day: tuple[tuple[re.Pattern[str], float], ...] = ()
    drug_forms: tuple[str, ...] = ()
    compound_words: tuple[str, ...] = ()

    def says(self, name: str, text: str) -> bool:
        """Whether ``text`` words what ``wording.yaml`` names ``name``."""
        return bool(self.wording[name].search(text))

    def regions_bearing_on(self, regions: tuple[str, ...] | list[str]) -> frozenset[str]:
        """The request's regions and those whose findings bear on them."""
        out = set(regions)
        for region in regions:
            out |= self.related_regions.get(region, frozenset())
        return frozenset(out)

    def regions_of_a_course(self, regions: tuple[str, ...] | list[str]) -> frozenset[str]:
        """The regions a course of care for these regions is given to: a limb and its
        joints; a part of the spine alone (care of the spine is not care of a limb's joint,
        though a limb's symptoms bear on the spine)."""
        out = set(regions)
        for region in regions:
            if region not in self.spinal_regions:
                out |= self.related_regions.get(region, frozenset()) - self.spinal_regions
        return frozenset(out)

    @cached_property
    def drug_index(self) -> DrugNameIndex:
        """Every drug name, found as whole words in one pass (records and requests alike)."""
        return DrugNameIndex(self)

    def all_patterns(self) -> list[re.Pattern[str]]:
        """Every compiled pattern the fact extractor scans records with."""
        patterns = [c.pattern for c in self.concepts.values()]
        patterns += [
            c.absent_pattern for c in self.concepts.values() if c.absent_pattern is not None
        ]
        for terms in (self.treatments, self.modalities, self.regions):
            patterns += [t.pattern for t in terms.values()]
        return patterns

    def drug(self, name: str) -> DrugEntry | None:
        return self.drug_by_name.get(name.lower().strip())

    def class_label(self, drug_class: str) -> str:
        return str(self.drug_classes.get(drug_class, {}).get("label", drug_class))

    def class_is(self, drug_class: str, wanted: str) -> bool:
        """True when ``drug_class`` is ``wanted`` or a subclass of it (COX-2 is an NSAID)."""
        seen = drug_class
        for _ in range(5):
            if seen == wanted:
                return True
            parent = self.drug_classes.get(seen, {}).get("parent")
            if not parent:
                return False
            seen = parent
        return False


def compile_alternatives(patterns: list[str], where: str) -> re.Pattern[str]:
    """One case-insensitive, word-bounded regex for a list of alternatives."""
    try:
        for pattern in patterns:
            re.compile(pattern)
        body = "|".join(f"(?:{p})" for p in sorted(patterns, key=len, reverse=True))
        compiled = re.compile(rf"(?<![\w-])(?:{body})(?![\w])", re.IGNORECASE)
    except re.error as exc:
        raise KnowledgeBaseError(f"{where}: bad pattern: {exc}") from None
    register_alternatives(compiled, patterns)
    return compiled


def _load(name: str) -> dict[str, Any]:
    path = DATA_DIR / name
    try:
        data = yaml.load(
            path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        )
    except (OSError, yaml.YAMLError) as exc:
        raise KnowledgeBaseError(f"{path}: {exc}") from None
    if not isinstance(data, dict):
        raise KnowledgeBaseError(f"{path}: expected a mapping")
    return data


def _terms(section: dict[str, Any], where: str) -> dict[str, Term]:
    return {
        key: Term(
            key,
            str(value.get("label", key)),
            compile_alternatives(value["patterns"], f"{where}.{key}"),
        )
        for key, value in section.items()
    }


@cache
def load_vocabulary() -> Vocabulary:
    """Compile the vocabulary (cached: the data files do not change while running)."""
    concepts = _concepts(_load("concepts.yaml")["concepts"])
    terms = _load("terms.yaml")
    qualifiers = _load("qualifiers.yaml")
    wording = _load("wording.yaml")
    drugs_data = _load("drugs.yaml")
    classes = drugs_data["classes"]
    drugs, by_name = _drugs(drugs_data["drugs"], classes)
    return Vocabulary(
        concepts=concepts,
        regions=_terms(terms["body_regions"], "terms.yaml: body_regions"),
        laterality={
            key: compile_alternatives(value, f"terms.yaml: laterality.{key}")
            for key, value in terms["laterality"].items()
        },
        modalities=_terms(terms["modalities"], "terms.yaml: modalities"),
        treatments=_terms(terms["treatment_kinds"], "terms.yaml: treatment_kinds"),
        session_words=compile_alternatives(terms["session_words"], "terms.yaml: session_words"),
        drug_classes=classes,
        drugs=drugs,
        drug_by_name=by_name,
        related_regions=_related(terms.get("related_regions", {})),
        spinal_regions=frozenset(terms.get("spinal_regions", ())),
        diminishing_before=re.compile(
            r"(?:" + "|".join(qualifiers["diminishing_before"]) + r")\W+(?:\w+\W+){0,2}$",
            re.IGNORECASE,
        ),
        diminishing_after=re.compile(
            r"^\W*(?:\w+\W+){0,2}?(?:" + "|".join(qualifiers["diminishing_after"]) + r")\b",
            re.IGNORECASE,
        ),
        clause_breaks=re.compile("|".join(qualifiers["clause_breaks"]), re.IGNORECASE),
        generic_sign_words=frozenset(w.lower() for w in qualifiers["generic_sign_words"]),
        side_words=frozenset(w.lower() for w in qualifiers["side_words"]),
        wording=_wording(wording),
        drug_forms=tuple(w.lower() for w in wording["requests"]["drug_forms"]),
        compound_words=tuple(w.lower() for w in wording["requests"]["compound_words"]),
        doses_per_day=_doses_per_day(wording["requests"]["doses_per_day"]),
    )


def _concepts(section: dict[str, Any]) -> dict[str, Concept]:
    """``concepts.yaml``; a concept may keep only the ConText modifiers that exist."""
    concepts = {}
    for key, value in section.items():
        keep = frozenset(value.get("keep", ()))
        unknown = keep - set(CONTEXT_MODIFIERS)
        if unknown:
            raise KnowledgeBaseError(f"concepts.yaml: {key}: unknown modifiers {sorted(unknown)}")
        absent = value.get("absent_patterns")
        concepts[key] = Concept(
            id=key,
            label=str(value.get("label", key)),
            pattern=compile_alternatives(value["patterns"], f"concepts.yaml: {key}"),
            absent_pattern=compile_alternatives(absent, f"concepts.yaml: {key}")
            if absent
            else None,
            keep=keep,
            qualified=bool(value.get("qualified", False)),
            regional=bool(value.get("regional", False)),
        )
    return concepts


def _drugs(
    entries: list[dict[str, Any]], classes: dict[str, Any]
) -> tuple[dict[str, DrugEntry], dict[str, DrugEntry]]:
    """Drugs by generic name and by every name; a name belongs to one drug only."""
    drugs: dict[str, DrugEntry] = {}
    by_name: dict[str, DrugEntry] = {}
    for entry in entries:
        if entry["class"] not in classes:
            raise KnowledgeBaseError(
                f"drugs.yaml: {entry['generic']}: unknown class {entry['class']}"
            )
        drug = DrugEntry(
            generic=entry["generic"],
            drug_class=entry["class"],
            names=tuple(n.lower() for n in entry["names"]),
            mme=entry.get("mme"),
            ingredients=tuple(entry.get("ingredients", ())),
        )
        drugs[drug.generic] = drug
        for name in (*drug.names, drug.generic):
            if name in by_name and by_name[name].generic != drug.generic:
                raise KnowledgeBaseError(
                    f"drugs.yaml: name {name!r} claimed by {by_name[name].generic} "
                    f"and {drug.generic}"
                )
            by_name[name] = drug
    return drugs, by_name


def _wording(wording: dict[str, Any]) -> dict[str, re.Pattern[str]]:
    """``wording.yaml``; the verbless continuation is a whole-sentence regex, not a phrase."""
    return {
        name: compile_alternatives(patterns, f"wording.yaml: {section}.{name}")
        for section in ("records", "requests")
        for name, patterns in wording[section].items()
        if name not in NOT_PATTERNS
    } | {
        "verbless_continuation": re.compile(
            "|".join(wording["records"]["verbless_continuation"]), re.IGNORECASE
        )
    }


def _doses_per_day(entries: list[dict[str, Any]]) -> tuple[tuple[re.Pattern[str], float], ...]:
    return tuple(
        (
            compile_alternatives(entry["patterns"], "wording.yaml: requests.doses_per_day"),
            float(entry["per_day"]),
        )
        for entry in entries
    )


def _related(section: dict[str, list[str]]) -> dict[str, frozenset[str]]:
    """Related regions, read both ways."""
    related: dict[str, set[str]] = {}
    for region, others in section.items():
        for other in others:
            related.setdefault(region, set()).add(other)
            related.setdefault(other, set()).add(region)
    return {region: frozenset(others) for region, others in related.items()}
