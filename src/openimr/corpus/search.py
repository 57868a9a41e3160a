"""Search the corpus: full text ranked by relevance, combined with exact facets, in pages.

SQLite ranks with FTS5's BM25 (request weighted over rationale over the case summary);
PostgreSQL with ``ts_rank_cd`` over weighted ``tsvector`` documents under a GIN index. The
query's words are matched all together (a word's forms by stemming); a phrase in double quotes
must appear as written, and ``OR`` between words accepts either. Without words, results are
the newest decisions first. Both backends order ties by item id, so a page is stable. The
facets are terms of the full-text index too (:mod:`openimr.corpus.terms`), so words and facets
are one full-text query.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    Table,
    and_,
    column,
    func,
    literal_column,
    select,
    table,
    text,
    true,
    union_all,
)
from sqlalchemy.sql import Subquery

from openimr.corpus import schemas
from openimr.corpus.schemas import (
    CorpusQuery,
    DecisionHit,
    DecisionPage,
    Facets,
    PageOrder,
)
from openimr.corpus.terms import TERM_FACETS, facet_term
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


def fts5_match(words: str, facets: Facets) -> str:
    """The words and the facets' terms (SQLite) as one FTS5 query: the words' matches that
    pass every facet set (see :mod:`openimr.corpus.terms`). Raises like :func:`fts5_query`."""
    query = fts5_query(words)
    terms = [facet_term(name, value) for name, value in _facet_values(facets)]
    if not terms:
        return query
    return f"({query}) AND " + " AND ".join(f"facets : {term}" for term in terms)


def _facet_values(facets: Facets) -> list[tuple[str, object]]:
    """The facets set, in the order of :data:`TERM_FACETS`, each with its value as the store
    compares it: names and text stripped and in lower case, a guideline family as the store
    writes it (an unknown one refused, naming its field)."""
    values: list[tuple[str, object]] = []
    for name in TERM_FACETS:
        value = getattr(facets, name)
        if value is None or value == "":
            continue
        if name in _FAMILY_FACETS:
            value = _family(value, name)
        elif name in _TEXT_FACETS:
            value = value.strip().lower()
        values.append((name, value))
    return values


#: Facets naming a guideline family, and facets of names or text compared in lower case.
_FAMILY_FACETS = frozenset({"family", "ur_family"})
_TEXT_FACETS = frozenset({"topic", "region", "section", "specialty"})
#: Text facets stored as written (a section, a specialty): lowered on both sides.
_STORED_AS_WRITTEN = frozenset({"section", "specialty"})


def _family(value: str, field: str) -> str:
    try:
        return _FAMILIES[value.strip().lower()]
    except KeyError:
        raise InputError(
            f"unknown guideline family {value!r} (one of {', '.join(_FAMILIES.values())})",
            source=field,
        ) from None


def facet_conditions(facets: Facets, source: Table = _FACETS) -> list[ColumnElement[bool]]:
    """The SQL conditions of the facets that are set (on ``corpus_facets``, or on another
    table with the same facet columns)."""
    c = source.c
    return [
        (func.lower(c[name]) if name in _STORED_AS_WRITTEN else c[name]) == value
        for name, value in _facet_values(facets)
    ]


def matching(
    database: Database,
    words: str,
    *,
    ranked: bool = True,
    facets: Facets | None = None,
) -> tuple[Subquery, ColumnElement[Any]]:
    """The items matching ``words`` (and passing ``facets``) with their relevance (higher is
    better), as a subquery of ``item_id`` and ``score``; with ``ranked=False`` the relevance
    is not computed (a count needs only the ids).

    On both backends the facets are terms of the full-text index (:mod:`openimr.corpus.terms`):
    the index intersects the words' matches with each facet's own list of items. The terms
    take no part in the relevance.
    """
    facets = facets or Facets()
    if database.is_sqlite:
        score = _BM25 if ranked else literal_column("NULL")
        fts = fts5_match(words, facets)
        chosen = _fts_matches(_ROWID.label("item_id"), score.label("score")).params(fts=fts)
    else:
        fts5_query(words)  # the same refusal of a query without words on both backends
        tsquery = func.websearch_to_tsquery("english", words)
        document = literal_column("corpus_search.document")
        item_id = literal_column("corpus_search.item_id")
        score = (
            func.ts_rank_cd(literal_column(_TS_WEIGHTS), document, tsquery)
            if ranked
            else literal_column("NULL")
        )
        chosen = (
            select(item_id.label("item_id"), score.label("score"))
            .select_from(text("corpus_search"))
            .where(document.op("@@")(tsquery))
        )
        terms = [facet_term(name, value) for name, value in _facet_values(facets)]
        if terms:
            wanted = func.to_tsquery("simple", " & ".join(terms))
            chosen = chosen.where(document.op("@@")(wanted))
    sub = chosen.subquery("ranked")
    return sub, sub.c.score


#: ``ts_rank_cd``'s weights of PostgreSQL's labels D, C, B, A: the request (A) weighs most,
#: then the rationale (B), then the letter's case summary (C); the facets' terms (D) none.
_TS_WEIGHTS = "'{0, 0.2, 0.4, 1.0}'::float4[]"


#: BM25 weights of SQLite's full-text columns: the request weighs most, then the rationale,
#: then the letter's case summary; the facets' terms (see :mod:`openimr.corpus.terms`) none.
_WEIGHTS = (4.0, 1.0, 0.5, 0.0)
#: An item's id in SQLite's full-text table, and its relevance there (higher is better).
_ROWID = literal_column("corpus_search.rowid")
_BM25 = -func.bm25(literal_column("corpus_search"), *_WEIGHTS)


def _fts_matches(*columns: Any) -> Select[Any]:
    """On SQLite, ``columns`` of the items matching the full-text query bound as ``:fts``."""
    return select(*columns).select_from(_FTS5).where(text("corpus_search MATCH :fts"))


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


def search(
    database: Database,
    query: CorpusQuery,
    *,
    count: bool = True,
    rank_limit: int | Literal["default"] | None = "default",
    count_limit: int = schemas.COUNT_LIMIT,
) -> DecisionPage:
    """One page of the decisions matching ``query``, best first (newest first without words).

    With words, the matches passing the facets are ranked when there are at most
    ``rank_limit`` of them (by default ``schemas.RANK_LIMIT``); more are listed newest first
    (the page's ``order`` is then ``newest`` and its hits carry no score), since ranking costs
    microseconds a match and a common word matches most of a large corpus.
    ``rank_limit=None`` ranks every match. On PostgreSQL the matches are counted up to
    ``count_limit`` (and the rank limit); past it the page's ``total_exact`` is false.

    The page's item ids are chosen first, reading only the facets (``corpus_facets``, its
    indexes and the full-text index); the items' and letters' columns are then read for those
    ids alone. ``count=False`` leaves out counting every match (``total`` is then the page's
    length, and every match is ranked): with many OR'ed words and a facet the count costs
    many times the page.
    """
    conditions = facet_conditions(query)
    f = _FACETS.c
    order: PageOrder = "newest"
    limit = schemas.RANK_LIMIT if rank_limit == "default" else rank_limit
    with reading(database) as connection:
        exact = True
        if query.text and query.text.strip():
            page, (total, exact), order = _by_words(
                database, connection, query, conditions, count, limit if count else None,
                count_limit,
            )  # fmt: skip
        else:
            chosen = _newest_first(database, conditions, query.offset, query.limit)
            page = [(item_id, None) for item_id in connection.execute(chosen).scalars()]
            if not count:
                total = len(page)
            elif database.is_sqlite:
                counted = select(func.count()).select_from(_FACETS).where(and_(True, *conditions))
                total = connection.execute(counted).scalar_one()
            else:
                passing = select(f.item_id).where(and_(True, *conditions))
                total, exact = _count_up_to(connection, passing, count_limit)
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
    return DecisionPage(
        total=total,
        total_exact=exact,
        limit=query.limit,
        offset=query.offset,
        order=order,
        hits=hits,
    )


#: Newest decision first, the later item first among a day's; undated last.
_NEWEST = (_FACETS.c.decision_date.desc().nulls_last(), _FACETS.c.item_id.desc())


def _newest_first(
    database: Database, conditions: Sequence[ColumnElement[bool]], offset: int, limit: int
) -> Select[Any]:
    """The ids of the items passing ``conditions``, newest first (undated last), from
    ``offset``, at most ``limit`` of them: read from the facets' indexes in their order.

    PostgreSQL's indexes keep undated rows after the dated ones (ascending), so read backwards
    they come first: the dated and the undated are read apart, each in index order, and put
    together (at most ``offset + limit`` rows of each).
    """
    f = _FACETS.c
    if database.is_sqlite:
        return select(f.item_id).where(*conditions).order_by(*_NEWEST).offset(offset).limit(limit)
    most = offset + limit
    dated = (
        select(f.item_id, f.decision_date, literal_column("0").label("undated"))
        .where(*conditions, f.decision_date.is_not(None))
        .order_by(f.decision_date.desc().nulls_first(), f.item_id.desc())
        .limit(most)
        .subquery("dated")
    )
    undated = (
        select(f.item_id, f.decision_date, literal_column("1").label("undated"))
        .where(*conditions, f.decision_date.is_(None))
        .order_by(f.item_id.desc())
        .limit(most)
        .subquery("undated")
    )
    both = union_all(select(dated), select(undated)).subquery("both")
    return (
        select(both.c.item_id)
        .order_by(both.c.undated, both.c.decision_date.desc(), both.c.item_id.desc())
        .offset(offset)
        .limit(limit)
    )


def _paged(chosen: Select[Any], query: CorpusQuery) -> Select[Any]:
    return chosen.limit(query.limit).offset(query.offset)


Page = list[tuple[int, Any]]


def _by_words(
    database: Database,
    connection: Connection,
    query: CorpusQuery,
    conditions: list[ColumnElement[bool]],
    count: bool,
    rank_limit: int | None,
    count_limit: int,
) -> tuple[Page, tuple[int, bool], PageOrder]:
    """The page's (item id, score) pairs of a search with words, the total and whether it is
    exact, and the page's order: ranked when at most ``rank_limit`` matches pass the facets,
    else newest first.

    On SQLite the words and the facets are one full-text query (:func:`fts5_match`), whose
    matches the index counts at little cost; the count decides the order. On PostgreSQL the
    count stops past ``rank_limit`` (and ``count_limit``): enough to decide the order.
    """
    words = query.text or ""
    fts5_query(words)  # no word: refused before anything is read
    if database.is_sqlite:
        fts = fts5_match(words, query)
        if not count:
            page = _ranked_sqlite(connection, fts, query)
            return page, (len(page), True), "relevance"
        total = _fts_count(connection, fts)
        if rank_limit is None or total <= rank_limit:
            page = _ranked_sqlite(connection, fts, query) if total > query.offset else []
            return page, (total, True), "relevance"
        return _newest(database, connection, query, conditions), (total, True), "newest"
    if rank_limit is None:
        page, total = _ranked(database, connection, query, count)
        return page, (total, True), "relevance"
    found, _none = matching(database, words, ranked=False, facets=query)
    counted = _count_up_to(connection, select(found.c.item_id), max(rank_limit, count_limit))
    if counted[1] and counted[0] <= rank_limit:
        page, _total = _ranked(database, connection, query, False)
        return page, counted, "relevance"
    return _newest(database, connection, query, conditions), counted, "newest"


def _ranked_sqlite(connection: Connection, fts: str, query: CorpusQuery) -> Page:
    """On SQLite, the page of the full-text query's matches, best first."""
    chosen = _fts_matches(_ROWID.label("item_id"), _BM25.label("score")).order_by(
        literal_column("score").desc(), _ROWID
    )
    return [tuple(row) for row in connection.execute(_paged(chosen, query), {"fts": fts})]


def _ranked(
    database: Database,
    connection: Connection,
    query: CorpusQuery,
    count: bool,
) -> tuple[Page, int]:
    """On PostgreSQL, every match ranked: the page, and the total (the page's length without
    ``count``)."""
    ranked, score = matching(database, query.text or "", facets=query)
    if count:
        # The matches are ranked and counted in one pass (a count apart scanned the index a
        # second time); the count comes with the page, and alone when the page is past the
        # last match.
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
    chosen = select(ranked.c.item_id, score).order_by(score.desc(), ranked.c.item_id)
    page_rows = [tuple(row) for row in connection.execute(_paged(chosen, query))]
    return page_rows, len(page_rows)


def _fts_count(connection: Connection, fts: str) -> int:
    """On SQLite, how many items match a full-text query: the index alone, at little cost."""
    return int(connection.execute(_fts_matches(func.count()), {"fts": fts}).scalar_one())


def _count_up_to(connection: Connection, ids: Select[Any], most: int) -> tuple[int, bool]:
    """How many rows ``ids`` selects, counted up to ``most`` (``most`` and ``False`` when there
    are more): the scan stops one row past it."""
    counted = int(
        connection.execute(
            select(func.count()).select_from(ids.limit(most + 1).subquery("counted"))
        ).scalar_one()
    )
    return (counted, True) if counted <= most else (most, False)


#: Pages ending this far in are found by walking the facets newest first and looking each
#: item up in the full-text index (tens of microseconds each, so only while few are read).
_WALKED = 100


def _newest(
    database: Database,
    connection: Connection,
    query: CorpusQuery,
    conditions: list[ColumnElement[bool]],
) -> Page:
    """The page of matches passing the facets, newest first, without ranking them.

    There are more than the rank limit, so an early page is found walking the facets newest
    first and looking each item up in the full-text index (the walk stops at the page: on
    SQLite row by row, on PostgreSQL in growing steps of ids); a page further in checks the
    facets against the set of every match instead.
    """
    f = _FACETS.c
    words = query.text or ""
    if database.is_sqlite:
        fts = fts5_match(words, query)
        if query.offset + query.limit <= _WALKED:
            found = _fts_matches(literal_column("1")).where(f.item_id == _ROWID).exists()
        else:
            found = f.item_id.in_(_fts_matches(_ROWID))
        chosen = select(f.item_id, literal_column("NULL").label("score")).where(found, *conditions)
        params: dict[str, Any] = {"fts": fts}
        rows = connection.execute(_paged(chosen.order_by(*_NEWEST), query), params)
        return [tuple(row) for row in rows]
    found, _none = matching(database, words, ranked=False, facets=query)
    if query.offset + query.limit > _WALKED:
        passing = [*conditions, f.item_id.in_(select(found.c.item_id))]
        chosen = _newest_first(database, passing, query.offset, query.limit)
        return [(item_id, None) for item_id in connection.execute(chosen).scalars()]
    # Walked in growing steps: the facets newest first, each step's items looked up in the
    # full-text index by id (more than the rank limit match, so steps are seldom many).
    wanted = query.offset + query.limit
    kept: list[int] = []
    walked, step = 0, 500
    while len(kept) < wanted:
        ids = list(connection.execute(_newest_first(database, conditions, walked, step)).scalars())
        if not ids:
            break
        matched = set(
            connection.execute(select(found.c.item_id).where(found.c.item_id.in_(ids))).scalars()
        )
        kept += [item_id for item_id in ids if item_id in matched]
        walked, step = walked + step, min(step * 4, 32_000)
    return [(item_id, None) for item_id in kept[query.offset : wanted]]


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
        for hit in search(database, query, count=False, rank_limit=None).hits:
            marker = (hit.case_number, hit.position)
            if marker not in seen and len(hits) < limit:
                seen.add(marker)
                hits.append(hit)
    return hits
