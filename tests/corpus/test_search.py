"""Search: ranked full text with facets and stable pages, on SQLite and PostgreSQL; any words
a person types give results or one clear refusal, never a database error."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from sqlalchemy import text
from tests.corpus.support import build

from openimr.corpus import search as search_module
from openimr.corpus.schemas import RANK_LIMIT, CorpusQuery
from openimr.corpus.search import fts5_query, search, similar
from openimr.errors import InputError
from openimr.store.db import Database


def _expected(letters, **facets):  # type: ignore[no-untyped-def]
    """(case number, position) of generated items with these facets."""
    out = set()
    for letter in letters:
        for position, item in enumerate(letter.items):
            if "decision" in facets and item.decision.value != facets["decision"]:
                continue
            if "year" in facets and letter.decision_date.year != facets["year"]:
                continue
            if "family" in facets and item.family.value != facets["family"]:
                continue
            out.add((letter.case_number, position))
    return out


def test_facets_select_exactly_the_matching_items(database: Database) -> None:
    letters = build(database, 60)
    for facets in ({"decision": "overturned"}, {"year": 2017}, {"family": "ODG"},
                   {"decision": "upheld", "family": "MTUS-CPMTG"}):  # fmt: skip
        page = search(database, CorpusQuery(limit=500, **facets))
        found = {(h.case_number, h.position) for h in page.hits}
        assert found == _expected(letters, **facets), facets
        assert page.total == len(found)
    # a facet's spelling does not matter
    assert search(database, CorpusQuery(family="odg")).total == len(
        _expected(letters, family="ODG")
    )


def test_words_rank_the_request_above_a_mention_elsewhere(database: Database) -> None:
    build(database, 60)
    page = search(database, CorpusQuery(text="polysomnography", limit=50))
    assert page.hits, "generated letters include sleep studies"
    assert all(h.score is not None for h in page.hits)
    scores = [h.score for h in page.hits]
    assert scores == sorted(scores, reverse=True)
    named = [("polysomnography" in h.request.lower()) for h in page.hits]
    # every item whose request names the words comes before any that only mention them
    assert named == sorted(named, reverse=True)


def test_words_and_facets_combine_and_pages_are_stable(database: Database) -> None:
    build(database, 90)
    query = CorpusQuery(text="therapy", decision="upheld", limit=500)
    everything = search(database, query)
    assert everything.total == len(everything.hits) > 10
    assert all(h.decision == "upheld" for h in everything.hits)
    pages = [
        search(database, query.model_copy(update={"limit": 7, "offset": offset})).hits
        for offset in range(0, everything.total, 7)
    ]
    assert [h for page in pages for h in page] == everything.hits
    newest = search(database, CorpusQuery(limit=20)).hits
    dates = [h.decision_date for h in newest]
    assert dates == sorted(dates, reverse=True)


def test_phrases_and_or(database: Database) -> None:
    build(database, 60)
    phrase = search(database, CorpusQuery(text='"knee brace"', limit=500)).total
    loose = search(database, CorpusQuery(text="knee brace", limit=500)).total
    either = search(database, CorpusQuery(text="polysomnography OR pillow", limit=500)).total
    alone = [search(database, CorpusQuery(text=w, limit=500)).total
             for w in ("polysomnography", "pillow")]  # fmt: skip
    assert 0 < phrase <= loose
    assert max(alone) <= either <= sum(alone)


def test_similar_decisions_share_the_topic(database: Database) -> None:
    build(database, 90)
    facts = "a one-month home trial as an adjunct to a functional restoration program"
    hits = similar(database, "tens_unit", None, facts, 5)
    assert hits and all(h.topic == "tens_unit" for h in hits)
    assert len(hits) <= 5


def test_bad_queries_are_refused_by_field() -> None:
    with pytest.raises(InputError, match="no word"):
        fts5_query('- "" ... OR')
    with pytest.raises(ValidationError):
        CorpusQuery(decision="maybe")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        CorpusQuery(limit=0)
    with pytest.raises(ValidationError):
        CorpusQuery(colour="red")  # type: ignore[call-arg]


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from openimr.store.migrate import upgrade

    database = Database(f"sqlite+pysqlite:///{tmp_path_factory.mktemp('c') / 'c.sqlite3'}")
    upgrade(database)
    build(database, 12)
    yield database
    database.dispose()


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=60))
def test_any_words_give_results_or_a_clear_refusal(small_corpus: Database, words: str) -> None:
    try:
        page = search(small_corpus, CorpusQuery(text=words, limit=5))
    except InputError as exc:
        assert exc.source == "query"
    else:
        assert page.total >= len(page.hits)


def _reference(
    database: Database, query: CorpusQuery, rank_limit: int | None = None
) -> list[tuple[str, int, float | None]]:
    """Every match of ``query`` in order, by the plain reading of the definition: all the words'
    matches ranked, the facets checked in Python, sorted by relevance then item (newest first,
    then the later item, without words or with more than ``rank_limit`` matches, and then
    without scores); (key, position, score rounded as a hit's)."""
    with database.engine.connect() as connection:
        facets = {
            row.item_id: row
            for row in connection.execute(
                text(
                    "SELECT f.item_id, f.topic, f.region, f.decision, f.year, f.family, "
                    "f.position, f.decision_date, l.key FROM corpus_facets f "
                    "JOIN corpus_letters l ON l.id = f.letter_id"
                )
            )
        }
        if query.text is None:
            scores: dict[int, float | None] = dict.fromkeys(facets)
        elif database.is_sqlite:
            scores = dict(
                connection.execute(  # type: ignore[arg-type]
                    text(
                        "SELECT rowid, -bm25(corpus_search, 4.0, 1.0, 0.5) FROM corpus_search "
                        "WHERE corpus_search MATCH :q"
                    ),
                    {"q": fts5_query(query.text)},
                ).all()
            )
        else:
            scores = dict(
                connection.execute(  # type: ignore[arg-type]
                    text(
                        "SELECT item_id, ts_rank_cd(document, websearch_to_tsquery('english', "
                        ":q)) FROM corpus_search "
                        "WHERE document @@ websearch_to_tsquery('english', :q)"
                    ),
                    {"q": query.text},
                ).all()
            )
    wanted = {name: getattr(query, name) for name in ("topic", "region", "decision", "year")}
    wanted["family"] = query.family
    kept = [
        item_id
        for item_id in scores
        if all(value is None or getattr(facets[item_id], name) == value
               for name, value in wanted.items())
    ]  # fmt: skip
    if query.text is None or (rank_limit is not None and len(kept) > rank_limit):
        scores = dict.fromkeys(kept)
        kept.sort(key=lambda i: (facets[i].decision_date is None, facets[i].decision_date, i))
        kept.reverse()  # newest first, the later item first; undated last
        kept.sort(key=lambda i: facets[i].decision_date is None)
    else:
        kept.sort(key=lambda i: (-scores[i], i))  # type: ignore[operator]
    rounded = {i: None if scores[i] is None else round(float(scores[i]), 6) for i in kept}  # type: ignore[arg-type]
    return [(facets[i].key, facets[i].position, rounded[i]) for i in kept]


@pytest.mark.parametrize(
    ("rank_limit", "walked"),
    [(RANK_LIMIT, search_module._WALKED), (40, search_module._WALKED), (15, 0), (None, 0)],
)
def test_pages_and_totals_follow_the_plain_reading(
    database: Database,
    monkeypatch: pytest.MonkeyPatch,
    rank_limit: int | None,
    walked: int,
) -> None:
    """Whichever way a page past the rank limit is found (walking the facets newest first, or
    checking them against every match), every page and total is what ranking every match
    gives, or, past the rank limit, what listing every match newest first gives, and the page
    says which."""
    monkeypatch.setattr(search_module, "_WALKED", walked)
    letters = build(database, 150)
    with database.engine.begin() as connection:  # some items undated: listed after the dated
        connection.execute(
            text("UPDATE corpus_facets SET decision_date = NULL WHERE item_id % 9 = 0")
        )
    years = sorted({letter.decision_date.year for letter in letters})
    shapes: list[dict[str, object]] = [
        {}, {"decision": "upheld"}, {"decision": "overturned"}, {"family": "ODG"},
        {"year": years[0]}, {"decision": "upheld", "year": years[-1]},
        {"topic": "tens_unit"}, {"region": "knee", "decision": "upheld"},
        {"topic": "tens_unit", "year": 1990},  # no item passes
    ]  # fmt: skip
    for words in (None, "therapy", "knee", '"red flags"', "acupuncture OR chiropractic",
                  "functional improvement", "polysomnography"):  # fmt: skip
        for facets in shapes:
            query = CorpusQuery(text=words, limit=500, **facets)  # type: ignore[arg-type]
            expected = _reference(database, query, rank_limit)
            every = search(database, query, rank_limit=rank_limit)
            got = [(h.key, h.position, h.score) for h in every.hits]
            assert (every.total, got) == (len(expected), expected), (words, facets)
            ranked = words is not None and (rank_limit is None or len(expected) <= rank_limit)
            assert every.order == ("relevance" if ranked else "newest"), (words, facets)
            for offset in (0, 7, len(expected) - 3, len(expected) + 5):
                page = search(
                    database,
                    query.model_copy(update={"limit": 7, "offset": max(0, offset)}),
                    rank_limit=rank_limit,
                )
                assert page.total == len(expected), (words, facets, offset)
                got = [(h.key, h.position, h.score) for h in page.hits]
                assert got == expected[max(0, offset) : max(0, offset) + 7], (words, facets)


def test_postgresql_counts_up_to_its_limit_and_says_so(database: Database) -> None:
    """Past the count limit PostgreSQL's total is the limit, marked inexact, and the page is
    the one an exact count gives (newest first, since more match than are ranked); SQLite's
    counts are exact whatever the limit."""
    build(database, 150)
    for words, facets in [(None, {"decision": "upheld"}), ("therapy", {}),
                          ("knee", {"decision": "upheld"}), ("polysomnography", {})]:  # fmt: skip
        query = CorpusQuery(text=words, limit=7, offset=3, **facets)  # type: ignore[arg-type]
        exact = search(database, query, rank_limit=5)
        capped = search(database, query, rank_limit=5, count_limit=5)
        assert exact.total_exact and exact.total > 5, (words, facets)
        assert capped.hits == exact.hits and capped.order == exact.order
        if database.is_sqlite:
            assert (capped.total, capped.total_exact) == (exact.total, True)
        else:
            assert (capped.total, capped.total_exact) == (5, False)
        roomy = search(database, query, rank_limit=5, count_limit=exact.total)
        assert (roomy.total, roomy.total_exact) == (exact.total, True)


@pytest.mark.parametrize(
    "module", ["0009_corpusterms_facet_terms", "0010_corpuspgterms_facet_lexemes"]
)
def test_the_migrations_write_the_terms_the_search_reads(module: str) -> None:
    """The store's migrations that wrote facet terms hold frozen copies of the terms."""
    import importlib

    from openimr.corpus import terms

    migration = importlib.import_module(f"openimr.store.migrations.versions.{module}")
    assert migration._TERM_FACETS == terms.TERM_FACETS
    for facet, value in [("topic", "mri_knee"), ("year", 2016), ("section", " Special Studies ")]:
        assert migration._term(facet, value) == terms.facet_term(facet, value)


_FACETED = [
    CorpusQuery(text="therapy", decision="upheld", limit=50),
    CorpusQuery(text="pain OR imaging", year=2017, family="MTUS-CPMTG", limit=50),
    CorpusQuery(text="medication", decision="overturned", offset=3, limit=5),
]


def test_a_corpus_stored_before_the_facet_lexemes_searches_the_same_after(
    database_url: str,
) -> None:
    """A corpus stored at revision 0009 and brought to the head finds, ranks and counts as one
    stored at the head; going back down leaves PostgreSQL's documents as they were."""
    from alembic import command

    from openimr.store.migrate import alembic_config, upgrade

    old = Database(database_url)
    try:
        upgrade(old)
        build(old, 40)
        with old.engine.begin() as connection:  # the corpus as revision 0009 holds it
            command.downgrade(alembic_config(connection), "0009_corpusterms")
        with old.engine.connect() as connection:
            before = connection.execute(
                text("SELECT item_id, document::text FROM corpus_search ORDER BY item_id")
            ).all() if not old.is_sqlite else []  # fmt: skip
        upgrade(old)
        migrated = [search(old, query, rank_limit=None) for query in _FACETED]
        assert all(page.total > 0 for page in migrated)
        for query, page in zip(_FACETED, migrated, strict=True):
            unfaceted = search(old, CorpusQuery(text=query.text, limit=500), rank_limit=None).hits
            kept = [h for h in unfaceted if _passes(h, query)]
            assert page.total == len(kept)
            wanted = kept[query.offset : query.offset + query.limit]
            assert [(h.key, h.position, h.score) for h in page.hits] == [
                (h.key, h.position, h.score) for h in wanted
            ]
        if not old.is_sqlite:
            with old.engine.begin() as connection:
                command.downgrade(alembic_config(connection), "0009_corpusterms")
            with old.engine.connect() as connection:
                after = connection.execute(
                    text("SELECT item_id, document::text FROM corpus_search ORDER BY item_id")
                ).all()
            assert after == before
    finally:
        old.dispose()


def _passes(hit, query: CorpusQuery) -> bool:  # type: ignore[no-untyped-def]
    return (
        (query.decision is None or hit.decision == query.decision)
        and (query.year is None or hit.year == query.year)
        and (query.family is None or hit.family == query.family)
    )


def test_a_facet_compared_without_case_finds_the_same_with_words(database: Database) -> None:
    build(database, 60)
    page = search(database, CorpusQuery(text="therapy", limit=100))
    sections = sorted({h.section for h in page.hits if h.section})
    assert sections
    for section in sections[:3]:
        exact = search(database, CorpusQuery(text="therapy", section=section, limit=100))
        shouted = search(database, CorpusQuery(text="therapy", section=section.upper(), limit=100))
        assert exact.total == shouted.total > 0
        assert [h.position for h in exact.hits] == [h.position for h in shouted.hits]
        assert all(h.section and h.section.lower() == section.lower() for h in exact.hits)
