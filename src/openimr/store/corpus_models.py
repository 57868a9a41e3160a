"""Tables of the precedent corpus: published determinations read into rows.

A letter is one row of ``corpus_letters`` keyed by its IMR case number (a letter without one by
the hash of what was read from it); each disputed item is a row of ``corpus_items`` with the
facets searched and counted on (topic, body region, decision, guideline family, section,
reviewer specialty, UR citation family, year), copied from the letter where they are the
letter's, so that a count is one scan of one table. ``corpus_sources`` remembers the SHA-256
of every file read, so a file ingested again is skipped before it is parsed.

The full-text index, ``corpus_search``, is not a table of this metadata: on SQLite it is an
FTS5 virtual table, on PostgreSQL a table of ``tsvector`` documents under a GIN index. The
migration creates it for its dialect, and :func:`outside_metadata` tells the schema
comparison to leave it (and FTS5's shadow tables) alone.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from openimr.store.models import Base

#: The full-text index of the corpus items (dialect-specific, created by the migration).
SEARCH_TABLE = "corpus_search"


def outside_metadata(name: str | None, type_: str, _parents: object = None) -> bool:
    """False for the full-text index and its FTS5 shadow tables, which the ORM does not map
    (an ``include_name`` hook for Alembic's schema comparison)."""
    return not (type_ == "table" and name is not None and name.startswith(SEARCH_TABLE))


class CorpusLetter(Base):
    """One published Final Determination Letter as read."""

    __tablename__ = "corpus_letters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The IMR case number, or ``sha256:<record hash>`` for a letter that prints none.
    key: Mapped[str] = mapped_column(String(80), unique=True)
    case_number: Mapped[str | None] = mapped_column(String(40), nullable=True)
    #: SHA-256 of the canonical record read from the letter: the same letter as PDF and as
    #: text reads the same, so the second is unchanged rather than a new version.
    record_sha256: Mapped[str] = mapped_column(String(64))
    #: File name the letter was first read from (the name only, never the folder).
    source_name: Mapped[str] = mapped_column(String(255))
    source_kind: Mapped[str] = mapped_column(String(8))
    layout: Mapped[str] = mapped_column(String(24))
    priority: Mapped[str] = mapped_column(String(12))
    date_of_injury: Mapped[date | None] = mapped_column(Date, nullable=True)
    ur_decision_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    application_received: Mapped[date | None] = mapped_column(Date, nullable=True)
    date_assigned: Mapped[date | None] = mapped_column(Date, nullable=True)
    decision_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    #: Days from the application received to the decision, when the letter gives both.
    turnaround_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    specialty: Mapped[str | None] = mapped_column(String(120), nullable=True)
    certifications: Mapped[list[str]] = mapped_column(JSON)
    licensure: Mapped[list[str]] = mapped_column(JSON)
    summary: Mapped[str] = mapped_column(Text)
    item_count: Mapped[int] = mapped_column(Integer)
    ingested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CorpusItem(Base):
    """One disputed item of a letter with its decision and what it is counted by."""

    __tablename__ = "corpus_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("corpus_letters.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    request: Mapped[str] = mapped_column(Text)
    reviewed_text: Mapped[str] = mapped_column(Text)
    topic: Mapped[str] = mapped_column(String(80))
    region: Mapped[str | None] = mapped_column(String(40), nullable=True)
    regions: Mapped[list[str]] = mapped_column(JSON)
    decision: Mapped[str] = mapped_column(String(12))
    family: Mapped[str] = mapped_column(String(24))
    document: Mapped[str | None] = mapped_column(String(200), nullable=True)
    chapter: Mapped[str | None] = mapped_column(String(200), nullable=True)
    section: Mapped[str | None] = mapped_column(String(200), nullable=True)
    pages: Mapped[str | None] = mapped_column(String(60), nullable=True)
    edition: Mapped[str | None] = mapped_column(String(20), nullable=True)
    #: Every guideline the reviewer relied on, primary first (``GuidelineCitation`` dumps).
    citations: Mapped[list[dict[str, object]]] = mapped_column(JSON)
    ur_guideline: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: Family of the UR's first citation ("none" when it cited no evidence; null when silent).
    ur_family: Mapped[str | None] = mapped_column(String(24), nullable=True)
    #: Codes of the audit of the UR's citation (``engine.ur_citation``).
    ur_audit: Mapped[list[str]] = mapped_column(JSON)
    rationale: Mapped[str] = mapped_column(Text)
    # The letter's facets, copied so that a count reads one table.
    year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    decision_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    specialty: Mapped[str | None] = mapped_column(String(120), nullable=True)


Index("ix_corpus_items_letter_id_position", CorpusItem.letter_id, CorpusItem.position)
Index("ix_corpus_letters_case_number", CorpusLetter.case_number)


class CorpusFacet(Base):
    """What an item is searched, counted and ordered by, and nothing else: one narrow row per
    item (its letter's values copied in).

    An item's row carries its request and rationale, so a filter, count or sort over
    ``corpus_items`` reads pages of long text (on SQLite the facets stored after the rationale
    are on its overflow pages). Searches and statistics read this table and its indexes
    instead, and read ``corpus_items`` only for the page of hits shown.
    """

    __tablename__ = "corpus_facets"

    item_id: Mapped[int] = mapped_column(
        ForeignKey("corpus_items.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    letter_id: Mapped[int] = mapped_column(Integer)
    #: The item's position in its letter (0 is the first: one row per letter).
    position: Mapped[int] = mapped_column(Integer)
    decision: Mapped[str] = mapped_column(String(12))
    topic: Mapped[str] = mapped_column(String(80))
    region: Mapped[str | None] = mapped_column(String(40), nullable=True)
    family: Mapped[str] = mapped_column(String(24))
    section: Mapped[str | None] = mapped_column(String(200), nullable=True)
    ur_family: Mapped[str | None] = mapped_column(String(24), nullable=True)
    year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    decision_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    specialty: Mapped[str | None] = mapped_column(String(120), nullable=True)
    priority: Mapped[str] = mapped_column(String(12))
    layout: Mapped[str] = mapped_column(String(24))
    turnaround_days: Mapped[int | None] = mapped_column(Integer, nullable=True)


#: The facets with an index of their own. Each index holds the facet, then the newest-first
#: order (decision date, item), then the decision: a search on one facet reads its rows in the
#: order shown and stops at the page, and a count of overturned items by it reads the index.
#: The index of a short facet (``COVERED_FACETS``) carries every other short facet instead, so
#: a search or count on several of them checks them all in one index, never reading the table;
#: section and specialty (compared lowered, so never an index's equality) stay narrow.
FACET_INDEXES = ("topic", "region", "family", "year", "specialty", "section", "ur_family")
COVERED_FACETS = ("decision", "topic", "region", "family", "year", "ur_family")
for _facet in (*FACET_INDEXES, "decision"):
    _columns = CorpusFacet.__table__.c
    _carried = COVERED_FACETS if _facet in COVERED_FACETS else ("decision",)
    Index(
        f"ix_corpus_facets_{_facet}",
        _columns[_facet],
        _columns.decision_date,
        _columns.item_id,
        *(_columns[name] for name in _carried if name != _facet),
    )
# Newest first, ties by item: the order of a search without words, read from the index.
Index("ix_corpus_facets_decision_date", CorpusFacet.decision_date, CorpusFacet.item_id)


class CorpusSource(Base):
    """A file already read: its SHA-256 and the letter it gave."""

    __tablename__ = "corpus_sources"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    letter_id: Mapped[int] = mapped_column(
        ForeignKey("corpus_letters.id", ondelete="CASCADE"), index=True
    )


#: The year ``corpus_counts`` stores for a letter without one.
UNKNOWN_YEAR = 0
#: The facets an item is counted under in ``corpus_counts`` (an unknown value is stored as ''
#: and an unknown year as 0: a key of the table has no NULL, which would make every unknown
#: a distinct key).
COUNTED_FACETS = (
    "topic",
    "region",
    "decision",
    "family",
    "section",
    "ur_family",
    "year",
    "specialty",
)


class CorpusCount(Base):
    """How many items share one combination of the facets: the statistics without words.

    Counting by a facet over every item of a million letters grouped nearly two million rows
    per query; the combinations that occur are far fewer (tens of thousands), so the ingest
    keeps their counts in the same transaction as the items, and an overturn rate without
    words sums this table instead.
    """

    __tablename__ = "corpus_counts"

    topic: Mapped[str] = mapped_column(String(80), primary_key=True)
    region: Mapped[str] = mapped_column(String(40), primary_key=True)
    decision: Mapped[str] = mapped_column(String(12), primary_key=True)
    family: Mapped[str] = mapped_column(String(24), primary_key=True)
    section: Mapped[str] = mapped_column(String(200), primary_key=True)
    ur_family: Mapped[str] = mapped_column(String(24), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    specialty: Mapped[str] = mapped_column(String(120), primary_key=True)
    items: Mapped[int] = mapped_column(Integer)


#: The letter's facets a turnaround is counted under in ``corpus_turnarounds``.
TURNAROUND_FACETS = ("year", "specialty", "priority", "layout", "turnaround_days")


class CorpusTurnaround(Base):
    """How many letters took each number of days, by the letter's own facets: turnaround
    statistics without words or item facets read this instead of a row per letter.

    A letter is counted once (through its first item, as the statistics count it), and only
    when its turnaround is known; year and specialty are stored as in ``corpus_counts``.
    """

    __tablename__ = "corpus_turnarounds"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    specialty: Mapped[str] = mapped_column(String(120), primary_key=True)
    priority: Mapped[str] = mapped_column(String(12), primary_key=True)
    layout: Mapped[str] = mapped_column(String(24), primary_key=True)
    turnaround_days: Mapped[int] = mapped_column(Integer, primary_key=True)
    letters: Mapped[int] = mapped_column(Integer)
