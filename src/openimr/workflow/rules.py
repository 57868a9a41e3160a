"""Load and validate the workflow rules (``rules/imr.yaml``, ``rules/specialties.yaml``).

Deadline periods, filing windows, reviewer thresholds and their sources live in those files;
this module only checks that the files are well-formed (known checks, known dates, no
overlapping variants left unreachable) so a typo fails at start-up, not in a case.
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from openimr.errors import InputError

RULES_DIR = Path(__file__).parent / "rules"

#: The checks the eligibility code knows how to evaluate (see ``eligibility.CHECKS``).
KNOWN_CHECKS = frozenset(
    {
        "within_imr_era",
        "filed_in_time",
        "application_signed",
        "ur_decision_attached",
        "medical_necessity_dispute",
        "no_cnc",
        "not_duplicate",
    }
)
#: Case dates a deadline may start from or be met by.
CaseDate = Literal[
    "ur_decision_served", "received", "screened", "assigned", "records_complete", "letter_issued"
]


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Applies(_Rule):
    """The dates a rule applies to, compared with the UR decision or receipt date."""

    by: Literal["ur_decision", "received"] = "received"
    from_: date | None = Field(default=None, alias="from")
    to: date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Applies:
        if self.from_ and self.to and self.to < self.from_:
            raise ValueError(f"applies.to {self.to} is before applies.from {self.from_}")
        return self

    def covers(self, on: date) -> bool:
        if self.from_ and on < self.from_:
            return False
        return not (self.to and on > self.to)


class EligibilityRule(_Rule):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    check: str
    title: str
    explanation: str
    source: str
    applies: Applies = Field(default_factory=Applies)
    params: dict[str, Any] = Field(default_factory=dict)
    on_fail: Literal["ineligible", "needs_information"]
    #: The applicant can cure a failure by sending what was missing; see ``rules/imr.yaml``.
    correctable: bool = False

    @field_validator("check")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in KNOWN_CHECKS:
            raise ValueError(f"unknown check {value!r}; known: {', '.join(sorted(KNOWN_CHECKS))}")
        return value


class DeadlineVariant(_Rule):
    when: dict[
        Literal["review_type", "notice_method", "ur_service_method", "formulary_dispute"],
        str | bool,
    ] = Field(default_factory=dict)
    applies: Applies | None = None
    amount: int = Field(ge=0, le=366)
    unit: Literal["calendar_days", "business_days"]
    note: str | None = None


class DeadlineRule(_Rule):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    source: str
    starts: CaseDate
    provisional_from: str | None = None
    requires_eligible: bool = False
    met_by: CaseDate
    variants: list[DeadlineVariant] = Field(min_length=1)

    @model_validator(mode="after")
    def _fallback_last(self) -> DeadlineRule:
        last = self.variants[-1]
        if last.when or last.applies:
            raise ValueError(f"deadline {self.id}: the last variant must apply unconditionally")
        return self


class BusinessDays(_Rule):
    weekdays_only: bool = True
    holidays: list[date] = Field(default_factory=list)


class BoardCertification(_Rule):
    """How many board certifications a reviewer needs, and of which professions."""

    at_least: int = Field(ge=0)
    required_for: list[str]
    source: str


class ReviewerQualifications(_Rule):
    source: str
    require_license: bool = True
    require_unrestricted_license: bool = True
    years_active_practice_more_than: float = Field(ge=0)
    weekly_clinical_hours_at_least: float = Field(ge=0)
    professions: dict[str, str] = Field(min_length=1)
    board_certification: BoardCertification
    conflict_parties: list[
        Literal["employer", "employee", "requesting_physician", "providers", "claims_administrator"]
    ]

    @model_validator(mode="after")
    def _known_professions(self) -> ReviewerQualifications:
        for name in self.board_certification.required_for:
            if name not in self.professions:
                raise ValueError(f"board_certification names {name!r}, not a listed profession")
        return self

    def certifications_needed(self, profession: str) -> int:
        """Board certifications a reviewer of ``profession`` needs (0 where none is asked)."""
        rule = self.board_certification
        return rule.at_least if profession in rule.required_for else 0


class WorkflowRules(_Rule):
    version: Literal[1]
    timezone: str
    eligibility: list[EligibilityRule] = Field(min_length=1)
    business_days: BusinessDays
    deadlines: list[DeadlineRule] = Field(min_length=1)
    reviewer_qualifications: ReviewerQualifications

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @model_validator(mode="after")
    def _references(self) -> WorkflowRules:
        ids = [rule.id for rule in self.eligibility]
        if len(ids) != len(set(ids)):
            raise ValueError("eligibility rule ids must be unique")
        seen: set[str] = set()
        for deadline in self.deadlines:
            if deadline.id in seen:
                raise ValueError(f"deadline {deadline.id} is defined twice")
            if deadline.provisional_from and deadline.provisional_from not in seen:
                raise ValueError(
                    f"deadline {deadline.id}: provisional_from {deadline.provisional_from!r} "
                    "must name a deadline defined before it"
                )
            seen.add(deadline.id)
        return self


class Coverage(_Rule):
    """Specialties that evaluate or treat the services named by ``terms``, and why."""

    specialties: list[str] = Field(min_length=1)
    terms: list[str] = Field(min_length=1)
    source: str = Field(min_length=1)


class SpecialtyRules(_Rule):
    version: Literal[1]
    aliases: dict[str, list[str]]
    generalists: list[str]
    coverage: list[Coverage]

    @model_validator(mode="after")
    def _canonical(self) -> SpecialtyRules:
        known = set(self.aliases)
        for name in self.generalists:
            if name not in known:
                raise ValueError(f"generalist {name!r} is not a specialty listed under aliases")
        for entry in self.coverage:
            for name in entry.specialties:
                if name not in known:
                    raise ValueError(f"coverage names {name!r}, not a specialty under aliases")
        return self

    def canonical(self, name: str) -> str:
        """Fold a spelling onto the canonical specialty name (unknown names are kept)."""
        key = normalize_name(name)
        for canonical, spellings in self.aliases.items():
            if key == canonical or key in {normalize_name(s) for s in spellings}:
                return canonical
        return key

    def specialties_for(self, text: str) -> set[str]:
        """Specialties whose coverage terms occur in ``text``."""
        found: set[str] = set()
        lowered = text.casefold()
        for entry in self.coverage:
            if any(_term_pattern(term).search(lowered) for term in entry.terms):
                found.update(entry.specialties)
        return found


@cache
def _term_pattern(term: str) -> re.Pattern[str]:
    stem = term.endswith("*")
    body = re.escape(term.rstrip("*").casefold())
    return re.compile(rf"(?<![a-z0-9]){body}" + ("" if stem else r"(?![a-z0-9])"))


def normalize_name(value: str) -> str:
    """Lower-case, single spaces, no surrounding punctuation: for comparing names."""
    return re.sub(r"\s+", " ", value.casefold().strip().strip(".,;:")).strip()


def _load(path: Path, model: type[BaseModel]) -> Any:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return model.model_validate(data)
    except OSError as exc:
        raise InputError(f"cannot read rules: {exc.strerror}", source=str(path)) from None
    except yaml.YAMLError as exc:
        raise InputError(f"malformed YAML: {exc}", source=str(path)) from None
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        location = ".".join(str(part) for part in first.get("loc", ()))
        raise InputError(str(first.get("msg")), source=str(path), location=location) from None


@cache
def workflow_rules(path: Path | None = None) -> WorkflowRules:
    """The eligibility, deadline and qualification rules (validated, cached)."""
    result: WorkflowRules = _load(path or RULES_DIR / "imr.yaml", WorkflowRules)
    return result


@cache
def specialty_rules(path: Path | None = None) -> SpecialtyRules:
    """Which specialties cover which services (validated, cached)."""
    result: SpecialtyRules = _load(path or RULES_DIR / "specialties.yaml", SpecialtyRules)
    return result
