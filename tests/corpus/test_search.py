"""Search: ranked full text with facets and stable pages, on SQLite and PostgreSQL; any words
a person types give results or one clear refusal, never a database error."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from tests.corpus.support import build

from openimr.corpus.schemas import CorpusQuery
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
