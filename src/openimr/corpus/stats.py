"""Statistics of the corpus: overturn rates with Wilson intervals, and turnaround.

Rates count items (a letter deciding three requests counts three times), because the question
asked of the corpus is "how are requests like this decided". The interval is Wilson's score
interval at 95 %: unlike the normal approximation it stays inside [0, 1] and is honest for small
counts and rates near 0 or 1, which most topics have. It is five lines of arithmetic (checked
against published values in the tests), so no statistics library is pulled in for it.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from typing import Any

from sqlalchemy import and_, case, func, literal_column, select

from openimr.corpus.schemas import (
    CorpusQuery,
    Facets,
    StatsKey,
    StatsRow,
    TurnaroundKey,
    TurnaroundRow,
)
from openimr.corpus.search import facet_conditions, matching, reading
from openimr.store.corpus_models import (
    UNKNOWN_YEAR,
    CorpusCount,
    CorpusFacet,
    CorpusTurnaround,
)
from openimr.store.db import Database

#: The normal quantile of a two-sided 95 % interval.
Z95 = 1.959963984540054
#: The key under which rows without a value are counted.
UNKNOWN = "unknown"

_FACETS = CorpusFacet.__table__
_COUNTS = CorpusCount.__table__
_TURNAROUNDS = CorpusTurnaround.__table__
#: The facets that are an item's own (the others, year and specialty, are its letter's).
_ITEM_FACETS = ("topic", "region", "decision", "family", "section", "ur_family")


def wilson(successes: int, trials: int, z: float = Z95) -> tuple[float, float]:
    """Wilson's score interval for a proportion (0, 0 for no trials)."""
    if trials <= 0:
        return 0.0, 0.0
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def overturn_rates(
    database: Database, by: StatsKey, query: CorpusQuery | Facets | None = None
) -> list[StatsRow]:
    """Items and overturned items under each value of ``by``, most items first.

    ``query`` narrows what is counted (facets, and words when it is a :class:`CorpusQuery`).
    """
    query = query or Facets()
    words = getattr(query, "text", None)
    if not (words and words.strip()):
        # no words: the kept counts of each combination of facets, summed
        statement = (
            select(
                _COUNTS.c[by],
                func.sum(_COUNTS.c["items"]),
                func.sum(case((_COUNTS.c.decision == "overturned", _COUNTS.c["items"]), else_=0)),
            )
            .where(and_(True, *facet_conditions(query, _COUNTS)))
            .group_by(_COUNTS.c[by])
        )
    else:
        conditions = facet_conditions(query)
        column: Any = _FACETS.c[by]
        if database.is_sqlite and conditions:
            # Grouped as an expression (``+``) when facets narrow the count: SQLite otherwise
            # read the whole of the key's index for its order (each facet index carries the
            # others) rather than the narrowing facet's few rows.
            column = literal_column(f"+corpus_facets.{by}")
        overturned = func.sum(case((_FACETS.c.decision == "overturned", 1), else_=0))
        statement = (
            select(column, func.count(), overturned)
            .select_from(_source(database, query))
            .where(and_(True, *conditions))
            .group_by(column)
        )
    with reading(database) as connection:
        counted = connection.execute(statement).all()
    merged: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for key, items, over in counted:
        slot = merged[_label(key)]
        slot[0] += int(items)
        slot[1] += int(over or 0)
    rows = []
    for key, (items, over) in merged.items():
        low, high = wilson(over, items)
        rows.append(
            StatsRow(
                key=key,
                items=items,
                overturned=over,
                rate=round(over / items, 6) if items else 0.0,
                low=round(low, 6),
                high=round(high, 6),
            )
        )
    rows.sort(key=_order(by, lambda r: r.items))
    return rows


def turnaround(
    database: Database, by: TurnaroundKey, query: CorpusQuery | Facets | None = None
) -> list[TurnaroundRow]:
    """Days from application to decision by a letter's year, specialty, priority or layout.

    A letter counts once when any of its items matches the facets (and words). The database
    returns how many letters took each number of days under each key (a few hundred rows,
    not a row per letter); every key is the letter's, so each letter is in one group. Without
    words or an item's facet the kept counts (``corpus_turnarounds``) give those rows.
    """
    query = query or Facets()
    f = _FACETS.c
    words = getattr(query, "text", None)
    if (words and words.strip()) or any(getattr(query, name) for name in _ITEM_FACETS):
        # On SQLite the key is grouped as an expression (``+``): grouping by the column
        # itself made SQLite read every row through that column's index rather than the
        # table in order.
        key_column = literal_column(f"+corpus_facets.{by}") if database.is_sqlite else f[by]
        days = f.turnaround_days
        statement = (
            select(key_column, days, func.count(f.letter_id.distinct()))
            .select_from(_source(database, query))
            .where(and_(days.is_not(None), *facet_conditions(query)))
            .group_by(key_column, days)
        )
    else:  # the letter's own facets only: the kept counts of letters by turnaround
        t = _TURNAROUNDS.c
        statement = (
            select(t[by], t.turnaround_days, func.sum(t.letters))
            .where(and_(True, *facet_conditions(query, _TURNAROUNDS)))
            .group_by(t[by], t.turnaround_days)
        )
    groups: dict[str, list[int]] = defaultdict(list)
    with reading(database) as connection:
        for key, value, count in connection.execute(statement):
            groups[_label(key)] += [int(value)] * int(count)
    rows = []
    for key, values in groups.items():
        values.sort()
        rows.append(
            TurnaroundRow(
                key=key,
                letters=len(values),
                median_days=float(statistics.median(values)),
                mean_days=round(statistics.fmean(values), 3),
                p90_days=float(_percentile(values, 0.9)),
            )
        )
    rows.sort(key=_order(by, lambda r: r.letters))
    return rows


def _source(database: Database, query: CorpusQuery | Facets) -> Any:
    """The facets, joined to the items matching the query's words when it has words."""
    words = getattr(query, "text", None)
    if not (words and words.strip()):
        return _FACETS
    found, _score = matching(database, words, ranked=False, facets=query)
    return found.join(_FACETS, _FACETS.c.item_id == found.c.item_id)


def _label(key: object) -> str:
    """A row's key as shown: ``unknown`` for a value the store does not know."""
    return UNKNOWN if key is None or key in ("", UNKNOWN_YEAR) else str(key)


def _percentile(ordered: list[int], fraction: float) -> float:
    """The nearest-rank percentile of sorted values."""
    rank = max(1, math.ceil(fraction * len(ordered)))
    return float(ordered[rank - 1])


def _order(by: str, count: Any) -> Any:
    """Years in order (unknown last); other keys by count, most first, then by name."""
    if by == "year":
        return lambda r: (r.key == UNKNOWN, r.key)
    return lambda r: (-count(r), r.key)
