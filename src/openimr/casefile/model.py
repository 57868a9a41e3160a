"""The IMR case file: what the IMR organization receives before a decision.

This is a public contract (README, ``openimr schema case-file``). Validation is strict so
that a mistake in a case file is reported with its field path instead of producing a
quietly wrong determination.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationInfo,
    field_validator,
    model_validator,
)

#: Largest record text accepted, in characters (a few thousand pages of records).
MAX_RECORD_CHARS = 5_000_000
#: Largest single free-text request or guideline statement, in characters.
MAX_REQUEST_CHARS = 5_000
#: Largest name-like field (an author, a specialty, a claims administrator), in characters.
MAX_NAME_CHARS = 300
#: Most disputed items in one application (letters with a few dozen items exist).
MAX_ITEMS = 100
#: Most records in one case file (a record per report of a large bundle).
MAX_RECORDS = 10_000
EARLIEST_DATE = date(1900, 1, 1)

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: NUL and other control characters but tab, line feed and carriage return; lone surrogates;
#: Unicode non-characters. None belongs in clinical text, and they break storage and letters.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")


def _iso_date(value: Any) -> Any:
    """Accept ``date`` objects (YAML) and ``YYYY-MM-DD`` strings (JSON), nothing looser."""
    if value is None or isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DATE.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a real calendar date") from exc
    raise ValueError(f"expected a date written YYYY-MM-DD, got {value!r}")


def clean_text(value: Any) -> Any:
    """Refuse characters no record or request may hold (named by position)."""
    if isinstance(value, str):
        found = _FORBIDDEN.search(value)
        if found:
            raise ValueError(
                f"contains a forbidden character (U+{ord(found.group()):04X}) at position "
                f"{found.start()}"
            )
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
Text = Annotated[str, BeforeValidator(clean_text)]


def _today(info: ValidationInfo) -> date:
    context = info.context or {}
    today = context.get("today")
    return today if isinstance(today, date) else date.today()


class RecordKind(StrEnum):
    PROGRESS_REPORT = "progress_report"
    CONSULTATION = "consultation"
    IMAGING = "imaging"
    UR_DETERMINATION = "ur_determination"
    CLINICAL_SUMMARY = "clinical_summary"
    OPERATIVE_REPORT = "operative_report"
    OTHER = "other"


class URDecision(StrEnum):
    DENIED = "denied"
    MODIFIED = "modified"
    DELAYED = "delayed"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


def _non_blank(value: str, what: str) -> str:
    if not value or not value.strip():
        raise ValueError(f"{what} is empty")
    return value


class Claimant(_Strict):
    """The injured worker; every field optional (published letters are de-identified)."""

    age: StrictInt | None = Field(default=None, ge=14, le=110)
    sex: Literal["male", "female", "other", "unknown"] | None = None
    date_of_injury: IsoDate | None = None
    represented: StrictBool | None = None

    @field_validator("sex", mode="before")
    @classmethod
    def _sex(cls, value: Any) -> Any:
        if isinstance(value, str):
            lowered = value.strip().lower()
            return {"m": "male", "f": "female"}.get(lowered, lowered)
        return value

    @field_validator("date_of_injury")
    @classmethod
    def _injury_date(cls, value: date | None, info: ValidationInfo) -> date | None:
        if value is not None:
            if value < EARLIEST_DATE:
                raise ValueError(f"{value} is before {EARLIEST_DATE}")
            if value > _today(info):
                raise ValueError(f"{value} is in the future")
        return value


class DisputedItem(_Strict):
    """One treatment in dispute, worded exactly as the request or the UR letter words it."""

    request: Text = Field(max_length=MAX_REQUEST_CHARS)
    ur_decision: URDecision | None = None
    claims_administrator_guideline: Text | None = Field(default=None, max_length=MAX_REQUEST_CHARS)

    @field_validator("request")
    @classmethod
    def _request(cls, value: str) -> str:
        return _non_blank(value, "request")


#: Longest document name a record's source may give (a path where file names clash).
MAX_DOCUMENT_NAME_CHARS = 1_000
#: Most pages one record's page map may list.
MAX_SOURCE_PAGES = 10_000


class SourceSpan(_Strict):
    """``text[start:end]`` of the record was read from page ``page`` of its document."""

    start: StrictInt = Field(ge=0, le=MAX_RECORD_CHARS)
    end: StrictInt = Field(ge=0, le=MAX_RECORD_CHARS)
    page: StrictInt = Field(ge=1, le=1_000_000)

    @model_validator(mode="after")
    def _ordered(self) -> SourceSpan:
        if self.end <= self.start:
            raise ValueError(f"end {self.end} is not after start {self.start}")
        return self


class RecordSource(_Strict):
    """The document a record was read from, so that evidence can be shown on its page."""

    document: Text = Field(max_length=MAX_DOCUMENT_NAME_CHARS)
    first_page: StrictInt = Field(ge=1, le=1_000_000)
    last_page: StrictInt = Field(ge=1, le=1_000_000)
    page_map: list[SourceSpan] = Field(default_factory=list, max_length=MAX_SOURCE_PAGES)

    @field_validator("document")
    @classmethod
    def _document(cls, value: str) -> str:
        return _non_blank(value, "document")

    @model_validator(mode="after")
    def _consistent(self) -> RecordSource:
        if self.last_page < self.first_page:
            raise ValueError(f"last_page {self.last_page} is before first_page {self.first_page}")
        previous_end = 0
        for index, span in enumerate(self.page_map):
            if span.start < previous_end:
                raise ValueError(f"page_map[{index}] overlaps or precedes the span before it")
            if not self.first_page <= span.page <= self.last_page:
                raise ValueError(
                    f"page_map[{index}] names page {span.page}, outside pages "
                    f"{self.first_page}-{self.last_page}"
                )
            previous_end = span.end
        return self

    def page_of(self, position: int) -> int | None:
        """The page holding the character at ``position`` of the record's text, if mapped."""
        for span in self.page_map:
            if span.start <= position < span.end:
                return span.page
        return None


class Record(_Strict):
    """One medical record (or the reviewer's clinical summary) with its text."""

    kind: RecordKind
    date: IsoDate | None = None
    author: Text | None = Field(default=None, max_length=MAX_NAME_CHARS)
    specialty: Text | None = Field(default=None, max_length=MAX_NAME_CHARS)
    text: Text = Field(max_length=MAX_RECORD_CHARS)
    #: The document and pages the record was read from; optional. Left out of dumps when
    #: absent, so a record typed or pasted in serializes (and hashes) as before.
    source: RecordSource | None = Field(default=None, exclude_if=lambda value: value is None)

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        return _non_blank(value, "text")

    @model_validator(mode="after")
    def _source_in_text(self) -> Record:
        spans = self.source.page_map if self.source is not None else []
        if spans and spans[-1].end > len(self.text):
            raise ValueError(
                f"source.page_map ends at {spans[-1].end}, past the end of the text "
                f"({len(self.text)} characters)"
            )
        return self

    @field_validator("date")
    @classmethod
    def _record_date(cls, value: date | None, info: ValidationInfo) -> date | None:
        if value is not None:
            if value < EARLIEST_DATE:
                raise ValueError(f"{value} is before {EARLIEST_DATE}")
            if value > _today(info):
                raise ValueError(f"{value} is in the future")
        return value


#: Most names, numbers or addresses one party may list.
MAX_PARTY_ENTRIES = 50

_Names = Annotated[
    list[Annotated[Text, Field(max_length=MAX_NAME_CHARS)]], Field(max_length=MAX_PARTY_ENTRIES)
]


class Party(_Strict):
    """A person or organization taking part in the case, known so it can be removed.

    Only publication reads these: a determination never carries them. ``identifiers`` holds
    any number that points at this party (social security, medical record, policy, licence).
    """

    name: Text = Field(max_length=MAX_NAME_CHARS)
    aliases: _Names = Field(default_factory=list)
    date_of_birth: IsoDate | None = None
    addresses: _Names = Field(default_factory=list)
    phones: _Names = Field(default_factory=list)
    emails: _Names = Field(default_factory=list)
    identifiers: _Names = Field(default_factory=list)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return _non_blank(value, "name")


class Parties(_Strict):
    """Who the case is about and who took part (Labor Code 4610.6(i) has them redacted)."""

    claimant: Party | None = None
    claim_numbers: _Names = Field(default_factory=list)
    employer: Party | None = None
    claims_administrator: Party | None = None
    providers: list[Party] = Field(default_factory=list, max_length=MAX_PARTY_ENTRIES)
    ur_physicians: list[Party] = Field(default_factory=list, max_length=MAX_PARTY_ENTRIES)
    reviewer: Party | None = None
    others: list[Party] = Field(default_factory=list, max_length=MAX_PARTY_ENTRIES)


class CaseFile(_Strict):
    """An IMR case file (JSON or YAML)."""

    case_id: Text | None = Field(default=None, max_length=200)
    program: Literal["dwc"] = "dwc"
    review_type: Literal["regular", "expedited"] = "regular"
    claimant: Claimant = Field(default_factory=Claimant)
    claims_administrator: Text | None = Field(default=None, max_length=MAX_NAME_CHARS)
    ur_decision_date: IsoDate | None = None
    disputed_items: list[DisputedItem] = Field(min_length=1, max_length=MAX_ITEMS)
    records: list[Record] = Field(min_length=1, max_length=MAX_RECORDS)
    #: The parties' identities, for de-identification before publication; optional. Left out
    #: of dumps when absent, so a case file without it serializes (and hashes) as before.
    parties: Parties | None = Field(default=None, exclude_if=lambda value: value is None)

    @field_validator("ur_decision_date")
    @classmethod
    def _ur_date(cls, value: date | None, info: ValidationInfo) -> date | None:
        if value is not None:
            if value < EARLIEST_DATE:
                raise ValueError(f"{value} is before {EARLIEST_DATE}")
            if value > _today(info):
                raise ValueError(f"{value} is in the future")
        return value

    @model_validator(mode="after")
    def _ur_after_injury(self) -> CaseFile:
        injury = self.claimant.date_of_injury
        if injury and self.ur_decision_date and self.ur_decision_date < injury:
            raise ValueError(
                f"ur_decision_date {self.ur_decision_date} is before the date of injury {injury}"
            )
        return self

    def record_texts(self) -> list[str]:
        return [record.text for record in self.records]
