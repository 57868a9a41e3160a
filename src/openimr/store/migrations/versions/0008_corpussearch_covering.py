"""The facet indexes of ``corpus_facets`` carry the other short facets, so that a search or count
on several facets reads one index and never the table.

A filter on two facets (a region and a family, say) read the first facet's index and then one
table row per entry to check the second; at 100,000 letters a count over a common region read
30,000 rows that way. Each index now holds, after its facet, the newest-first order and the item,
every short facet (decision, topic, region, family, year, UR family): any combination of them is
checked in the index alone. (Section and specialty, compared lowered, are not used by a filter
and keep their narrow indexes.)

Revision ID: 0008_corpussearch
Revises: 0007_corpusperf
Create Date: 2026-12-07 14:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0008_corpussearch"
down_revision = "0007_corpusperf"
branch_labels = None
depends_on = None

#: Frozen copy, as of this revision, of the short facets: each one's index now carries the others.
#: (Section and specialty are compared lowered, so their indexes serve grouping and order only;
#: they keep their narrow form, which statistics over the whole corpus read faster.)
_CARRIED = ("decision", "topic", "region", "family", "year", "ur_family")


def _recreate(facet: str, columns: list[str]) -> None:
    op.drop_index(f"ix_corpus_facets_{facet}", table_name="corpus_facets")
    op.create_index(f"ix_corpus_facets_{facet}", "corpus_facets", columns)


def upgrade() -> None:
    for facet in _CARRIED:
        carried = [name for name in _CARRIED if name != facet]
        _recreate(facet, [facet, "decision_date", "item_id", *carried])
    # The dropped indexes' statistics went with them: the planner's figures, taken again.
    op.execute("ANALYZE corpus_facets")


def downgrade() -> None:
    for facet in _CARRIED:
        _recreate(
            facet,
            [facet, "decision_date", "item_id", *([] if facet == "decision" else ["decision"])],
        )
