"""On SQLite, the full-text index carries each item's facets as terms, in a column of its own.

A search with words and facets checked every match of the words against the facets table (or
read a facets row per match): at 100,000 letters a common word with one facet took 50 to 120 ms.
With the facets as terms the full-text index intersects the words' matches with each facet's
own list. FTS5 cannot add a column to a table, and ``corpus_search`` holds no copy of its text
(``content=''``), so the table is built again from the items, their letters and their facets.
PostgreSQL is unchanged (its facets are checked by index beside the GIN index).

Revision ID: 0009_corpusterms
Revises: 0008_corpussearch
Create Date: 2026-12-07 20:30:00
"""

from __future__ import annotations

import hashlib

from alembic import op
from sqlalchemy import text

revision = "0009_corpusterms"
down_revision = "0008_corpussearch"
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


def _rebuild(with_facets: bool) -> None:
    columns = "request, rationale, summary" + (", facets" if with_facets else "")
    op.execute("DROP TABLE corpus_search")
    op.execute(
        f"CREATE VIRTUAL TABLE corpus_search USING fts5({columns}, content='', "
        "tokenize='porter unicode61')"
    )
    connection = op.get_bind()
    facets = ", ".join(f"f.{name}" for name in _TERM_FACETS)
    last = 0
    while True:
        rows = connection.execute(
            text(
                f"SELECT i.id, i.request, i.rationale, l.summary, {facets} FROM corpus_items i "
                "JOIN corpus_letters l ON l.id = i.letter_id "
                "LEFT JOIN corpus_facets f ON f.item_id = i.id "
                "WHERE i.id > :last ORDER BY i.id LIMIT :batch"
            ),
            {"last": last, "batch": _BATCH},
        ).all()
        if not rows:
            break
        values = []
        for row in rows:
            own = [row.id, row.request, row.rationale, row.summary]
            if with_facets:
                named = zip(_TERM_FACETS, row[4:], strict=True)
                own.append(" ".join(_term(n, v) for n, v in named if v is not None))
            values.append(tuple(own))
        marks = ", ".join("?" * (2 + columns.count(",")))
        connection.exec_driver_sql(
            f"INSERT INTO corpus_search (rowid, {columns}) VALUES ({marks})", values
        )
        last = rows[-1].id


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild(with_facets=True)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild(with_facets=False)
