"""``corpus_counts``: the number of items under each combination of the facets.

Statistics without words grouped every item's facets (nearly two million rows at a million
letters, over a second on PostgreSQL); the combinations that occur are far fewer, so their
counts are kept by the ingest and the statistics sum them. This revision creates the table and
counts the items already stored.

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


def downgrade() -> None:
    op.drop_table("corpus_counts")
