"""What the corpus takes and gives: typed queries and results for the CLI, API and workbench.

Queries are strict (a misspelt facet is refused, not ignored); results are plain data with
stable field order, so the same corpus and query always serialize to the same bytes.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from openimr.domain import GuidelineCitation

DecisionValue = Literal["upheld", "overturned"]
#: What ``stats`` counts by: an item facet.
StatsKey = Literal[
    "topic", "region", "decision", "year", "family", "section", "specialty", "ur_family"
]
STATS_KEYS: tuple[str, ...] = StatsKey.__args__  # type: ignore[attr-defined]
#: What turnaround is grouped by: a letter's own fields.
TurnaroundKey = Literal["year", "specialty", "priority", "layout"]
TURNAROUND_KEYS: tuple[str, ...] = TurnaroundKey.__args__  # type: ignore[attr-defined]
#: Largest page of search results.
MAX_LIMIT = 500
#: A search with words ranks its matches by relevance when at most this many pass the facets;
#: more are listed newest first (the page says so in ``order``; its total is still exact).
#: Ranking costs a few microseconds a match: a common word matches most of a large corpus.
RANK_LIMIT = 10_000
#: On PostgreSQL a search counts its matches up to this many and no further, as search
#: engines do: past it the page's ``total`` is this number and ``total_exact`` is false (a
#: count of every match of a common word in a million letters takes a second). SQLite counts
#: from its full-text index at little cost, and its totals are always exact.
COUNT_LIMIT = 10_000
#: How a page of results is ordered: by relevance to the words, or newest decision first.
PageOrder = Literal["relevance", "newest"]
_MAX_INT = 2**31 - 1


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Facets(_Strict):
    """Exact-match filters on items; ``None`` means any. Text facets compare case-insensitively."""

    topic: str | None = Field(default=None, max_length=80)
    region: str | None = Field(default=None, max_length=40)
    decision: DecisionValue | None = None
    year: int | None = Field(default=None, ge=1990, le=2100)
    family: str | None = Field(default=None, max_length=24)
    section: str | None = Field(default=None, max_length=200)
    specialty: str | None = Field(default=None, max_length=120)
    ur_family: str | None = Field(default=None, max_length=24)


class CorpusQuery(Facets):
    """A search: words to rank by (optional), facets, and a page."""

    text: str | None = Field(default=None, max_length=1000)
    limit: int = Field(default=20, ge=1, le=MAX_LIMIT)
    offset: int = Field(default=0, ge=0, le=_MAX_INT)


class DecisionHit(BaseModel):
    """One item decided in a published letter."""

    #: The letter's key (its case number, or ``sha256:...`` for a letter printing none).
    key: str
    case_number: str | None
    decision_date: date | None
    year: int | None
    layout: str
    specialty: str | None
    position: int
    request: str
    topic: str
    region: str | None
    decision: DecisionValue
    family: str
    document: str | None
    chapter: str | None
    section: str | None
    pages: str | None
    ur_family: str | None
    ur_audit: list[str]
    rationale: str
    #: Relevance to the query's words (higher is better; ``None`` without words, and when the
    #: page is in newest-first order because more than ``RANK_LIMIT`` items matched).
    score: float | None


class DecisionPage(BaseModel):
    """A page of search results, how many matched in all, and the order they are in.

    ``order`` is ``relevance`` for a search with words matched by at most ``RANK_LIMIT``
    items, ``newest`` otherwise (no words, or too many matches to rank). ``total_exact`` is
    false when the count stopped at ``COUNT_LIMIT`` (PostgreSQL): more matched than ``total``.
    """

    total: int
    total_exact: bool = True
    limit: int
    offset: int
    order: PageOrder
    hits: list[DecisionHit]


class LetterItem(BaseModel):
    """One disputed item of a published letter, as the letter decided it."""

    position: int
    request: str
    reviewed_text: str
    topic: str
    region: str | None
    decision: DecisionValue
    family: str
    section: str | None
    citations: list[GuidelineCitation]
    ur_guideline: str | None
    ur_family: str | None
    ur_audit: list[str]
    rationale: str


class DecisionLetter(BaseModel):
    """A published letter in full: who decided, when, the case summary and every item."""

    key: str
    case_number: str | None
    layout: str
    priority: str
    ur_decision_date: date | None
    application_received: date | None
    date_assigned: date | None
    decision_date: date | None
    turnaround_days: int | None
    specialty: str | None
    certifications: list[str]
    licensure: list[str]
    summary: str
    items: list[LetterItem]


class StatsRow(BaseModel):
    """Items counted under one key, overturned among them, the rate and its Wilson 95 % interval."""

    key: str
    items: int
    overturned: int
    rate: float
    low: float
    high: float


class TurnaroundRow(BaseModel):
    """Days from the application received to the decision, for letters under one key."""

    key: str
    letters: int
    median_days: float
    mean_days: float
    p90_days: float


class IngestFailure(BaseModel):
    """A file not stored, and why (the reason names the problem, never the letter's content)."""

    source: str
    reason: str


class IngestOutcome(BaseModel):
    """What happened to one file."""

    source: str
    status: Literal["stored", "unchanged", "failed"]
    key: str | None = None
    reason: str | None = None


class IngestSummary(BaseModel):
    """Counts of a run; ``failures`` lists each failed file with its reason."""

    stored: int = 0
    unchanged: int = 0
    failed: int = 0
    failures: list[IngestFailure] = Field(default_factory=list)
    interrupted: bool = False

    def count(self, outcome: IngestOutcome) -> None:
        """Add one file's outcome (a failure with its reason)."""
        if outcome.status == "stored":
            self.stored += 1
        elif outcome.status == "unchanged":
            self.unchanged += 1
        else:
            self.failed += 1
            self.failures.append(
                IngestFailure(source=outcome.source, reason=outcome.reason or "failed")
            )

    def line(self) -> str:
        """The one summary line scripts read."""
        return f"{self.stored} stored, {self.unchanged} unchanged, {self.failed} failed"
