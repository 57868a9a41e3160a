"""The corpus's facets in a narrow table of their own, ``corpus_facets``, filled from the items.

Searches and statistics filtered, counted and sorted ``corpus_items``, whose rows carry each
item's request and rationale; they now read one narrow row per item and its indexes. The facet
indexes of ``corpus_items`` move to the new table.

Revision ID: 0007_corpusperf
Revises: 0006_queue
Create Date: 2026-12-07 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_corpusperf"
down_revision = "0006_queue"
branch_labels = None
depends_on = None

#: Frozen copy of the facets indexed as of this revision.
_FACETS = ("topic", "region", "family", "year", "specialty", "section", "ur_family")


def upgrade() -> None:
    op.create_table(
        "corpus_facets",
        sa.Column("item_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("letter_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=12), nullable=False),
        sa.Column("topic", sa.String(length=80), nullable=False),
        sa.Column("region", sa.String(length=40), nullable=True),
        sa.Column("family", sa.String(length=24), nullable=False),
        sa.Column("section", sa.String(length=200), nullable=True),
        sa.Column("ur_family", sa.String(length=24), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("decision_date", sa.Date(), nullable=True),
        sa.Column("specialty", sa.String(length=120), nullable=True),
        sa.Column("priority", sa.String(length=12), nullable=False),
        sa.Column("layout", sa.String(length=24), nullable=False),
        sa.Column("turnaround_days", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["corpus_items.id"],
            name=op.f("fk_corpus_facets_item_id_corpus_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("item_id", name=op.f("pk_corpus_facets")),
    )
    op.execute(
        "INSERT INTO corpus_facets (item_id, letter_id, position, decision, topic, region, "
        "family, section, ur_family, year, decision_date, specialty, priority, layout, "
        "turnaround_days) "
        "SELECT i.id, i.letter_id, i.position, i.decision, i.topic, i.region, i.family, "
        "i.section, i.ur_family, i.year, i.decision_date, i.specialty, l.priority, l.layout, "
        "l.turnaround_days FROM corpus_items i JOIN corpus_letters l ON l.id = i.letter_id"
    )
    for facet in (*_FACETS, "decision"):
        op.create_index(
            f"ix_corpus_facets_{facet}",
            "corpus_facets",
            [facet, "decision_date", "item_id", *([] if facet == "decision" else ["decision"])],
        )
    for facet in _FACETS:
        op.drop_index(f"ix_corpus_items_{facet}_decision", table_name="corpus_items")
    op.create_index("ix_corpus_facets_decision_date", "corpus_facets", ["decision_date", "item_id"])
    op.drop_index("ix_corpus_items_decision_date", table_name="corpus_items")


def downgrade() -> None:
    op.create_index("ix_corpus_items_decision_date", "corpus_items", ["decision_date"])
    for facet in _FACETS:
        op.create_index(f"ix_corpus_items_{facet}_decision", "corpus_items", [facet, "decision"])
    op.drop_table("corpus_facets")
