"""The Determination: what the engine proposes, what a physician signs, what a letter states.

The same types serve the decision engine, the letters (rendered and parsed), the store and
the web workbench, so that a parsed published letter and an engine proposal can be compared
field by field.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator


class Decision(StrEnum):
    """Outcome of IMR for one disputed item: the UR decision is upheld or overturned."""

    UPHELD = "upheld"
    OVERTURNED = "overturned"


class GuidelineFamily(StrEnum):
    """Which body of evidence a citation belongs to (Medical Evidence Search Sequence order)."""

    MTUS_CPMTG = "MTUS-CPMTG"
    MTUS_ACOEM = "MTUS-ACOEM"
    MTUS_OPIOIDS = "MTUS-Opioids"
    MTUS_POSTSURGICAL = "MTUS-Postsurgical"
    MTUS_ACUPUNCTURE = "MTUS-Acupuncture"
    MTUS_FORMULARY = "MTUS-Formulary"
    ODG = "ODG"
    OTHER = "other"
    NONE = "none"

    @property
    def is_mtus(self) -> bool:
        return self.value.startswith("MTUS-")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


class GuidelineCitation(_Model):
    """One guideline relied on, as a letter would cite it.

    ``sections`` carries section names (2016-17 letters cite sections by name) and ``pages``
    the page citation (2014 letters cite pages); both are kept where known.
    """

    family: GuidelineFamily
    title: str | None = None
    chapter: str | None = None
    sections: list[str] = Field(default_factory=list)
    pages: str | None = None
    edition: str | None = None
    #: True when a letter names this guideline in the same "Decision based on ..." clause as
    #: the citation before it (one clause may name several MTUS documents); the clause's
    #: family is that of its first citation.
    same_clause: bool = False

    @computed_field  # type: ignore[prop-decorator]
    @property
    def section(self) -> str | None:
        """The sections joined for display (the engine contract names this field)."""
        return ", ".join(self.sections) if self.sections else None

    @model_validator(mode="before")
    @classmethod
    def _drop_derived(cls, data: Any) -> Any:
        if isinstance(data, dict) and "section" in data:
            data = dict(data)
            derived = data.pop("section")
            if derived and not data.get("sections"):
                data["sections"] = [s.strip() for s in str(derived).split(",") if s.strip()]
        return data


class Evidence(_Model):
    """Words in a record that support a finding: record index and character span."""

    record_index: int = Field(ge=0)
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    quote: str
    #: The page of the record's document on which the quoted words start, known when the
    #: record was read from a document; left out of dumps otherwise, so a determination of a
    #: case file without sources serializes as before.
    page: int | None = Field(default=None, ge=1, exclude_if=lambda value: value is None)


class CriterionResult(_Model):
    """One criterion of the guideline, judged on the records.

    ``met`` is ``None`` when the records do not document it either way.
    """

    id: str
    text: str
    met: bool | None
    required: bool = True
    finding: str | None = None
    evidence: list[Evidence] = Field(default_factory=list)


class Quantity(_Model):
    value: float
    unit: str


class Drug(_Model):
    """A medication named in a request, resolved from brand to generic to class."""

    name: str
    generic: str | None = None
    drug_class: str | None = None
    strength: str | None = None
    form: str | None = None


class UrModification(_Model):
    """A UR decision that authorized part of a request; only the remainder is disputed.

    ``authorized`` is what the claims administrator approved, as worded; ``remaining`` is the
    IMR-eligible portion that is reviewed (the whole original request when the UR approved
    something different from what was asked).
    """

    original_request: str
    authorized: str | None = None
    remaining: str


class NormalizedRequest(_Model):
    """A free-text request read into what the guidelines reason about."""

    topic: str
    topic_title: str | None = None
    reviewed_text: str
    quantity: Quantity | None = None
    frequency_per_week: float | None = None
    duration_weeks: float | None = None
    refills: int | None = None
    body_regions: list[str] = Field(default_factory=list)
    laterality: Literal["left", "right", "bilateral"] | None = None
    drug: Drug | None = None
    ingredients: list[Drug] = Field(default_factory=list)
    retrospective: bool = False
    continuation: bool = False
    first_course: bool = False
    doses_per_day: float | None = None


class Flag(_Model):
    """Something the physician must look at before signing."""

    code: str
    message: str


class AuditFinding(_Model):
    """A finding about the claims administrator's (UR's) basis for its decision."""

    code: str
    severity: Literal["info", "warning", "error"] = "warning"
    message: str


class ItemDetermination(_Model):
    """The decision on one disputed item with its citation, criteria and rationale."""

    request: str
    ur_modification: UrModification | None = None
    normalized: NormalizedRequest | None = None
    decision: Decision
    guideline: GuidelineCitation
    additional_guidelines: list[GuidelineCitation] = Field(default_factory=list)
    claims_administrator_guideline: str | None = None
    criteria: list[CriterionResult] = Field(default_factory=list)
    rationale: str = ""
    confidence: float | None = Field(default=None, ge=0.0, le=1.0)
    flags: list[Flag] = Field(default_factory=list)
    claims_administrator_audit: list[AuditFinding] = Field(default_factory=list)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def medically_necessary(self) -> bool:
        """Overturned means the treatment is medically necessary; derived, never stored."""
        return self.decision is Decision.OVERTURNED

    @model_validator(mode="before")
    @classmethod
    def _check_derived(cls, data: Any) -> Any:
        if isinstance(data, dict) and "medically_necessary" in data:
            data = dict(data)
            necessary = data.pop("medically_necessary")
            decision = data.get("decision")
            if necessary is not None and decision is not None:
                expected = str(decision) == Decision.OVERTURNED.value
                if bool(necessary) != expected:
                    raise ValueError("medically_necessary contradicts decision")
        return data

    @property
    def citations(self) -> list[GuidelineCitation]:
        """Every guideline relied on, primary first."""
        return [self.guideline, *self.additional_guidelines]


class EditionChoice(_Model):
    """Which MTUS edition was applied to the case, and why."""

    edition: str
    effective_from: date | None = None
    effective_to: date | None = None
    reference_date: date | None = None
    reason: str


class ReviewerCredentials(_Model):
    """What a letter may say about the expert reviewer (never the name)."""

    licensure: list[str] = Field(default_factory=list)
    certifications: list[str] = Field(default_factory=list)
    specialty: str | None = None


class Determination(_Model):
    """A determination on every disputed item of one IMR case.

    ``source`` says where it came from: the engine's proposal, a physician's signed
    determination, or a parsed published letter.
    """

    case_id: str | None = None
    source: Literal["engine", "reviewer", "letter"] = "engine"
    program: Literal["dwc"] = "dwc"
    priority: Literal["standard", "expedited"] = "standard"
    date_of_injury: date | None = None
    ur_decision_date: date | None = None
    date_assigned: date | None = None
    application_received: date | None = None
    decision_date: date | None = None
    reviewer: ReviewerCredentials | None = None
    guideline_edition: EditionChoice | None = None
    clinical_case_summary: str = ""
    #: What the letter lists under DOCUMENTS REVIEWED (later letter layouts), one entry a line.
    documents_reviewed: list[str] = Field(default_factory=list)
    items: list[ItemDetermination] = Field(min_length=1)
    engine_version: str | None = None

    def to_json(self, *, indent: int | None = 2) -> str:
        """Stable JSON: the same determination always gives the same bytes."""
        return self.model_dump_json(indent=indent)
