"""The precedent corpus: published letters, their items with facets, files read, full text.

The full-text index is dialect-specific: an FTS5 table (contentless, Porter stemming) on
SQLite; a ``tsvector`` per item under a GIN index on PostgreSQL.

Revision ID: 0006_corpus
Revises: 0006_intake
Create Date: 2026-12-07 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_corpus"
down_revision = "0006_intake"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "corpus_letters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("case_number", sa.String(length=40), nullable=True),
        sa.Column("record_sha256", sa.String(length=64), nullable=False),
        sa.Column("source_name", sa.String(length=255), nullable=False),
        sa.Column("source_kind", sa.String(length=8), nullable=False),
        sa.Column("layout", sa.String(length=24), nullable=False),
        sa.Column("priority", sa.String(length=12), nullable=False),
        sa.Column("date_of_injury", sa.Date(), nullable=True),
        sa.Column("ur_decision_date", sa.Date(), nullable=True),
        sa.Column("application_received", sa.Date(), nullable=True),
        sa.Column("date_assigned", sa.Date(), nullable=True),
        sa.Column("decision_date", sa.Date(), nullable=True),
        sa.Column("turnaround_days", sa.Integer(), nullable=True),
        sa.Column("specialty", sa.String(length=120), nullable=True),
        sa.Column("certifications", sa.JSON(), nullable=False),
        sa.Column("licensure", sa.JSON(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("item_count", sa.Integer(), nullable=False),
        sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_corpus_letters")),
        sa.UniqueConstraint("key", name=op.f("uq_corpus_letters_key")),
    )
    op.create_index("ix_corpus_letters_case_number", "corpus_letters", ["case_number"])
    op.create_table(
        "corpus_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("letter_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("request", sa.Text(), nullable=False),
        sa.Column("reviewed_text", sa.Text(), nullable=False),
        sa.Column("topic", sa.String(length=80), nullable=False),
        sa.Column("region", sa.String(length=40), nullable=True),
        sa.Column("regions", sa.JSON(), nullable=False),
        sa.Column("decision", sa.String(length=12), nullable=False),
        sa.Column("family", sa.String(length=24), nullable=False),
        sa.Column("document", sa.String(length=200), nullable=True),
        sa.Column("chapter", sa.String(length=200), nullable=True),
        sa.Column("section", sa.String(length=200), nullable=True),
        sa.Column("pages", sa.String(length=60), nullable=True),
        sa.Column("edition", sa.String(length=20), nullable=True),
        sa.Column("citations", sa.JSON(), nullable=False),
        sa.Column("ur_guideline", sa.Text(), nullable=True),
        sa.Column("ur_family", sa.String(length=24), nullable=True),
        sa.Column("ur_audit", sa.JSON(), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("decision_date", sa.Date(), nullable=True),
        sa.Column("specialty", sa.String(length=120), nullable=True),
        sa.ForeignKeyConstraint(
            ["letter_id"],
            ["corpus_letters.id"],
            name=op.f("fk_corpus_items_letter_id_corpus_letters"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_corpus_items")),
    )
    op.create_index("ix_corpus_items_letter_id_position", "corpus_items", ["letter_id", "position"])
    op.create_index("ix_corpus_items_decision_date", "corpus_items", ["decision_date"])
    for facet in ("topic", "region", "family", "year", "specialty", "section", "ur_family"):
        op.create_index(f"ix_corpus_items_{facet}_decision", "corpus_items", [facet, "decision"])
    op.create_table(
        "corpus_sources",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("letter_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["letter_id"],
            ["corpus_letters.id"],
            name=op.f("fk_corpus_sources_letter_id_corpus_letters"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_corpus_sources")),
    )
    op.create_index(op.f("ix_corpus_sources_letter_id"), "corpus_sources", ["letter_id"])
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE corpus_search USING fts5("
            "request, rationale, summary, content='', tokenize='porter unicode61')"
        )
    else:
        op.execute(
            "CREATE TABLE corpus_search ("
            "item_id INTEGER PRIMARY KEY REFERENCES corpus_items (id) ON DELETE CASCADE, "
            "document tsvector NOT NULL)"
        )
        op.execute("CREATE INDEX ix_corpus_search_document ON corpus_search USING GIN (document)")


def downgrade() -> None:
    op.execute("DROP TABLE corpus_search")
    op.drop_index(op.f("ix_corpus_sources_letter_id"), table_name="corpus_sources")
    op.drop_table("corpus_sources")
    op.drop_table("corpus_items")
    op.drop_index("ix_corpus_letters_case_number", table_name="corpus_letters")
    op.drop_table("corpus_letters")
