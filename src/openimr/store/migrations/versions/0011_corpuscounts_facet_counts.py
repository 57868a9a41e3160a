"""``corpus_counts`` and ``corpus_turnarounds``: items under each combination of the facets,
and letters by turnaround under each combination of a letter's facets.

Statistics without words grouped every item's facets (nearly two million rows at a million
letters, over a second on PostgreSQL); the combinations that occur are far fewer, so their
counts are kept by the ingest and the statistics sum them. This revision creates the tables
and counts the corpus already stored.

Revision ID: 0011_corpuscounts
Revises: 0010_corpuspgterms
Create Date: 2026-12-08 02:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_corpuscounts"
down_revision = "0010_corpuspgterms"
branch_labels = None
depends_on = None

#: Frozen, as of this revision: the facets counted and their widths.
_TEXT_FACETS = (
    ("topic", 80), ("region", 40), ("decision", 12), ("family", 24), ("section", 200),
    ("ur_family", 24),
)  # fmt: skip


def upgrade() -> None:
    op.create_table(
        "corpus_counts",
        *(sa.Column(name, sa.String(width), nullable=False) for name, width in _TEXT_FACETS),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("specialty", sa.String(120), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            *(name for name, _width in _TEXT_FACETS),
            "year",
            "specialty",
            name=op.f("pk_corpus_counts"),
        ),
    )
    keys = ", ".join(
        [f"coalesce({name}, '')" for name, _width in _TEXT_FACETS]
        + ["coalesce(year, 0)", "coalesce(specialty, '')"]
    )
    op.execute(
        "INSERT INTO corpus_counts (topic, region, decision, family, section, ur_family, year, "
        f"specialty, items) SELECT {keys}, count(*) FROM corpus_facets GROUP BY {keys}"
    )
    op.create_table(
        "corpus_turnarounds",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("specialty", sa.String(120), nullable=False),
        sa.Column("priority", sa.String(12), nullable=False),
        sa.Column("layout", sa.String(24), nullable=False),
        sa.Column("turnaround_days", sa.Integer(), nullable=False),
        sa.Column("letters", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "year",
            "specialty",
            "priority",
            "layout",
            "turnaround_days",
            name=op.f("pk_corpus_turnarounds"),
        ),
    )
    letter_keys = "coalesce(year, 0), coalesce(specialty, ''), priority, layout, turnaround_days"
    op.execute(
        "INSERT INTO corpus_turnarounds (year, specialty, priority, layout, turnaround_days, "
        f"letters) SELECT {letter_keys}, count(*) FROM corpus_facets "
        f"WHERE position = 0 AND turnaround_days IS NOT NULL GROUP BY {letter_keys}"
    )


def downgrade() -> None:
    op.drop_table("corpus_turnarounds")
    op.drop_table("corpus_counts")
