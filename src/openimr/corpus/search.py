"""Search the corpus: full text ranked by relevance, combined with exact facets, in pages.

SQLite ranks with FTS5's BM25 (request weighted over rationale over the case summary);
PostgreSQL with ``ts_rank_cd`` over weighted ``tsvector`` documents under a GIN index. The
query's words are matched all together (a word's forms by stemming); a phrase in double quotes
must appear as written, and ``OR`` between words accepts either. Without words, results are
the newest decisions first. Both backends order ties by item id, so a page is stable.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    and_,
    column,
    func,
    literal_column,
    select,
    table,
    text,
    true,
)
from sqlalchemy.sql import Subquery

from openimr.corpus.schemas import CorpusQuery, DecisionHit, DecisionPage, Facets
from openimr.domain import GuidelineFamily
from openimr.errors import InputError
from openimr.store.corpus_models import CorpusFacet, CorpusItem, CorpusLetter
from openimr.store.db import Database

_ITEMS = CorpusItem.__table__
_LETTERS = CorpusLetter.__table__
_FACETS = CorpusFacet.__table__
#: SQLite's full-text table, as a table to join (its columns are not metadata).
_FTS5 = table("corpus_search", column("rowid"))
_TOKEN = re.compile(r'"[^"]*"?|[^\s"]+')
_WORD = re.compile(r"[^\W_]+")
_FAMILIES = {family.value.lower(): family.value for family in GuidelineFamily}


@contextmanager
def reading(database: Database) -> Iterator[Connection]:
    """A read-only connection: on SQLite a deferred transaction, so that searches neither take
    the write lock nor wait for an ingest that holds it."""
    with database.engine.connect() as connection:
        yield connection.execution_options(sqlite_begin="DEFERRED")


def fts5_query(words: str) -> str:
    """A user's words as an FTS5 query: each word quoted (no operator injection), phrases kept,
    ``OR`` kept between words. Raises :class:`InputError` when there is no word to look for."""
    parts: list[str] = []
    for token in _TOKEN.findall(words):
        if token == "OR":
            if parts and parts[-1] != "OR":
                parts.append("OR")
            continue
        found = _WORD.findall(token)
        if not found:
            continue
        parts.append('"' + " ".join(found) + '"')
    while parts and parts[-1] == "OR":
        parts.pop()
    if not parts:
        raise InputError("the query has no word to search for", source="query")
    return " ".join(parts)


def _family(value: str, field: str) -> str:
    try:
        return _FAMILIES[value.strip().lower()]
    except KeyError:
        raise InputError(
            f"unknown guideline family {value!r} (one of {', '.join(_FAMILIES.values())})",
            source=field,
        ) from None


def facet_conditions(facets: Facets) -> list[ColumnElement[bool]]:
    """The SQL conditions of the facets that are set (on ``corpus_facets``)."""
    c = _FACETS.c
    conditions: list[ColumnElement[bool]] = []
    if facets.topic:
        conditions.append(c.topic == facets.topic.strip().lower())
    if facets.region:
        conditions.append(c.region == facets.region.strip().lower())
    if facets.decision:
        conditions.append(c.decision == facets.decision)
    if facets.year is not None:
        conditions.append(c.year == facets.year)
    if facets.family:
        conditions.append(c.family == _family(facets.family, "family"))
    if facets.ur_family:
        conditions.append(c.ur_family == _family(facets.ur_family, "ur_family"))
    if facets.section:
        conditions.append(func.lower(c.section) == facets.section.strip().lower())
    if facets.specialty:
        conditions.append(func.lower(c.specialty) == facets.specialty.strip().lower())
    return conditions


def matching(
    database: Database,
    words: str,
    *,
    ranked: bool = True,
    conditions: Sequence[ColumnElement[bool]] = (),
    joined: bool = False,
) -> tuple[Subquery, ColumnElement[Any]]:
    """The items matching ``words`` (and the facet ``conditions``) with their relevance (higher
    is better), as a subquery of ``item_id`` and ``score``.

    With ``ranked=False`` the relevance is not computed (a count needs only the ids). On SQLite
    the items passing the facets are a set the full-text scan checks each match against
    (``+rowid``: never an index lookup of FTS5 per item, which costs milliseconds each), so
    the relevance is computed only for the matches that pass. With ``joined=True`` each match
    reads its own facets row instead (by item id): cheaper than building the set when the set
    is larger than the words' matches (see :func:`_joined`). The same items match either way.
    """
    if database.is_sqlite:
        query = fts5_query(words)
        # bm25() is lower for better matches; weights: request, rationale, summary.
        score = (
            -func.bm25(literal_column("corpus_search"), 4.0, 1.0, 0.5)
            if ranked
            else literal_column("NULL")
        )
        # ``+rowid`` in a join: the facets row is read per match, never FTS5 per facets row
        on = _FACETS.c.item_id == literal_column("+corpus_search.rowid")
        chosen = (
            select(literal_column("corpus_search.rowid").label("item_id"), score.label("score"))
            .select_from(_FTS5.join(_FACETS, on) if conditions and joined else _FTS5)
            .where(text("corpus_search MATCH :fts"))
            .params(fts=query)
        )
        if conditions and joined:
            chosen = chosen.where(*conditions)
        elif conditions:
            chosen = chosen.where(
                literal_column("+corpus_search.rowid").in_(
                    select(_FACETS.c.item_id).where(and_(*conditions))
                )
            )
    else:
        fts5_query(words)  # the same refusal of a query without words on both backends
        tsquery = func.websearch_to_tsquery("english", words)
        document = literal_column("corpus_search.document")
        item_id = literal_column("corpus_search.item_id")
        score = func.ts_rank_cd(document, tsquery) if ranked else literal_column("NULL")
        chosen = (
            select(item_id.label("item_id"), score.label("score"))
            .select_from(text("corpus_search"))
            .where(document.op("@@")(tsquery))
        )
        if conditions:
            chosen = chosen.join(_FACETS, _FACETS.c.item_id == item_id).where(*conditions)
    sub = chosen.subquery("ranked")
    return sub, sub.c.score


def _columns() -> list[Any]:
    i, letter = _ITEMS.c, _LETTERS.c
    return [
        letter.key,
        letter.case_number,
        i.decision_date,
        i.year,
        letter.layout,
        i.specialty,
        i.position,
        i.request,
        i.topic,
        i.region,
        i.decision,
        i.family,
        i.document,
        i.chapter,
        i.section,
        i.pages,
        i.ur_family,
        i.ur_audit,
        i.rationale,
    ]


def _hit(row: Any, score: float | None) -> DecisionHit:
    data = dict(row._mapping)
    data.pop("score", None)
    data.pop("id", None)
    return DecisionHit(**data, score=None if score is None else round(float(score), 6))


def search(database: Database, query: CorpusQuery, *, count: bool = True) -> DecisionPage:
    """One page of the decisions matching ``query``, best first (newest first without words).

    The page's item ids are chosen first, reading only the facets (``corpus_facets``, its
    indexes and the full-text index); the items' and letters' columns are then read for those
    ids alone. ``count=False`` leaves out counting every match (``total`` is then the page's
    length): with many OR'ed words and a facet the count costs many times the page.
    """
    conditions = facet_conditions(query)
    f = _FACETS.c
    with reading(database) as connection:
        if query.text and query.text.strip():
            page, total = _by_words(database, connection, query, conditions, count)
        else:
            chosen = (
                select(f.item_id, literal_column("NULL").label("score"))
                .where(and_(True, *conditions))
                .order_by(f.decision_date.desc().nulls_last(), f.item_id.desc())
            )
            page = [tuple(row) for row in connection.execute(_paged(chosen, query))]
            if count:
                counted = select(func.count()).select_from(_FACETS).where(and_(True, *conditions))
                total = connection.execute(counted).scalar_one()
            else:
                total = len(page)
        scores = dict(page)
        i = _ITEMS.c
        details = {
            row.id: row
            for row in connection.execute(
                select(*_columns(), i.id)
                .select_from(_ITEMS.join(_LETTERS, _LETTERS.c.id == i.letter_id))
                .where(i.id.in_(list(scores)))
            )
        } if scores else {}  # fmt: skip
    hits = [_hit(details[item_id], score) for item_id, score in scores.items()]
    return DecisionPage(total=total, limit=query.limit, offset=query.offset, hits=hits)


def _paged(chosen: Select[Any], query: CorpusQuery) -> Select[Any]:
    return chosen.limit(query.limit).offset(query.offset)


def _by_words(
    database: Database,
    connection: Connection,
    query: CorpusQuery,
    conditions: list[ColumnElement[bool]],
    count: bool,
) -> tuple[list[tuple[int, Any]], int]:
    """The page's (item id, score) pairs of a search with words, and the total."""
    words = query.text or ""
    fts5_query(words)  # no word: refused before anything is read
    joined = False
    if conditions and database.is_sqlite:
        joined_or_none = _joined(connection, words, conditions)
        if joined_or_none is None:
            return [], 0
        joined = joined_or_none
    ranked, score = matching(database, words, conditions=conditions, joined=joined)
    if conditions and count:
        # Words and facets: the matches that pass the facets are ranked and counted in one
        # pass (a count apart scanned the words' matches a second time); the count comes
        # with the page, and alone when the page is past the last match.
        passing = select(ranked.c.item_id, score).cte("passing").prefix_with("MATERIALIZED")
        every = select(func.count().label("every")).select_from(passing).subquery("every")
        page = _paged(
            select(passing.c.item_id, passing.c.score).order_by(
                passing.c.score.desc(), passing.c.item_id
            ),
            query,
        ).subquery("page")
        rows = connection.execute(
            select(every.c.every, page.c.item_id, page.c.score)
            .select_from(every.outerjoin(page, true()))
            .order_by(page.c.score.desc(), page.c.item_id)
        ).all()
        total = rows[0][0]
        return [(row[1], row[2]) for row in rows if row[1] is not None], total
    # words alone: the full-text index counts its matches at little cost
    chosen = select(ranked.c.item_id, score).order_by(score.desc(), ranked.c.item_id)
    page_rows = [tuple(row) for row in connection.execute(_paged(chosen, query))]
    if not count:
        return page_rows, len(page_rows)
    found, _none = matching(database, words, ranked=False, conditions=conditions, joined=joined)
    return page_rows, connection.execute(select(func.count()).select_from(found)).scalar_one()


#: Facet sets counted up to this many items when choosing how words meet facets on SQLite.
_COUNTED_FACETS = 60_000
#: Facet sets this small are always checked as a set (the words' matches are not counted).
_SMALL_SET = 2_000


def _joined(
    connection: Connection, words: str, conditions: Sequence[ColumnElement[bool]]
) -> bool | None:
    """On SQLite, whether the words' matches should each read their facets row (``True``)
    rather than be checked against the set of items passing the facets (``False``); ``None``
    when no item passes the facets (nothing to rank or count).

    The set costs about a microsecond per item to build and a fraction of one per match to
    check; a facets row read per match costs under a microsecond. Reading rows wins when the
    matches are fewer than about twice the set: both are counted first, from one facet index
    and from the full-text index, each only as far as the choice needs.
    """
    few = select(_FACETS.c.item_id).where(and_(*conditions)).limit(_COUNTED_FACETS)
    facets = connection.execute(select(func.count()).select_from(few.subquery())).scalar_one()
    if facets == 0:
        return None
    if facets <= _SMALL_SET:  # a set this small is cheaper than any join but a tiny one
        return False
    matches = (
        select(literal_column("1"))
        .select_from(text("corpus_search"))
        .where(text("corpus_search MATCH :fts"))
        .params(fts=fts5_query(words))
        .limit(2 * facets + 1)
    )
    found = connection.execute(select(func.count()).select_from(matches.subquery())).scalar_one()
    return found <= 2 * facets


#: Words of four letters or more that every letter uses (shorter words are never used).
_STOP = frozenset(
    {
        "been", "from", "have", "that", "their", "there", "they", "this", "were", "which",
        "with", "will", "patient", "applicant", "worker", "injured", "employee", "request",
        "requested", "reported", "reports", "noted", "dated", "date",
    }
)  # fmt: skip


def similar(
    database: Database,
    topic: str,
    region: str | None,
    facts_text: str,
    limit: int = 10,
) -> list[DecisionHit]:
    """Published decisions on the same topic (and region, when one is given and enough match),
    ranked by how many of the facts' distinctive words their letters share.

    The facts' words are joined with OR (a long text has no letter containing every word);
    the twenty longest distinct words are used, longer words being the more distinctive.
    """
    words = sorted(
        {w.lower() for w in _WORD.findall(facts_text) if len(w) > 3 and w.lower() not in _STOP},
        key=lambda w: (-len(w), w),
    )[:20]
    limit = max(1, min(limit, 100))
    regions: Sequence[str | None] = [region, None] if region else [None]
    hits: list[DecisionHit] = []
    seen: set[tuple[str | None, int]] = set()
    for each in regions:
        if len(hits) >= limit:
            break
        query = CorpusQuery(
            text=" OR ".join(words) if words else None, topic=topic, region=each, limit=limit
        )
        for hit in search(database, query, count=False).hits:
            marker = (hit.case_number, hit.position)
            if marker not in seen and len(hits) < limit:
                seen.add(marker)
                hits.append(hit)
    return hits
