"""Treatment topics: what a request is about, which guidelines address it, and their criteria.

Topics live in ``data/topics/*.yaml``, one entry per topic. Each topic lists its guidance in
Medical Evidence Search Sequence order: MTUS documents first, then ODG or other sources for
where the MTUS is silent. Each guidance entry names its document (see ``sources.yaml``),
section and pages, the recommendation in our own words, and the criteria the engine checks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from openimr.errors import KnowledgeBaseError
from openimr.knowledge.checks import Check, parse_check
from openimr.knowledge.sources import DATA_DIR, SourceCatalog, load_sources

TOPICS_DIR = DATA_DIR / "topics"

Recommendation = Literal[
    "recommended",
    "recommended_with_criteria",
    "option",
    "not_recommended",
    "not_addressed",
]
TopicKind = Literal[
    "drug",
    "compound",
    "service",
    "therapy",
    "imaging",
    "test",
    "injection",
    "procedure",
    "equipment",
    "consultation",
    "program",
    "visit",
    "associated_service",
    "other",
]


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


def _check(value: Any, info: Any) -> Check | None:
    if value is None or isinstance(value, Check):
        return value
    return parse_check(value, info.field_name)


class Cite(_Data):
    """Where in one document the guidance is found."""

    chapter: int | str | None = None
    sections: tuple[str, ...] = ()
    pages: str | None = None


class CriterionSpec(_Data):
    """One criterion: what it requires, how the engine checks it, and how to say the outcome."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    text: str = Field(min_length=5)
    check: Check
    required: bool = True
    met: str | None = None
    not_met: str | None = None
    unknown: str | None = None

    _parse = field_validator("check", mode="before")(_check)


class Parameter(_Data):
    """A number the guideline states (visits, weeks, doses), written once for its guidance.

    Criteria use it as ``$name`` in their check, text and outcome wording, so the number a
    physician reads is the number the engine checks.
    """

    value: float
    unit: str | None = None
    reference: str | None = None

    def words(self) -> str:
        number = int(self.value) if float(self.value).is_integer() else self.value
        return str(number)


class GuidanceSpec(_Data):
    """What one guideline says about the topic.

    ``cites`` maps document ids (editions of the same guideline, newest first) to the place
    in each; the engine cites the first one in force on the reference date.
    """

    cites: dict[str, Cite] = Field(min_length=1)
    parameters: dict[str, Parameter] = Field(default_factory=dict)
    when: Check | None = None
    recommendation: Recommendation
    summary: str = Field(min_length=10)
    criteria: tuple[CriterionSpec, ...] = ()
    also_cite: tuple[dict[str, Cite], ...] = ()

    _parse = field_validator("when", mode="before")(_check)

    @field_validator("cites", mode="before")
    @classmethod
    def _empty_cites(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: ({} if v is None else v) for k, v in value.items()}
        return value


class MatchSpec(_Data):
    """How a request is recognised as being about this topic."""

    patterns: tuple[str, ...] = ()
    drugs: tuple[str, ...] = ()
    drug_classes: tuple[str, ...] = ()
    modalities: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    priority: int = 0
    #: the patterns match, or the request names any drug the vocabulary knows
    or_any_drug: bool = False


class Topic(_Data):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    category: str
    kind: TopicKind
    match: MatchSpec
    synonyms: tuple[str, ...] = ()
    treatment_kind: str | None = None
    unit: str | None = None
    follows_procedure: bool = False
    procedure: bool = False
    guidance: tuple[GuidanceSpec, ...] = Field(min_length=1)
    notes: str | None = None


class Phases(_Data):
    acute_max_weeks: float
    chronic_min_weeks: float
    early_treatments: tuple[str, ...] = ()
    reference: str


@dataclass(frozen=True)
class TopicLocation:
    path: Path
    line: int


@dataclass(frozen=True)
class CompiledMatch:
    topic: Topic
    patterns: re.Pattern[str] | None
    exclude: re.Pattern[str] | None


class KnowledgeBase:
    """All topics and sources, with the compiled request-matching patterns."""

    def __init__(
        self,
        topics: list[Topic],
        sources: SourceCatalog,
        phases: Phases,
        locations: dict[str, TopicLocation] | None = None,
    ) -> None:
        self.topics = topics
        self.sources = sources
        self.phases = phases
        self.locations = locations or {}
        self._by_id = {t.id: t for t in topics}
        self.matchers = [_compile_match(t) for t in topics]

    def topic(self, topic_id: str) -> Topic:
        try:
            return self._by_id[topic_id]
        except KeyError:
            raise KnowledgeBaseError(f"unknown topic {topic_id!r}") from None

    def __contains__(self, topic_id: str) -> bool:
        return topic_id in self._by_id


def _compile_match(topic: Topic) -> CompiledMatch:
    def alternation(items: tuple[str, ...]) -> re.Pattern[str] | None:
        if not items:
            return None
        body = "|".join(f"(?:{p})" for p in items)
        try:
            return re.compile(rf"(?<![\w-])(?:{body})(?![\w])", re.IGNORECASE)
        except re.error as exc:
            raise KnowledgeBaseError(f"topic {topic.id}: bad match pattern: {exc}") from None

    return CompiledMatch(topic, alternation(topic.match.patterns), alternation(topic.match.exclude))


def _yaml_load(text: str) -> Any:
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def topic_lines(path: Path) -> list[int]:
    """1-based line of each topic entry in a topic file (for lint messages)."""
    node = yaml.compose(path.read_text(encoding="utf-8"))
    if node is None:
        return []
    for key, value in node.value:
        if key.value == "topics" and isinstance(value, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in value.value]
    return []


def read_topic_file(path: Path) -> list[dict[str, Any]]:
    try:
        data = _yaml_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise KnowledgeBaseError(f"{path}: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("topics"), list):
        raise KnowledgeBaseError(f"{path}:1: expected a mapping with a 'topics' list")
    return data["topics"]


_PARAMETER = re.compile(r"\$([a-z][a-z0-9_]*)")


def _substitute(value: Any, parameters: dict[str, Parameter], path: str) -> Any:
    """Replace ``$name`` by the parameter: a number where it stands alone, else its words."""
    if isinstance(value, dict):
        return {k: _substitute(v, parameters, f"{path}.{k}") for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, parameters, f"{path}[{i}]") for i, v in enumerate(value)]
    if not isinstance(value, str) or "$" not in value:
        return value
    for name in _PARAMETER.findall(value):
        if name not in parameters:
            raise KnowledgeBaseError(f"{path}: unknown parameter ${name}")
    whole = _PARAMETER.fullmatch(value.strip())
    if whole:
        return parameters[whole.group(1)].value
    return _PARAMETER.sub(lambda m: parameters[m.group(1)].words(), value)


def resolve_parameters(raw: dict[str, Any], where: str = "topic") -> dict[str, Any]:
    """A topic entry with every guidance's ``$name`` references replaced by its parameters."""
    guidance = raw.get("guidance")
    if not isinstance(guidance, list):
        return raw
    resolved = []
    for index, entry in enumerate(guidance):
        if not isinstance(entry, dict) or "parameters" not in entry:
            resolved.append(entry)
            continue
        try:
            parameters = {
                name: Parameter.model_validate(spec)
                for name, spec in (entry.get("parameters") or {}).items()
            }
        except ValidationError as exc:
            raise KnowledgeBaseError(f"{where}: guidance.{index}.parameters: {exc}") from None
        body = {k: v for k, v in entry.items() if k not in ("parameters", "cites")}
        body = _substitute(body, parameters, f"{where}: guidance.{index}")
        resolved.append({**body, "cites": entry["cites"], "parameters": entry["parameters"]})
    return {**raw, "guidance": resolved}


def parse_topic(raw: dict[str, Any], where: str) -> Topic:
    try:
        return Topic.model_validate(resolve_parameters(raw, where))
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        loc = ".".join(str(p) for p in first.get("loc", ()))
        raise KnowledgeBaseError(f"{where}: {loc}: {first.get('msg')}") from None
    except KnowledgeBaseError as exc:
        raise KnowledgeBaseError(f"{where}: {exc}") from None


def load_phases(data_dir: Path) -> Phases:
    try:
        data = _yaml_load((data_dir / "definitions.yaml").read_text(encoding="utf-8"))
        return Phases.model_validate(data["phases"])
    except (OSError, KeyError, TypeError, yaml.YAMLError, ValidationError) as exc:
        raise KnowledgeBaseError(f"{data_dir / 'definitions.yaml'}: {exc}") from None


def load_knowledge_base(data_dir: Path = DATA_DIR, *, strict: bool = True) -> KnowledgeBase:
    """Read every topic file; raise on the first invalid entry (lint reports them all)."""
    topics: list[Topic] = []
    locations: dict[str, TopicLocation] = {}
    for path in sorted((data_dir / "topics").glob("*.yaml")):
        for index, raw in enumerate(read_topic_file(path)):
            topic = parse_topic(raw, f"{path}: topic #{index + 1}")
            if topic.id in locations and strict:
                raise KnowledgeBaseError(f"{path}: topic id {topic.id!r} is defined twice")
            topics.append(topic)
            locations[topic.id] = TopicLocation(path, index + 1)
    return KnowledgeBase(topics, load_sources(data_dir), load_phases(data_dir), locations)


@cache
def default_knowledge_base() -> KnowledgeBase:
    """The bundled knowledge base, loaded once per process."""
    return load_knowledge_base()
