"""The precedent corpus for the API and the workbench: search, a letter, statistics, charts and
the decisions most like a case's item, read on the workflow's database.

Published decisions are de-identified public data, so any signed-in role may read them
(``corpus.read``); reading them is not audited, as reading a case is, because nothing in them
is about a case of this service. The searching and counting are :mod:`openimr.corpus`'s; this
module checks the permission, builds the typed query from what a person typed (a bad value is
an :class:`InputError` naming its field, the words being ``q``) and draws the charts.
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from openimr.corpus.letter import decision_letter
from openimr.corpus.plot import plot_rates, plot_turnaround
from openimr.corpus.schemas import (
    STATS_KEYS,
    TURNAROUND_KEYS,
    CorpusQuery,
    DecisionHit,
    DecisionLetter,
    DecisionPage,
    StatsKey,
    StatsRow,
    TurnaroundKey,
    TurnaroundRow,
)
from openimr.corpus.search import search as corpus_search
from openimr.corpus.search import similar as corpus_similar
from openimr.corpus.stats import overturn_rates, turnaround
from openimr.errors import InputError, NotFound
from openimr.workflow.schemas import Actor
from openimr.workflow.service.unit import Core

#: What a person calls the query's words (the API's and the search form's parameter).
WORDS = "q"
#: Similar decisions shown for one item at most.
MAX_SIMILAR = 20
ChartKind = Literal["rates", "turnaround"]
ChartFormat = Literal["svg", "png"]
#: matplotlib's rc settings are process-wide: one chart is drawn at a time.
_DRAWING = threading.Lock()


def _allow(core: Core, actor: Actor) -> None:
    with core.unit(actor, write=False) as unit:
        unit.allow("corpus.read")


def _named(exc: InputError) -> InputError:
    """The corpus's refusal, naming the field as the caller calls it."""
    field = {"query": WORDS}.get(exc.source or "", exc.source)
    return InputError(exc.detail, location=field or exc.location)


def corpus_query(**values: Any) -> CorpusQuery:
    """A search from typed values (``q`` the words; ``None`` or blank means not given)."""
    given = {
        ("text" if name == WORDS else name): value.strip() if isinstance(value, str) else value
        for name, value in values.items()
    }
    given = {name: value for name, value in given.items() if value is not None and value != ""}
    for name, value in given.items():
        _no_nul(value, WORDS if name == "text" else name)
    try:
        return CorpusQuery(**given)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        name = str(first["loc"][0]) if first.get("loc") else None
        message = str(first.get("msg", "invalid value"))
        if first.get("type") == "extra_forbidden":
            message = "unknown parameter"
        raise InputError(message, location=WORDS if name == "text" else name) from None


def _no_nul(value: object, field: str) -> None:
    """PostgreSQL refuses a NUL in any text, so it is refused here, by name, on every backend."""
    if isinstance(value, str) and "\x00" in value:
        raise InputError("contains a NUL character", location=field)


def search(core: Core, actor: Actor, query: CorpusQuery) -> DecisionPage:
    """One page of published decisions, best match first (newest first without words)."""
    _allow(core, actor)
    try:
        return corpus_search(core.db, query)
    except InputError as exc:
        raise _named(exc) from None


def letter(core: Core, actor: Actor, key: str) -> DecisionLetter:
    """The published letter stored under ``key`` (a case number or ``sha256:...``)."""
    _allow(core, actor)
    found = decision_letter(core.db, key) if len(key) <= 80 else None
    if found is None:
        raise NotFound(f"no published decision {key[:80]}")
    return found


def _key(by: str, keys: Sequence[str]) -> None:
    if by not in keys:
        raise InputError(f"count by one of {', '.join(keys)}", location="by")


def rates(core: Core, actor: Actor, by: str, query: CorpusQuery) -> list[StatsRow]:
    """Items and overturned items under each value of ``by``, with Wilson 95 % intervals."""
    _key(by, STATS_KEYS)
    _allow(core, actor)
    key: StatsKey = by  # type: ignore[assignment]
    try:
        return overturn_rates(core.db, key, query)
    except InputError as exc:
        raise _named(exc) from None


def turnaround_rows(core: Core, actor: Actor, by: str, query: CorpusQuery) -> list[TurnaroundRow]:
    """Days from the application received to the decision, by a letter's ``by``."""
    _key(by, TURNAROUND_KEYS)
    _allow(core, actor)
    key: TurnaroundKey = by  # type: ignore[assignment]
    try:
        return turnaround(core.db, key, query)
    except InputError as exc:
        raise _named(exc) from None


def chart(
    core: Core,
    actor: Actor,
    kind: ChartKind,
    by: str,
    query: CorpusQuery,
    fmt: ChartFormat = "svg",
) -> bytes:
    """The chart of the command line's ``--plot`` for the same rows, as SVG or PNG bytes."""
    if fmt not in ("svg", "png"):
        raise InputError("a chart is svg or png", location="format")
    with tempfile.TemporaryDirectory(prefix="openimr-chart-") as folder:
        path = Path(folder) / f"chart.{fmt}"
        if kind == "turnaround":
            days = turnaround_rows(core, actor, by, query)
            with _DRAWING:
                plot_turnaround(days, by, path)
        else:
            counted = rates(core, actor, by, query)
            with _DRAWING:
                plot_rates(counted, by, path)
        return path.read_bytes()


def similar(
    core: Core,
    actor: Actor,
    topic: str,
    region: str | None,
    facts: str,
    limit: int = 5,
) -> list[DecisionHit]:
    """Published decisions on ``topic`` (``region`` first), nearest to ``facts`` in words."""
    if not topic.strip() or len(topic) > 80:
        raise InputError("a topic is required (at most 80 characters)", location="topic")
    if region is not None and len(region) > 40:
        raise InputError("at most 40 characters", location="region")
    _no_nul(topic, "topic")
    _no_nul(region, "region")
    if not 1 <= limit <= MAX_SIMILAR:
        raise InputError(f"between 1 and {MAX_SIMILAR}", location="limit")
    _allow(core, actor)
    facts = facts[:100_000].replace("\x00", " ")
    return corpus_similar(core.db, topic.strip().lower(), region, facts, limit)
