"""On PostgreSQL, each item's ``tsvector`` carries its facets as lexemes of label D.

A search with words and facets joined every match of the words to the facets table: at 633,200
letters a common word with a facet or two took a second or more. With the facets as lexemes
the GIN index intersects the words' matches with each facet's own list, as SQLite's full-text
index has done since revision 0009 (the same terms, :mod:`openimr.corpus.terms`). The ranking
gives label D no weight. SQLite is unchanged.

Revision ID: 0010_corpuspgterms
Revises: 0009_corpusterms
Create Date: 2026-12-07 23:00:00
"""

from __future__ import annotations

import hashlib

from alembic import op
from sqlalchemy import text

revision = "0010_corpuspgterms"
down_revision = "0009_corpusterms"
branch_labels = None
depends_on = None

#: Frozen copies, as of this revision, of ``openimr.corpus.terms`` (a test checks they agree).
_TERM_FACETS = (
    "topic", "region", "decision", "year", "family", "ur_family", "section", "specialty",
)  # fmt: skip
_BATCH = 5_000


def _term(facet: str, value: object) -> str:
    key = f"{facet}\x1f{str(value).strip().lower()}".encode()
    return "f" + hashlib.blake2b(key, digest_size=8).hexdigest() + "0"


def upgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name != "postgresql":
        return
    facets = ", ".join(_TERM_FACETS)
    last = 0
    while True:
        rows = connection.execute(
            text(
                f"SELECT item_id, {facets} FROM corpus_facets WHERE item_id > :last "
                "ORDER BY item_id LIMIT :batch"
            ),
            {"last": last, "batch": _BATCH},
        ).all()
        if not rows:
            break
        connection.execute(
            text(
                "UPDATE corpus_search SET document = ts_filter(document, '{a,b,c}') || "
                "setweight(to_tsvector('simple', :terms), 'D') WHERE item_id = :id"
            ),
            [
                {
                    "id": row[0],
                    "terms": " ".join(
                        _term(name, value)
                        for name, value in zip(_TERM_FACETS, row[1:], strict=True)
                        if value is not None
                    ),
                }
                for row in rows
            ],
        )
        last = rows[-1][0]


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("UPDATE corpus_search SET document = ts_filter(document, '{a,b,c}')")
