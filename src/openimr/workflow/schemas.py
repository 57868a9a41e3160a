"""Pydantic schemas the workflow takes and returns (also the API's bodies and responses).

They carry everything a reviewer workbench needs to show (deadlines, eligibility result,
assignment reasons, proposal, edits, versions), so a web layer can call the workflow in
Python without going through HTTP.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from openimr.casefile import clean_text
from openimr.domain import Decision, Determination, GuidelineCitation
from openimr.workflow.states import CaseStatus

#: Counts, versions and offsets fit a 32-bit signed integer: no registry, case list, audit log
#: or version history comes near it, and every database column holding them takes it.
MAX_COUNT = 2**31 - 1
#: Dates the service computes deadlines from: a year no one means a form's date to be would
#: only overflow the arithmetic.
EARLIEST_FORM_DATE = date(1900, 1, 1)
LATEST_FORM_DATE = date(2199, 12, 31)


class _In(BaseModel):
    """A body the service takes: no field may carry a character no record may hold (NUL,
    control characters, lone surrogates, non-characters), which storage or a letter would
    break on."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _characters(cls, value: Any) -> Any:
        return _checked_characters(value)


def _checked_characters(value: Any) -> Any:
    """Walk a validated value; bodies nested in it check their own fields (naming them)."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list | tuple):
        for item in value:
            _checked_characters(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _checked_characters(key)
            _checked_characters(item)
    elif isinstance(value, BaseModel) and not isinstance(value, _In):
        for item in value.__dict__.values():
            _checked_characters(item)
    return value


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _aware(cls, value: Any) -> Any:
        """Every moment is stored in UTC, but SQLite hands it back naive: say so, as the
        OpenAPI document's ``date-time`` (RFC 3339) requires and PostgreSQL does."""
        if isinstance(value, datetime) and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Role(StrEnum):
    INTAKE = "intake"
    REVIEWER = "reviewer"
    ADMIN = "admin"
    #: Reviews signed determinations before release, when the organization asks for it.
    MEDICAL_DIRECTOR = "medical_director"


class DeterminationStatus(StrEnum):
    """Where the reviewer's determination stands: none yet, a draft, or signed (frozen)."""

    NONE = "none"
    DRAFT = "draft"
    SIGNED = "signed"


class ItemReview(StrEnum):
    """The reviewer's word on one disputed item so far."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    EDITED = "edited"


class DocumentKind(StrEnum):
    """What a stored document is: the case file as received (canonical JSON and, when it
    differs, the original upload), a record added later, or a letter."""

    CASE_FILE = "case_file"
    ORIGINAL = "original"
    RECORD = "record"
    LETTER = "letter"


class AssignmentKind(StrEnum):
    """The reviewer of the case, or a second one added with the Administrative Director's
    approval."""

    PRIMARY = "primary"
    ADDITIONAL = "additional"


class Actor(_Out):
    """Who is acting: a user of the API, or the command line (``user_id`` None)."""

    user_id: int | None = None
    name: str
    role: Role
    reviewer_id: int | None = None

    @property
    def label(self) -> str:
        """How the audit log names the actor: user id and role, no personal name."""
        if self.user_id is None:
            return f"{self.name}:{self.role.value}"
        return f"user:{self.user_id}:{self.role.value}"


class Application(_In):
    """Facts of the DWC Form IMR that the case file does not carry.

    Unknown facts stay ``None`` and make screening ask for information rather than guess.
    """

    received_on: date | None = Field(
        default=None,
        ge=EARLIEST_FORM_DATE,
        le=LATEST_FORM_DATE,
        description="Date the application was received (default: today).",
    )
    review_type: Literal["regular", "expedited"] | None = Field(
        default=None,
        description="Type of review the form asks for (default: the case file's review_type); "
        "expedited when the treating physician certifies an imminent and serious threat to "
        "health (8 CCR 9792.10.4(c)).",
    )
    ur_decision_served_on: date | None = Field(
        default=None,
        ge=EARLIEST_FORM_DATE,
        le=LATEST_FORM_DATE,
        description="Date the written UR decision was served (default: ur_decision_date).",
    )
    ur_service_method: Literal["mail", "electronic", "personal"] | None = None
    signed: bool | None = Field(
        default=None, description="The form carries the employee's or representative's signature."
    )
    ur_decision_attached: bool | None = Field(
        default=None,
        description="A copy of the UR decision came with it (default: the case file holds a "
        "record of kind ur_determination).",
    )
    ur_contains_cnc: bool = False
    disputes_medical_necessity: bool = True
    formulary_dispute: bool = False
    claim_number: str | None = Field(default=None, max_length=100)
    employer: str | None = Field(default=None, max_length=300)
    employee_name: str | None = Field(default=None, max_length=300)
    requesting_physician: str | None = Field(default=None, max_length=300)
    providers: list[str] = Field(default_factory=list, max_length=100)
    notice_method: Literal["mail", "electronic"] = "electronic"


class RuleOutcome(_Out):
    rule: str
    title: str
    source: str
    outcome: Literal["pass", "fail", "unknown", "not_applicable"]
    message: str


class EligibilityResult(_Out):
    """The screening decision with every rule's outcome and the reasons for it."""

    outcome: Literal["eligible", "ineligible", "needs_information"]
    screened_on: date
    reasons: list[str] = Field(default_factory=list)
    rules: list[RuleOutcome] = Field(default_factory=list)
    duplicate_of: list[str] = Field(default_factory=list)
    correctable: bool = Field(
        default=False,
        description="Ineligible only for reasons the applicant can cure (a missing signature, "
        "a missing copy of the UR decision): the case may be corrected and screened again.",
    )


class ScreeningOut(_Out):
    """One screening of a case, kept when the case is screened again: when, by whom, the
    outcome and its reasons, and which application facts had changed since the one before."""

    at: datetime
    actor_id: int | None
    outcome: Literal["eligible", "ineligible", "needs_information"]
    reasons: list[str]
    changed: list[str] = Field(default_factory=list)


class DeadlineView(_Out):
    name: str
    title: str
    due_on: date
    met_on: date | None = None
    provisional: bool = False
    overdue: bool = False
    late: bool = False
    days_left: int | None = None
    source: str
    basis: str


_PROFESSION = Field(
    default="md",
    min_length=1,
    max_length=20,
    pattern=r"^[a-z]+$",
    description="Kind of licence (md, do, dc, dpm, psychologist, dds, od, lac: the "
    "professions listed in workflow/rules/imr.yaml); decides whether board certification is "
    "required.",
)


class ReviewerIn(_In):
    """A registry entry as given to ``openimr reviewers add`` or the API."""

    code: str = Field(min_length=1, max_length=50, pattern=r"^[A-Za-z0-9._-]+$")
    name: str | None = Field(default=None, max_length=200)
    profession: str = _PROFESSION
    license_states: list[str] = Field(default_factory=list)
    license_unrestricted: bool = True
    board_certifications: list[str] = Field(default_factory=list)
    specialties: list[str] = Field(min_length=1)
    years_active_practice: float = Field(ge=0, le=80)
    weekly_clinical_hours: float = Field(ge=0, le=168)
    affiliations: list[str] = Field(default_factory=list)
    max_open_cases: int | None = Field(default=None, ge=1, le=MAX_COUNT)
    active: bool = True


class ReviewerChange(_In):
    """Changes to a registry entry: only the fields given change (``null`` clears the name
    and the case limit)."""

    name: str | None = Field(default=None, max_length=200)
    profession: str | None = Field(default=None, min_length=1, max_length=20, pattern=r"^[a-z]+$")
    license_states: list[str] | None = None
    license_unrestricted: bool | None = None
    board_certifications: list[str] | None = None
    specialties: list[str] | None = Field(default=None, min_length=1)
    years_active_practice: float | None = Field(default=None, ge=0, le=80)
    weekly_clinical_hours: float | None = Field(default=None, ge=0, le=168)
    affiliations: list[str] | None = None
    max_open_cases: int | None = Field(default=None, ge=1, le=MAX_COUNT)
    active: bool | None = None


class UserOut(_Out):
    """A user as the administrator sees them: never the token, only when it expires."""

    id: int
    name: str
    role: Role
    reviewer: str | None = None
    active: bool
    created_at: datetime
    token_expires_at: datetime | None = None
    open_sessions: int = 0
    has_password: bool = False


class ReviewerOut(_Out):
    """A registry entry as shown to staff (the name is shown to administrators only)."""

    id: int
    code: str
    name: str | None = None
    profession: str = "md"
    license_states: list[str]
    license_unrestricted: bool
    board_certifications: list[str]
    specialties: list[str]
    years_active_practice: float
    weekly_clinical_hours: float
    affiliations: list[str]
    max_open_cases: int | None
    active: bool
    open_cases: int = 0
    qualification_problems: list[str] = Field(
        default_factory=list,
        description="Why no case can be assigned to this reviewer now (empty when one can, "
        "subject to each case's specialty and conflict checks).",
    )


class ReviewerExclusion(_Out):
    reviewer: str
    reasons: list[str]


class AssignmentResult(_Out):
    """Who was assigned, why, and why each other reviewer was not."""

    case_id: str
    reviewer: str
    kind: AssignmentKind
    specialties: list[str]
    reasons: list[str]
    excluded: list[ReviewerExclusion]
    needed_specialties: list[list[str]]
    assigned_at: datetime
    automatic: str | None = Field(
        default=None, description="The reviewer the rules chose, when an override chose another."
    )
    override_reason: str | None = None


class AssignmentRequest(_In):
    reviewer: str | None = Field(
        default=None, description="Code of a reviewer to assign; they must still qualify."
    )
    additional: bool = Field(
        default=False,
        description="Add a second reviewer (administrators only; needs the written approval "
        "named in `approval`, 8 CCR 9792.10.6(b)).",
    )
    approval: str | None = Field(default=None, max_length=500)
    notice_method: Literal["mail", "electronic"] | None = None
    override_reason: str | None = Field(
        default=None,
        max_length=1000,
        description="Administrators: assign `reviewer` instead of the automatic choice (even "
        "past their case limit, never past a qualification, specialty or conflict rule), for "
        "this reason, which the assignment and the audit log keep.",
    )


class DocumentOut(_Out):
    """A stored document without its bytes (read from the store row's attributes)."""

    id: int
    kind: DocumentKind
    filename: str | None
    media_type: str
    size: int
    sha256: str
    created_at: datetime
    letter_version: int | None = None
    meta: dict[str, Any] = Field(default_factory=dict)
    has_text: bool = False


class EvidenceRef(_In):
    """Evidence to mark on a page, named by where it is in the case file and never by its
    words, so a link to it carries no record text."""

    record: int = Field(ge=0, le=MAX_COUNT)
    start: int = Field(ge=0, le=MAX_COUNT)
    end: int = Field(ge=1, le=MAX_COUNT)

    @model_validator(mode="after")
    def _ordered(self) -> EvidenceRef:
        if self.end <= self.start:
            raise ValueError(f"end {self.end} is not after start {self.start}")
        return self


class PageImageOut(_Out):
    """A page of a stored document as a PNG, and whether the evidence asked for was marked
    on it (None when none was asked; False when its words could not be placed)."""

    content: bytes
    marked: bool | None = None


class CaseEventOut(_Out):
    from_status: str | None
    to_status: str
    reason: str | None
    at: datetime
    actor_id: int | None


class CaseSummary(_Out):
    """What a case list shows: no health information."""

    id: str
    external_id: str | None
    status: str
    review_type: str
    version: int
    received_on: date
    deadlines: list[DeadlineView]
    overdue: bool
    reviewer: str | None = None
    least_confidence: float | None = Field(
        default=None,
        ge=0.0,
        le=1.0,
        description="The lowest confidence among the items of the case's latest proposal: how "
        "sure the engine is of its least sure item (a calibrated probability that a reviewer "
        "decides the same); null before a proposal exists.",
    )


#: The most cases one page of a case list holds.
MAX_PAGE_SIZE = 500
#: The longest search a case list takes (case and claim numbers, names).
MAX_SEARCH_CHARS = 200


class CaseSort(StrEnum):
    """How a case list is ordered: the next deadline first (overdue ones first, closed cases
    last), the least sure proposal first, by receipt or by case number (``-``: reversed)."""

    DEADLINE = "deadline"
    CONFIDENCE = "confidence"
    RECEIVED = "received"
    RECEIVED_DESC = "-received"
    CASE = "case"
    CASE_DESC = "-case"


class CaseQuery(_In):
    """Search, filters, order and page of a case list (the API's query parameters, and the
    workbench queue's)."""

    q: str | None = Field(
        default=None,
        max_length=MAX_SEARCH_CHARS,
        description="Part of a case number (IMR or external), of the claimant's name or of a "
        "claim number; case, accents, spaces and punctuation do not matter.",
    )
    status: list[CaseStatus] = Field(
        default_factory=list, max_length=len(CaseStatus), description="Only cases in these states."
    )
    review_type: Literal["regular", "expedited"] | None = None
    topic: str | None = Field(
        default=None,
        max_length=100,
        pattern=r"^[a-z0-9][a-z0-9_.-]*$",
        description="Only cases with a disputed treatment of this topic (as proposed).",
    )
    reviewer: str | None = Field(
        default=None, max_length=50, description="Only cases assigned to this reviewer code."
    )
    overdue: bool | None = Field(default=None, description="Only (not) overdue cases.")
    sort: CaseSort = CaseSort.RECEIVED_DESC
    limit: int = Field(default=100, ge=1, le=MAX_PAGE_SIZE)
    offset: int = Field(default=0, ge=0, le=MAX_COUNT)


class QueueItem(_Out):
    """A disputed treatment as a queue shows it, with the latest proposal on it."""

    request: str
    topic: str | None
    topic_title: str | None
    decision: Decision | None
    confidence: float | None


class CasePage(_Out):
    """One page of a case list, the number of cases matching, and (for the workbench queue)
    each case's disputed treatments with the proposals on them."""

    cases: list[CaseSummary]
    total: int
    limit: int
    offset: int
    items: dict[str, list[QueueItem]] = Field(default_factory=dict)
    #: What the filters offer: the topics proposed on any case (id, title), reviewer codes.
    topics: list[tuple[str, str]] = Field(default_factory=list)
    reviewers: list[str] = Field(default_factory=list)


class CaseDetail(CaseSummary):
    """A case in full, as the intake desk and the assigned reviewer see it."""

    case_file: dict[str, Any]
    case_file_sha256: str
    application: dict[str, Any]
    eligibility: EligibilityResult | None
    assignments: list[AssignmentResult]
    documents: list[DocumentOut]
    #: For each record of ``case_file``, the stored document it was read from, if any.
    record_documents: list[int | None] = Field(default_factory=list)
    events: list[CaseEventOut]
    screenings: list[ScreeningOut] = Field(default_factory=list)
    determination_status: DeterminationStatus | None = None
    determination_version: int | None = None
    quality_review_pending: bool = Field(
        default=False,
        description="The signed determination waits for the medical director's quality "
        "review before its letter is released (when the organization asks for one).",
    )
    quality_reviewed_at: datetime | None = None


class ItemEdit(_In):
    """The reviewer's word on one disputed item: accept the proposal as is, or change it."""

    action: Literal["accept", "edit"]
    decision: Decision | None = None
    guideline: GuidelineCitation | None = None
    additional_guidelines: list[GuidelineCitation] | None = None
    rationale: str | None = Field(default=None, max_length=50_000)


class DeterminationEdit(_In):
    """Body of ``PUT /cases/{id}/determination``: one entry per disputed item, in order."""

    version: int | None = Field(
        default=None,
        ge=0,
        le=MAX_COUNT,
        description="The version being edited (0 when none exists yet); or send If-Match.",
    )
    items: list[ItemEdit] = Field(min_length=1)
    clinical_case_summary: str | None = Field(default=None, max_length=200_000)


#: A written reason for signing past the letter checker's warnings (kept in the audit log).
MAX_REASON = 5_000


class SignRequest(_In):
    """Body of ``POST /cases/{id}/determination/sign``."""

    version: int | None = Field(
        default=None, ge=0, le=MAX_COUNT, description="The version being signed."
    )
    acknowledged_flags: list[Annotated[int, Field(ge=1, le=MAX_COUNT)]] = Field(
        default_factory=list,
        max_length=1000,
        description="Numbers (1-based, as the letter numbers them) of the items whose flags "
        "the reviewer has read; every item with flags must be listed.",
    )
    reason: str | None = Field(
        default=None,
        max_length=MAX_REASON,
        description="Why the determination is signed despite the letter checker's warnings; "
        "required when there are warnings, and kept in the audit log.",
    )


class SignoffFinding(_Out):
    """What the letter of the determination would get wrong: errors block signing, warnings
    need a written reason, notes are shown."""

    item: int | None = Field(description="The item (1-based), or null for the whole letter.")
    severity: Literal["error", "warning", "info"]
    code: str
    message: str
    quote: str | None = Field(default=None, description="The words the finding rests on.")


class ItemChange(_Out):
    index: int
    review: ItemReview
    changed_fields: list[str]


class DeterminationRevisionOut(_Out):
    version: int
    action: str
    at: datetime
    author_id: int | None
    content_sha256: str


class DeterminationView(_Out):
    """The reviewer's determination with what changed from the proposal and its history."""

    case_id: str
    status: DeterminationStatus
    version: int
    determination: Determination | None
    proposal_id: int | None
    proposal_outdated: bool = False
    items: list[ItemChange]
    revisions: list[DeterminationRevisionOut]
    signed_at: datetime | None = None
    content_sha256: str | None = None
    findings: list[SignoffFinding] = Field(
        default_factory=list,
        description="The letter checker's findings on the letter signing this draft would "
        "produce (empty once signed).",
    )
    signs_as_version: int | None = Field(
        default=None,
        description="The version the signed determination will have (signing writes a new "
        "version); null once signed or before a draft exists.",
    )


class AuditEntryOut(_Out):
    """A chained entry; ``detail`` is stored as the JSON text that was hashed."""

    seq: int
    at: str
    actor: str
    action: str
    case_id: str | None
    detail: dict[str, Any]
    entry_hash: str

    @field_validator("detail", mode="before")
    @classmethod
    def _parse_detail(cls, value: object) -> object:
        return json.loads(value) if isinstance(value, str) else value


def content_type(media_type: str) -> str:
    """The ``Content-Type`` of a served file: text is UTF-8, and says so."""
    return media_type + ("; charset=utf-8" if media_type.startswith("text/") else "")


class PublishedOut(_Out):
    """A publishable (de-identified) letter or corpus record, or a FHIR export: the bytes,
    their media type, and how many identifiers of each kind were removed."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    content: bytes
    media_type: str
    removed: dict[str, int] = Field(default_factory=dict)


class LetterOut(_Out):
    """A stored letter: the bytes, their media type and which version."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    content: bytes
    media_type: str
    version: int
    sha256: str
    format: str
