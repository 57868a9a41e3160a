"""Statistics: Wilson intervals against published values; rates and turnaround counted from
the generated letters, on SQLite and PostgreSQL."""

from __future__ import annotations

import statistics
from collections import Counter

import pytest
from tests.corpus.support import build, records

from openimr.corpus.schemas import CorpusQuery, Facets
from openimr.corpus.stats import overturn_rates, turnaround, wilson
from openimr.store.db import Database


@pytest.mark.parametrize(
    ("successes", "trials", "low", "high"),
    [
        # Newcombe (1998), Statistics in Medicine 17:857-872, table I, method 3 (Wilson).
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_matches_published_intervals(successes, trials, low, high) -> None:  # type: ignore[no-untyped-def]
    computed = wilson(successes, trials)
    assert computed == pytest.approx((low, high), abs=5e-5)


def test_wilson_edges() -> None:
    assert wilson(0, 0) == (0.0, 0.0)
    low, high = wilson(10, 10)
    assert high == pytest.approx(1.0) and 0.69 < low < 0.73


def test_overturn_rates_count_items(database: Database) -> None:
    letters = build(database, 90)
    rows = overturn_rates(database, "family")
    items = Counter(i.family.value for letter in letters for i in letter.items)
    over = Counter(
        i.family.value
        for letter in letters
        for i in letter.items
        if i.decision.value == "overturned"
    )
    assert {r.key: (r.items, r.overturned) for r in rows} == {
        key: (count, over[key]) for key, count in items.items()
    }
    for row in rows:
        assert row.low <= row.rate <= row.high
        assert row.rate == pytest.approx(row.overturned / row.items, abs=1e-6)
    assert [r.items for r in rows] == sorted((r.items for r in rows), reverse=True)
    years = overturn_rates(database, "year")
    assert [r.key for r in years] == sorted(r.key for r in years)
    assert sum(r.items for r in years) == sum(items.values())


def test_rates_narrowed_by_facets_and_words(database: Database) -> None:
    letters = build(database, 60)
    only_2017 = overturn_rates(database, "decision", Facets(year=2017))
    expected = Counter(
        i.decision.value
        for letter in letters
        if letter.decision_date.year == 2017
        for i in letter.items
    )
    assert {r.key: r.items for r in only_2017} == dict(expected)
    worded = overturn_rates(database, "topic", CorpusQuery(text="acupuncture"))
    assert worded and sum(r.items for r in worded) >= sum(
        1 for letter in letters for i in letter.items if "acupuncture" in i.request.lower()
    )


def test_turnaround_by_year(database: Database) -> None:
    letters = build(database, 60)
    rows = turnaround(database, "year")
    # professional-review letters print no date of application; every other layout does
    timed = [letter for letter in letters if letter.layout != "professional-review"]
    assert {r.key for r in rows} == {str(letter.decision_date.year) for letter in timed}
    assert sum(r.letters for r in rows) == len(timed)
    for row in rows:
        assert 18 <= row.median_days <= row.p90_days <= 50  # the generator's span
        assert 18 <= row.mean_days <= 50


@pytest.mark.parametrize("by", ["priority", "layout", "year", "specialty"])
def test_turnaround_counts_a_letter_once_whatever_matches(database: Database, by: str) -> None:
    """Narrowed by an item's facet, a letter with several matching items counts once; figures
    as computed from the letters as read."""
    build(database, 60)
    letters = [record.letter for _source, record in records(60)]
    items = [record.items for _source, record in records(60)]
    for facets in (Facets(), Facets(decision="upheld"), Facets(year=2016)):
        chosen: dict[str, list[int]] = {}
        for letter, its in zip(letters, items, strict=True):
            if letter["turnaround_days"] is None:
                continue
            if facets.decision and not any(i["decision"] == facets.decision for i in its):
                continue
            if facets.year and its[0]["year"] != facets.year:
                continue
            key = str(its[0][by] if by in ("year", "specialty") else letter[by])
            chosen.setdefault(key, []).append(letter["turnaround_days"])
        rows = turnaround(database, by, facets)
        assert {r.key: r.letters for r in rows} == {k: len(v) for k, v in chosen.items()}
        assert {r.key: r.median_days for r in rows} == {
            k: float(statistics.median(v)) for k, v in chosen.items()
        }
