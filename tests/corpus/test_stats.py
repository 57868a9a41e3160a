"""Statistics: Wilson intervals against published values; rates and turnaround counted from
the generated letters, on SQLite and PostgreSQL."""

from __future__ import annotations

import statistics
from collections import Counter

import pytest
from sqlalchemy import text
from tests.corpus.support import build, reader, records

from openimr.corpus.ingest import count_key, ingest_records
from openimr.corpus.schemas import CorpusQuery, Facets
from openimr.corpus.stats import overturn_rates, turnaround, wilson
from openimr.store.corpus_models import COUNTED_FACETS, TURNAROUND_FACETS
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


def _kept(database: Database) -> Counter[tuple[object, ...]]:
    with database.engine.connect() as connection:
        rows = connection.execute(
            text(f"SELECT {', '.join(COUNTED_FACETS)}, items FROM corpus_counts")
        ).all()
    return Counter({tuple(row[:-1]): row[-1] for row in rows})


def _grouped(database: Database) -> Counter[tuple[object, ...]]:
    with database.engine.connect() as connection:
        rows = connection.execute(
            text(f"SELECT {', '.join(COUNTED_FACETS)} FROM corpus_facets")
        ).all()
    return Counter(count_key(row._mapping) for row in rows)


def _kept_turnarounds(database: Database) -> Counter[tuple[object, ...]]:
    with database.engine.connect() as connection:
        rows = connection.execute(
            text(f"SELECT {', '.join(TURNAROUND_FACETS)}, letters FROM corpus_turnarounds")
        ).all()
    return Counter({tuple(row[:-1]): row[-1] for row in rows})


def _letters_by_turnaround(database: Database) -> Counter[tuple[object, ...]]:
    """Each letter with items and a known turnaround, under its own facets."""
    with database.engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT l.decision_date, l.specialty, l.priority, l.layout, l.turnaround_days "
                "FROM corpus_letters l WHERE l.turnaround_days IS NOT NULL AND EXISTS "
                "(SELECT 1 FROM corpus_items i WHERE i.letter_id = l.id)"
            )
        ).all()
    return Counter(
        (int(str(day)[:4]) if day else 0, specialty or "", priority, layout, days)
        for day, specialty, priority, layout, days in rows
    )


def test_the_kept_counts_follow_the_items_through_corrections_and_migration(
    database_url: str,
) -> None:
    """The counts the statistics sum are the items' (and letters') own: after storing, after
    corrected readings replace letters (decisions flipped), and when the revision that
    introduced them counts a corpus stored before it."""
    from alembic import command

    from openimr.store.migrate import alembic_config, upgrade

    database = Database(database_url)
    try:
        upgrade(database)
        letters = build(database, 40)
        assert _kept(database) == _grouped(database)
        assert _kept_turnarounds(database) == _letters_by_turnaround(database)
        corrected = []
        for letter in letters[:12]:
            first = letter.items[0]
            flipped = "Overturned" if first.decision.value == "upheld" else "Upheld"
            changed = letter.text.replace(
                f"{first.request}: {first.decision.value.capitalize()}",
                f"{first.request}: {flipped}",
                1,
            )
            corrected.append(
                (
                    f"{letter.case_number}.txt",
                    reader().read_bytes(changed.encode(), letter.case_number),
                )
            )
        summary = ingest_records(database, corrected)
        assert summary.stored >= 6  # a layout may read the decision elsewhere: unchanged
        kept = _kept(database)
        assert kept == _grouped(database) and min(kept.values()) > 0
        turnarounds = _kept_turnarounds(database)
        assert turnarounds == _letters_by_turnaround(database)
        assert min(turnarounds.values()) > 0
        for by in ("topic", "decision", "year", "family", "specialty", "section", "ur_family"):
            rows = {r.key: (r.items, r.overturned) for r in overturn_rates(database, by)}
            direct: dict[str, list[int]] = {}
            for key, items in kept.items():
                value = dict(zip(COUNTED_FACETS, key, strict=True))[by]
                slot = direct.setdefault(str(value) if value not in ("", 0) else "unknown", [0, 0])
                slot[0] += items
                slot[1] += items if key[COUNTED_FACETS.index("decision")] == "overturned" else 0
            assert rows == {key: tuple(value) for key, value in direct.items()}
        with database.engine.begin() as connection:
            command.downgrade(alembic_config(connection), "0010_corpuspgterms")
        upgrade(database)
        assert _kept(database) == kept
        assert _kept_turnarounds(database) == turnarounds
    finally:
        database.dispose()
