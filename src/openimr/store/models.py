"""Tables of the case store (SQLAlchemy 2 declarative models).

The Alembic migrations in ``migrations/versions`` create exactly these tables; a test compares
the two so they cannot drift. Rows that record what happened (documents, proposals,
determination revisions, transitions, audit entries) are only ever inserted; the migrations
add database triggers that refuse UPDATE and DELETE on them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: Tables whose rows may never be updated or deleted (enforced by triggers).
APPEND_ONLY_TABLES = (
    "audit_log",
    "documents",
    "proposals",
    "determination_revisions",
    "case_events",
    "case_screenings",
)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class User(Base):
    """A person or system that calls the API; only a hash of the bearer token is kept."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("reviewers.id"), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: When the current token was issued; it expires ``OPENIMR_TOKEN_DAYS`` later. Always
    #: written (nullable only for the migration that added it on SQLite).
    token_issued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    #: An Argon2id hash of the workbench password, when the user has one (never the password).
    password_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)


class WebSession(Base):
    """A workbench sign-in. The browser holds the random id; only its SHA-256 is kept, so a
    copy of the table cannot be replayed. Ending the row ends the session everywhere."""

    __tablename__ = "web_sessions"

    id_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    end_reason: Mapped[str | None] = mapped_column(String(20), nullable=True)


class SigninThrottle(Base):
    """Failed sign-ins counted per client address and per account, for the back-off. The key
    is a SHA-256 (of ``address:...`` or ``user:...``), so no address is kept in clear."""

    __tablename__ = "signin_throttle"

    key_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_failure_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Reviewer(Base):
    """An expert reviewer in the registry; ``code`` is what logs show, never the name."""

    __tablename__ = "reviewers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    #: The reviewer's kind of licence (md, do, dc, dpm, psychologist...): which qualification
    #: rules apply to them (board certification is asked of some only).
    profession: Mapped[str] = mapped_column(String(20), default="md", server_default="md")
    license_states: Mapped[list[str]] = mapped_column(JSON, default=list)
    license_unrestricted: Mapped[bool] = mapped_column(Boolean, default=True)
    board_certifications: Mapped[list[str]] = mapped_column(JSON, default=list)
    specialties: Mapped[list[str]] = mapped_column(JSON, default=list)
    years_active_practice: Mapped[float] = mapped_column(Float)
    weekly_clinical_hours: Mapped[float] = mapped_column(Float)
    affiliations: Mapped[list[str]] = mapped_column(JSON, default=list)
    max_open_cases: Mapped[int | None] = mapped_column(Integer, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Case(Base):
    """One IMR application and where it stands.

    ``version`` counts the case's state transitions: each one is a conditional UPDATE that
    matches only the version and status it read (see ``workflow/service/unit.py``). It is not
    a ``version_id_col``: other columns (a new record's case-file hash, dates) change without
    a transition and must not fail against one made at the same moment.
    """

    __tablename__ = "cases"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    status: Mapped[str] = mapped_column(String(40), index=True)
    review_type: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer, default=1)
    case_file_sha256: Mapped[str] = mapped_column(String(64))
    dispute_key: Mapped[str] = mapped_column(String(64), index=True)
    application: Mapped[dict[str, Any]] = mapped_column(JSON)
    eligibility: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    received_on: Mapped[date] = mapped_column(Date)
    ur_decision_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    screened_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    assigned_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    records_complete_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    signed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    letter_issued_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    closed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    #: The medical director's quality review of the signed determination, when the
    #: organization asks for one before the letter is released; ``quality_reviewed_by`` is a
    #: user id (no foreign key: SQLite would rebuild this table, which others point at, to add
    #: one).
    quality_reviewed_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    quality_reviewed_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    notice_method: Mapped[str | None] = mapped_column(String(20), nullable=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CaseEvent(Base):
    """A state transition of a case, with who made it and why."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(40), nullable=True)
    to_status: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CaseScreening(Base):
    """One eligibility screening of a case with the application facts it read, so that a case
    corrected and screened again keeps what it was screened on before."""

    __tablename__ = "case_screenings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    application: Mapped[dict[str, Any]] = mapped_column(JSON)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)


class CaseDeadline(Base):
    """A deadline as last computed for a case; kept as rows so the overdue list is one query."""

    __tablename__ = "case_deadlines"
    __table_args__ = (UniqueConstraint("case_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    due_on: Mapped[date] = mapped_column(Date, index=True)
    met_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)


class CaseQueue(Base):
    """What the case queue searches, filters and sorts by, one narrow row per case, so that a
    page of thousands of cases walks an index of this table and reads only its own cases.

    ``status`` follows every transition of the case; ``due_key`` and ``confidence_key`` are
    ``next_due_on`` and ``least_confidence`` with the missing ones sorted last (a far date, a
    value above any probability), which an index can order by on every database.
    """

    __tablename__ = "case_queue"
    __table_args__ = (
        Index("ix_case_queue_due", "due_key", "received_on", "case_id"),
        Index("ix_case_queue_received", "received_on", "case_id"),
        Index("ix_case_queue_case_key", "case_key", "case_id"),
        Index("ix_case_queue_confidence", "confidence_key", "due_key", "case_id"),
    )

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    #: Not indexed on purpose: filtered while an order's index is walked, never sorted after.
    status: Mapped[str] = mapped_column(String(40))
    review_type: Mapped[str] = mapped_column(String(20))
    received_on: Mapped[date] = mapped_column(Date)
    #: The external case number, else the IMR one: the "case number" order.
    case_key: Mapped[str] = mapped_column(String(200))
    #: Case numbers, the claimant's names and the claim numbers, folded (lower case, no
    #: accents, single spaces) and again without punctuation; searched by substring.
    search_text: Mapped[str] = mapped_column(Text)
    #: The earliest deadline not yet met; null once every deadline is met or the case closed.
    next_due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    due_key: Mapped[date] = mapped_column(Date)
    #: The confidence of the least sure item of the latest proposal; null before one exists.
    least_confidence: Mapped[float | None] = mapped_column(Float, nullable=True)
    confidence_key: Mapped[float] = mapped_column(Float)


class CaseItem(Base):
    """A disputed treatment of a case as the queue shows it: the request, and the latest
    proposal's topic, decision and confidence (null before a proposal exists)."""

    __tablename__ = "case_items"

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    request: Mapped[str] = mapped_column(Text)
    topic: Mapped[str | None] = mapped_column(String(100), nullable=True, index=True)
    topic_title: Mapped[str | None] = mapped_column(String(300), nullable=True)
    decision: Mapped[str | None] = mapped_column(String(20), nullable=True)
    confidence: Mapped[float | None] = mapped_column(Float, nullable=True)


class Assignment(Base):
    """A reviewer put on a case, with the explanation of the choice."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("reviewers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    explanation: Mapped[dict[str, Any]] = mapped_column(JSON)
    assigned_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    assigned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Document(Base):
    """A stored file (record, case file, letter) with its SHA-256; never replaced."""

    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("case_id", "kind", "sha256"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    filename: Mapped[str | None] = mapped_column(String(300), nullable=True)
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    letter_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    @property
    def has_text(self) -> bool:
        """Text was read from it (a scanned PDF has none)."""
        return bool(self.text)


class Proposal(Base):
    """The engine's determination for one version of a case file and one engine version."""

    __tablename__ = "proposals"
    __table_args__ = (UniqueConstraint("case_id", "case_file_sha256", "engine_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    case_file_sha256: Mapped[str] = mapped_column(String(64))
    engine_version: Mapped[str] = mapped_column(String(100))
    content: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DeterminationRecord(Base):
    """The reviewer's determination of a case: a draft until signed, then frozen.

    ``version`` is the optimistic lock, kept by SQLAlchemy (``version_id_col``): it is 1 when
    the row is inserted, and every UPDATE adds one and matches only the version it read, so
    a change made by someone else in between fails with ``StaleDataError`` instead of being
    overwritten.
    """

    __tablename__ = "determinations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), unique=True)
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id"), nullable=True)
    status: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer)
    content: Mapped[str] = mapped_column(Text)
    item_review: Mapped[list[str]] = mapped_column(JSON)
    content_sha256: Mapped[str] = mapped_column(String(64))
    signed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    signed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class DeterminationRevision(Base):
    """Every saved version of a determination, so edits and signatures can be traced."""

    __tablename__ = "determination_revisions"
    __table_args__ = (UniqueConstraint("determination_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    determination_id: Mapped[int] = mapped_column(ForeignKey("determinations.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(20))
    content: Mapped[str] = mapped_column(Text)
    item_review: Mapped[list[str]] = mapped_column(JSON)
    content_sha256: Mapped[str] = mapped_column(String(64))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AuditEntry(Base):
    """One audit-log entry; ``entry_hash`` chains it to the entry before (tamper evidence).

    ``at`` and ``detail`` are stored as the exact strings that were hashed.
    """

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(250))
    action: Mapped[str] = mapped_column(String(60))
    case_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    detail: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)


Index("ix_audit_log_case_id_seq", AuditEntry.case_id, AuditEntry.seq)
#: A reviewer's cases, for the queue's filter.
Index("ix_assignments_reviewer_id_case_id", Assignment.reviewer_id, Assignment.case_id)


class PendingAuditEntry(Base):
    """An audit entry written with the change it records, waiting for its place in the chain.

    Writing here takes no lock, so requests do not queue behind each other; the sealer moves
    entries into :class:`AuditEntry`, in the order they were written, many per transaction.
    Rows may be deleted (by the sealer, as it chains them) but never updated.
    """

    __tablename__ = "audit_pending"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(250))
    action: Mapped[str] = mapped_column(String(60))
    case_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    detail: Mapped[str] = mapped_column(Text)


# The precedent corpus's tables live in their own module; importing it here puts them in this
# metadata, which the migrations and the schema comparison read.
from openimr.store import corpus_models as _corpus_models  # noqa: E402, F401
