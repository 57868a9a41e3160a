"""``openimr corpus ingest | search | stats``: published decisions as a searchable corpus.

Scripts rely on the shapes: ``ingest`` ends with one line on stdout, ``N stored, N unchanged,
N failed`` (each failed file on its own line on stderr first; exit 1 if any failed, 130 when
interrupted, after the line); ``search --format json`` prints one JSON object per decision;
``stats --format json`` one object per row. Bad input is one line on stderr and exit 2.
Heavy modules are imported inside the commands.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from openimr.cli.output import write_output
from openimr.cli.service_cmds import DatabaseOption
from openimr.errors import InputError

if TYPE_CHECKING:
    from pydantic import BaseModel

    from openimr.corpus.schemas import CorpusQuery, DecisionPage, IngestOutcome
    from openimr.store.db import Database

__all__ = ["register"]


class SearchFormat(StrEnum):
    table = "table"
    json = "json"


class StatsFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    parquet = "parquet"


Topic = Annotated[str | None, typer.Option("--topic", help="Topic id (openimr guidelines list).")]
Region = Annotated[str | None, typer.Option("--region", help="Body region, e.g. lumbar.")]
DecisionOpt = Annotated[str | None, typer.Option("--decision", help="upheld or overturned.")]
Year = Annotated[str | None, typer.Option("--year", help="Year of the decision.")]
Family = Annotated[str | None, typer.Option("--family", help="Guideline family, e.g. ODG.")]
Section = Annotated[str | None, typer.Option("--section", help="Guideline section relied on.")]
Specialty = Annotated[str | None, typer.Option("--specialty", help="Reviewer's specialty.")]
UrFamily = Annotated[
    str | None, typer.Option("--ur-family", help="Family of the UR's citation (none: no evidence).")
]


def _database(url: str | None) -> Database:
    from openimr.store.db import Database
    from openimr.store.migrate import upgrade

    database = Database(url)
    upgrade(database)
    return database


@contextmanager
def _opened(url: str | None) -> Iterator[Database]:
    database = _database(url)
    try:
        yield database
    finally:
        database.dispose()


def _integer(value: str | None, option: str, low: int, high: int) -> int | None:
    if value is None:
        return None
    text = value.strip()
    if not text.isdigit() or not low <= int(text) <= high:
        raise InputError(f"expected a whole number from {low} to {high}", source=option)
    return int(text)


def _query(**values: Any) -> CorpusQuery:
    """The typed query, or an :class:`InputError` naming the option that is wrong."""
    from pydantic import ValidationError

    from openimr.corpus.schemas import CorpusQuery

    try:
        return CorpusQuery(**{k: v for k, v in values.items() if v is not None})
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first.get("loc", ("query",))[0])
        option = "QUERY" if field == "text" else "--" + field.replace("_", "-")
        raise InputError(first["msg"], source=option) from None


@contextmanager
def _options_named() -> Iterator[None]:
    """A facet the corpus refuses is named as the option that gave it (``--ur-family``)."""
    try:
        yield
    except InputError as exc:
        if exc.source in {"family", "ur_family"}:
            raise InputError(exc.detail, source="--" + exc.source.replace("_", "-")) from None
        raise


def _ingest_progress(total: int) -> Any:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    class LettersPerSecond(ProgressColumn):
        def render(self, task: Any) -> Text:
            speed = task.finished_speed or task.speed
            return Text("" if speed is None else f"{speed:,.0f} letters/s")

    console = Console(stderr=True)
    progress = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        LettersPerSecond(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )
    task = progress.add_task("ingesting", total=total)
    return progress, task


def ingest_command(
    paths: Annotated[list[str], typer.Argument(help="Letter files (PDF or text), folders, globs.")],
    database_url: DatabaseOption = None,
    workers: Annotated[
        str | None, typer.Option("--workers", help="Parsing processes (default: one per core).")
    ] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", help="A line on stderr for every file, once committed.")
    ] = False,
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Run as a Dask job on this scheduler (tcp://HOST:PORT)."),
    ] = None,
    distributed: Annotated[
        str | None,
        typer.Option("--distributed", help="Run as a Dask job on a local cluster of N workers."),
    ] = None,
    batch: Annotated[
        str | None,
        typer.Option("--batch", help="Letters per Dask task (default: from files and workers)."),
    ] = None,
) -> None:
    """Store published letters in the corpus (idempotent; a re-run resumes)."""
    from openimr.corpus.distributed import discover_sources, local_paths
    from openimr.corpus.ingest import ingest

    count = _integer(workers, "--workers", 1, 256)
    cluster = _integer(distributed, "--distributed", 1, 256)
    per_task = _integer(batch, "--batch", 1, 100_000)
    if scheduler is not None and cluster is not None:
        raise InputError("give --scheduler or --distributed, not both", source="--distributed")
    job = scheduler is not None or cluster is not None
    if job and count is not None:
        raise InputError("parsing processes are the cluster's workers in a job", source="--workers")
    if not job and per_task is not None:
        raise InputError("only with --scheduler or --distributed", source="--batch")
    if scheduler is not None:
        from openimr.corpus.distributed import scheduler_address

        scheduler = scheduler_address(scheduler)
    sources = discover_sources(paths) if job else None
    local = local_paths(paths) if sources is None else []
    progress, task = _ingest_progress(len(local) if sources is None else len(sources))

    def heard(outcome: IngestOutcome) -> None:
        progress.advance(task)
        if outcome.status == "failed":
            progress.console.print(
                f"{outcome.source}: {outcome.reason}", markup=False, highlight=False, soft_wrap=True
            )
        elif verbose:
            progress.console.print(
                f"{outcome.status} {outcome.key or '-'} {outcome.source}",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
        if verbose or outcome.status == "failed":
            sys.stderr.flush()

    from openimr.corpus.schemas import IngestSummary

    summary = IngestSummary()
    with _opened(database_url) as database:
        on_outcome = _counting(summary, heard)
        try:
            if sources is None:
                with progress:
                    summary = ingest(database, local, workers=count, on_outcome=on_outcome)
            else:
                _ingest_job(database, sources, scheduler, cluster, per_task, progress, on_outcome)
        except KeyboardInterrupt:
            summary.interrupted = True
    sys.stdout.write(summary.line() + ("  (interrupted)" if summary.interrupted else "") + "\n")
    sys.stdout.flush()
    if summary.interrupted:
        raise typer.Exit(130)
    if summary.failed:
        raise typer.Exit(1)


def _ingest_job(
    database: Database,
    sources: list[str],
    scheduler: str | None,
    workers: int | None,
    batch: int | None,
    progress: Any,
    on_outcome: Any,
) -> None:
    """The ingest as a Dask job, on the scheduler named or on a local cluster started here."""
    from openimr.corpus.distributed import (
        connected,
        database_url_for_workers,
        ingest_distributed,
        local_cluster,
    )

    url = database_url_for_workers(database)
    cluster = connected(scheduler) if scheduler is not None else local_cluster(workers or 1)
    with cluster as client, progress:
        ingest_distributed(client, url, sources, batch=batch, on_outcome=on_outcome)


def _counting(summary: Any, heard: Any) -> Any:
    """Count outcomes here too, so an interrupted run still prints what it committed."""

    def on_outcome(outcome: IngestOutcome) -> None:
        if outcome.status == "stored":
            summary.stored += 1
        elif outcome.status == "unchanged":
            summary.unchanged += 1
        else:
            summary.failed += 1
        heard(outcome)

    return on_outcome


def search_command(
    query: Annotated[
        str | None,
        typer.Argument(
            help="Words to search for (ranked when at most 10,000 decisions match; "
            "more are listed newest first)."
        ),
    ] = None,
    topic: Topic = None,
    region: Region = None,
    decision: DecisionOpt = None,
    year: Year = None,
    family: Family = None,
    section: Section = None,
    specialty: Specialty = None,
    ur_family: UrFamily = None,
    limit: Annotated[str | None, typer.Option("--limit", help="Results per page (20).")] = None,
    offset: Annotated[str | None, typer.Option("--offset", help="Results skipped (0).")] = None,
    fmt: Annotated[SearchFormat, typer.Option("--format")] = SearchFormat.table,
    database_url: DatabaseOption = None,
) -> None:
    """Find published decisions by words and facets; best match first (newest first without
    words, or when too many match to rank: the output says which)."""
    from openimr.corpus.search import search

    typed = _query(
        text=query,
        topic=topic,
        region=region,
        decision=decision,
        year=_integer(year, "--year", 0, 9999),
        family=family,
        section=section,
        specialty=specialty,
        ur_family=ur_family,
        limit=_integer(limit, "--limit", 0, 10**9),
        offset=_integer(offset, "--offset", 0, 2**31 - 1),
    )
    with _opened(database_url) as database, _options_named():
        page = search(database, typed)
    if fmt is SearchFormat.json:
        if typed.text and page.order == "newest":  # the lines stay decisions; the note aside
            sys.stderr.write(f"{_unranked(page)}\n")
        write_output(None, "".join(hit.model_dump_json() + "\n" for hit in page.hits))
        return
    _table(
        f"{_how_many(page)} decisions; {page.offset + 1 if page.hits else 0}"
        f"-{page.offset + len(page.hits)} shown, "
        + (_unranked(page) if typed.text and page.order == "newest" else _ORDERS[page.order]),
        ["case", "date", "decision", "topic", "region", "family", "request"],
        [
            [
                h.case_number or "",
                h.decision_date.isoformat() if h.decision_date else "",
                h.decision,
                h.topic,
                h.region or "",
                h.family,
                h.request,
            ]
            for h in page.hits
        ],
    )


#: How the table's title names a page's order.
_ORDERS = {
    "relevance": "best match first",
    "newest": "newest first",
}


def _how_many(page: DecisionPage) -> str:
    """The page's total, said as a lower bound when the count stopped there."""
    return f"{page.total:,}" if page.total_exact else f"more than {page.total:,}"


def _unranked(page: DecisionPage) -> str:
    """Why a search with words is not in order of relevance."""
    from openimr.corpus.schemas import RANK_LIMIT

    return (
        f"newest first: {_how_many(page)} match, more than the {RANK_LIMIT:,} ranked by relevance"
    )


def stats_command(
    by: Annotated[
        str,
        typer.Option(
            "--by", help="topic, region, decision, year, family, section, specialty or ur_family."
        ),
    ] = "topic",
    turnaround: Annotated[
        bool,
        typer.Option(
            "--turnaround",
            help="Days from application to decision instead of rates "
            "(--by year, specialty, priority or layout).",
        ),
    ] = False,
    query: Annotated[
        str | None, typer.Option("--query", help="Count only items matching these words.")
    ] = None,
    topic: Topic = None,
    region: Region = None,
    decision: DecisionOpt = None,
    year: Year = None,
    family: Family = None,
    section: Section = None,
    specialty: Specialty = None,
    ur_family: UrFamily = None,
    fmt: Annotated[StatsFormat, typer.Option("--format")] = StatsFormat.table,
    out: Annotated[Path | None, typer.Option("--out", help="Write the rows here.")] = None,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Also draw a chart (.png/.svg).")
    ] = None,
    database_url: DatabaseOption = None,
) -> None:
    """Overturn rates (items, Wilson 95 % interval) or turnaround, by one facet."""
    from openimr.corpus.schemas import STATS_KEYS, TURNAROUND_KEYS, StatsRow, TurnaroundRow
    from openimr.corpus.stats import overturn_rates
    from openimr.corpus.stats import turnaround as turnaround_rows

    keys = TURNAROUND_KEYS if turnaround else STATS_KEYS
    if by not in keys:
        raise InputError(f"expected one of {', '.join(keys)}", source="--by")
    if fmt is StatsFormat.parquet and out is None:
        raise InputError("parquet is written to a file: give --out FILE", source="--format")
    if plot is not None:
        from openimr.corpus.plot import check_plot_path

        check_plot_path(plot)
    typed = _query(
        text=query,
        topic=topic,
        region=region,
        decision=decision,
        year=_integer(year, "--year", 0, 9999),
        family=family,
        section=section,
        specialty=specialty,
        ur_family=ur_family,
    )
    with _opened(database_url) as database, _options_named():
        rows: Sequence[BaseModel] = (
            turnaround_rows(database, by, typed)  # type: ignore[arg-type]
            if turnaround
            else overturn_rates(database, by, typed)  # type: ignore[arg-type]
        )
    if plot is not None:
        from openimr.corpus.plot import plot_rates, plot_turnaround

        if turnaround:
            plot_turnaround(list(rows), by, plot)  # type: ignore[arg-type]
        else:
            plot_rates(list(rows), by, plot)  # type: ignore[arg-type]
    fields = list((TurnaroundRow if turnaround else StatsRow).model_fields)
    _write_rows(rows, fields, fmt, out, by)


def _write_rows(
    rows: Sequence[BaseModel], fields: list[str], fmt: StatsFormat, out: Path | None, by: str
) -> None:
    records = [row.model_dump(mode="json") for row in rows]
    if fmt is StatsFormat.json:
        write_output(out, "".join(json.dumps(r) + "\n" for r in records))
    elif fmt is StatsFormat.csv:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(records)
        write_output(out, buffer.getvalue())
    elif fmt is StatsFormat.parquet:
        write_output(out, _parquet(records, fields))
    else:
        _table(f"by {by}", fields, [[_cell(r[f]) for f in fields] for r in records], out=out)


def _parquet(records: list[dict[str, Any]], fields: list[str]) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({name: [r[name] for r in records] for name in fields})
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def _cell(value: Any) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def _table(title: str, header: list[str], rows: list[list[str]], out: Path | None = None) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for name in header:
        table.add_column(name, overflow="fold")
    for row in rows:
        table.add_row(*row)
    buffer = io.StringIO()
    Console(file=buffer, width=160, color_system=None).print(table)
    write_output(out, buffer.getvalue())


def register(app: typer.Typer) -> None:
    """Add ``corpus`` (``ingest``, ``search``, ``stats``) to the ``openimr`` CLI."""
    corpus_app = typer.Typer(
        help="Published IMR decisions: ingest, search, statistics.", no_args_is_help=True
    )
    app.add_typer(corpus_app, name="corpus")
    corpus_app.command("ingest")(ingest_command)
    corpus_app.command("search")(search_command)
    corpus_app.command("stats")(stats_command)
