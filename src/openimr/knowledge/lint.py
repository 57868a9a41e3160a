"""``openimr guidelines lint``: every problem in the guideline data, as ``file:line: message``.

Checks: YAML and schema of every topic; documents and chapters cited exist; page citations
fall inside the cited chapter; all editions of one guidance belong to one family; no synonym,
drug or match pattern claimed by two topics; every predicate, concept, treatment kind, drug
class, region and modality a criterion uses is defined; editions do not overlap.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from openimr.errors import KnowledgeBaseError
from openimr.facts.vocabulary import load_vocabulary
from openimr.knowledge.checks import Check
from openimr.knowledge.sources import DATA_DIR, SourceCatalog, load_sources
from openimr.knowledge.topics import (
    GuidanceSpec,
    Topic,
    load_phases,
    parse_topic,
    read_topic_file,
    topic_lines,
)

_PAGE = re.compile(r"\d+")


@dataclass(frozen=True, order=True)
class LintMessage:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def _walk(check: Check) -> list[Check]:
    out = [check]
    for child in check.children:
        out.extend(_walk(child))
    return out


def _check_names(check: Check, known: dict[str, set[str]]) -> list[str]:
    problems = []
    for node in _walk(check):
        if node.name in {"finding", "absent"} and node.args not in known["concepts"]:
            problems.append(f"unknown concept {node.args!r} in {node.name}")
        if (
            node.name in {"received", "not_received"}
            and node.args != "same"
            and node.args not in known["treatments"]
        ):
            problems.append(f"unknown treatment kind {node.args!r} in {node.name}")
        if node.name == "class_tried":
            problems += [
                f"unknown drug class {c!r}" for c in node.args if c not in known["classes"]
            ]
        if (
            node.name == "other_in_class"
            and node.args != "same"
            and node.args not in known["classes"]
        ):
            problems.append(f"unknown drug class {node.args!r}")
        if node.name == "finding_at":
            if node.args["concept"] not in known["concepts"]:
                problems.append(f"unknown concept {node.args['concept']!r} in finding_at")
            problems += [
                f"unknown body region {r!r}"
                for r in node.args["regions"]
                if r not in known["regions"]
            ]
        if node.name == "region_in":
            problems += [
                f"unknown body region {r!r}" for r in node.args if r not in known["regions"]
            ]
        if node.name == "phase":
            problems += [
                f"unknown phase {p!r}"
                for p in node.args
                if p not in {"acute", "subacute", "chronic"}
            ]
        if node.name == "prior_imaging":
            problems += [
                f"unknown modality {m!r}"
                for m in node.args["modalities"]
                if m not in known["modalities"]
            ]
        if node.name == "ingredients_allowed":
            problems += [
                f"unknown drug class {c!r}"
                for c in node.args.get("classes", ())
                if c not in known["classes"]
            ]
            problems += [
                f"unknown drug {g!r}"
                for g in node.args.get("generics", ())
                if g not in known["generics"]
            ]
        if node.name == "request_matches":
            try:
                re.compile(node.args)
            except re.error as exc:
                problems.append(f"bad regular expression {node.args!r}: {exc}")
    return problems


def _cite_problems(
    catalog: SourceCatalog, document_id: str, chapter: Any, pages: str | None
) -> list[str]:
    try:
        document = catalog.document(document_id)
    except KnowledgeBaseError:
        return [f"unknown document {document_id!r}"]
    problems = []
    found = None
    if isinstance(chapter, int):
        found = document.chapter(chapter)
        if found is None:
            problems.append(f"{document_id} has no chapter {chapter}")
    elif (
        isinstance(chapter, str)
        and document.chapters
        and not any(c.title == chapter or c.letter_name == chapter for c in document.chapters)
    ):
        problems.append(f"{document_id} has no chapter named {chapter!r}")
    if pages:
        numbers = [int(n) for n in _PAGE.findall(pages)]
        for number in numbers:
            if found is not None and found.pages and not found.contains_page(number):
                problems.append(
                    f"page {number} is outside {document_id} chapter {chapter} "
                    f"({found.title}, pages {found.pages[0]}-{found.pages[1]})"
                )
            if document.pages and not (document.pages[0] <= number <= document.pages[1]):
                problems.append(
                    f"page {number} is outside {document.title} "
                    f"(pages {document.pages[0]}-{document.pages[1]})"
                )
    return problems


def lint_knowledge_base(data_dir: Path = DATA_DIR) -> list[LintMessage]:
    messages: list[LintMessage] = []
    try:
        catalog = load_sources(data_dir)
    except KnowledgeBaseError as exc:
        return [LintMessage(str(data_dir / "sources.yaml"), 1, str(exc))]
    vocab = load_vocabulary()
    known = {
        "concepts": set(vocab.concepts),
        "treatments": set(vocab.treatments),
        "classes": set(vocab.drug_classes),
        "regions": set(vocab.regions),
        "modalities": set(vocab.modalities),
        "generics": set(vocab.drugs),
    }
    messages += _lint_definitions(data_dir, known)
    claimed: dict[str, tuple[str, str, int]] = {}
    topic_ids: dict[str, tuple[str, int]] = {}
    topic_dir = data_dir / "topics"
    paths = sorted(topic_dir.glob("*.yaml"))
    if not paths:
        messages.append(LintMessage(str(topic_dir), 1, "no topic files"))
    for path in paths:
        try:
            raws = read_topic_file(path)
            lines = topic_lines(path)
        except (KnowledgeBaseError, yaml.YAMLError) as exc:
            line = 1
            mark = getattr(exc, "problem_mark", None)
            if mark is not None:
                line = mark.line + 1
            messages.append(LintMessage(str(path), line, f"cannot read: {exc}"))
            continue
        for index, raw in enumerate(raws):
            line = lines[index] if index < len(lines) else 1
            try:
                topic = parse_topic(raw, f"topic #{index + 1}")
            except KnowledgeBaseError as exc:
                messages.append(LintMessage(str(path), line, str(exc)))
                continue
            messages += _lint_topic(topic, path, line, catalog, known, claimed, topic_ids)
            messages += [
                LintMessage(str(path), line, f"{topic.id}: {message}")
                for message in numbers_written_twice(raw)
            ]
    return sorted(messages)


def _lint_definitions(data_dir: Path, known: dict[str, set[str]]) -> list[LintMessage]:
    """The phases' early treatments must be treatment kinds the records vocabulary knows."""
    path = data_dir / "definitions.yaml"
    try:
        phases = load_phases(data_dir)
    except KnowledgeBaseError as exc:
        return [LintMessage(str(path), 1, str(exc))]
    return [
        LintMessage(str(path), 1, f"phases.early_treatments: unknown treatment kind {kind!r}")
        for kind in phases.early_treatments
        if kind not in known["treatments"]
    ]


_BOUND_NUMBER_KEYS = ("min", "max")
_WORDING_KEYS = ("text", "met", "not_met", "unknown")


def _bound_numbers(check: object) -> set[float]:
    found: set[float] = set()
    if isinstance(check, dict):
        for key, value in check.items():
            if key in _BOUND_NUMBER_KEYS and isinstance(value, int | float):
                found.add(float(value))
            else:
                found |= _bound_numbers(value)
    elif isinstance(check, list):
        for value in check:
            found |= _bound_numbers(value)
    return found


def numbers_written_twice(raw: dict) -> list[str]:
    """A guideline number written both in a criterion's check and in its wording is written
    twice: it must be a ``parameters`` entry that both use as ``$name``."""
    messages = []
    for g_index, guidance in enumerate(raw.get("guidance") or []):
        if not isinstance(guidance, dict):
            continue
        for criterion in guidance.get("criteria") or []:
            if not isinstance(criterion, dict):
                continue
            numbers = _bound_numbers(criterion.get("check"))
            wording = " ".join(str(criterion.get(k) or "") for k in _WORDING_KEYS)
            stated = {float(n) for n in re.findall(r"(?<![\w.$])(\d+(?:\.\d+)?)(?![\w.])", wording)}
            for number in sorted(numbers & stated):
                shown = int(number) if number.is_integer() else number
                messages.append(
                    f"guidance #{g_index + 1}, criterion {criterion.get('id')}: {shown} is "
                    "written in the check and in the wording; make it a parameter ($name)"
                )
    return messages


def _lint_topic(
    topic: Topic,
    path: Path,
    line: int,
    catalog: SourceCatalog,
    known: dict[str, set[str]],
    claimed: dict[str, tuple[str, str, int]],
    topic_ids: dict[str, tuple[str, int]],
) -> list[LintMessage]:
    problems: list[str] = []
    if topic.id in topic_ids:
        first = topic_ids[topic.id]
        problems.append(f"topic id also defined at {first[0]}:{first[1]}")
    topic_ids[topic.id] = (str(path), line)
    problems += _claim_problems(topic, str(path), line, claimed)
    problems += _match_problems(topic, known)
    for number, guidance in enumerate(topic.guidance, start=1):
        problems += _guidance_problems(number, guidance, catalog, known)
    return [LintMessage(str(path), line, f"{topic.id}: {problem}") for problem in problems]


def _claim_problems(
    topic: Topic, path: str, line: int, claimed: dict[str, tuple[str, str, int]]
) -> list[str]:
    """A synonym, drug or pattern another topic already claims would make matching ambiguous."""
    keys = [f"synonym:{s.lower()}" for s in topic.synonyms]
    keys += [f"drug:{d}" for d in topic.match.drugs]
    # a topic of general guidance by kind of service (negative priority) matches only where
    # no specific topic does, so its patterns overlap the specific topics' on purpose
    general = topic.match.priority < 0
    keys += [
        f"pattern:{p.lower()}"
        for p in topic.match.patterns
        if not topic.match.regions and not topic.match.drugs and not general
    ]
    if general:
        keys = [k for k in keys if not k.startswith("synonym:")]
    problems = []
    for key in keys:
        if key in claimed and claimed[key][0] != topic.id:
            other, other_path, other_line = claimed[key]
            problems.append(
                f"{key.split(':', 1)[0]} {key.split(':', 1)[1]!r} is also claimed by {other} "
                f"({other_path}:{other_line})"
            )
        claimed.setdefault(key, (topic.id, path, line))
    return problems


def _match_problems(topic: Topic, known: dict[str, set[str]]) -> list[str]:
    """Names the topic's match rules use must exist in the vocabulary; patterns must compile."""
    match = topic.match
    problems = [f"unknown drug {g!r} in match" for g in match.drugs if g not in known["generics"]]
    problems += [
        f"unknown drug class {c!r} in match"
        for c in match.drug_classes
        if c not in known["classes"]
    ]
    problems += [
        f"unknown body region {r!r} in match" for r in match.regions if r not in known["regions"]
    ]
    problems += [
        f"unknown modality {m!r} in match" for m in match.modalities if m not in known["modalities"]
    ]
    if topic.treatment_kind and topic.treatment_kind not in known["treatments"]:
        problems.append(f"unknown treatment kind {topic.treatment_kind!r}")
    for pattern in (*match.patterns, *match.exclude):
        try:
            re.compile(pattern)
        except re.error as exc:
            problems.append(f"bad match pattern {pattern!r}: {exc}")
            continue
        if _PUNCTUATION_ONLY.fullmatch(pattern):
            problems.append(
                f"match pattern {pattern!r} is punctuation alone: matched as a whole word it "
                "never occurs between two words; write the words around it"
            )
    return problems


# a pattern of escaped or bare punctuation only ('/', '\+'), which word bounds never match
_PUNCTUATION_ONLY = re.compile(r"(?:\\?[^\w\s\\])+")


def _guidance_problems(
    number: int, guidance: GuidanceSpec, catalog: SourceCatalog, known: dict[str, set[str]]
) -> list[str]:
    """One guidance entry: what it cites, its criteria and its condition."""
    problems = _citation_problems(number, guidance, catalog)
    seen_ids: set[str] = set()
    for criterion in guidance.criteria:
        if criterion.id in seen_ids:
            problems.append(f"guidance {number}: criterion id {criterion.id!r} used twice")
        seen_ids.add(criterion.id)
        for problem in _check_names(criterion.check, known):
            problems.append(f"guidance {number}: criterion {criterion.id}: {problem}")
    if guidance.when is not None:
        for problem in _check_names(guidance.when, known):
            problems.append(f"guidance {number}: when: {problem}")
    if guidance.recommendation != "recommended" and not guidance.criteria:
        problems.append(f"guidance {number}: a {guidance.recommendation} guidance needs criteria")
    return problems


def _citation_problems(number: int, guidance: GuidanceSpec, catalog: SourceCatalog) -> list[str]:
    """Cited documents, chapters and pages exist; one entry is all MTUS or all not, because
    the MTUS is searched first (8 CCR 9792.21.1)."""
    problems = []
    families = set()
    for document_id, cite in guidance.cites.items():
        for problem in _cite_problems(catalog, document_id, cite.chapter, cite.pages):
            problems.append(f"guidance {number}: {problem}")
        with contextlib.suppress(KnowledgeBaseError):
            families.add(catalog.document(document_id).family.value)
    if len({family.startswith("MTUS-") for family in families}) > 1:
        problems.append(
            f"guidance {number}: mixes MTUS and non-MTUS documents {sorted(families)}; "
            "list them as separate guidance entries in search-sequence order"
        )
    for variants in guidance.also_cite:
        for document_id, cite in variants.items():
            for problem in _cite_problems(catalog, document_id, cite.chapter, cite.pages):
                problems.append(f"guidance {number} also_cite: {problem}")
    return problems
