"""Ingest published letters into the corpus: idempotent, resumable, parallel, never half-stored.

Files are hashed first; a file whose SHA-256 is already in ``corpus_sources`` is unchanged and
not even parsed, which is what makes a re-run (after a crash, a kill or Ctrl-C) resume where
it stopped and a second run over the same files write nothing. New files are parsed in a pool
of worker processes (one per core by default) and written by one writer, this process, in
batches: each batch is one transaction holding whole letters, so a letter is stored entirely or
not at all, and a letter is reported as stored only after its transaction committed. A letter
is keyed by its IMR case number: the same case read again from another file (the PDF and the
text of one letter) is unchanged when it reads the same, and replaces the stored letter when it
reads differently (a corrected letter; files are taken in sorted order, so the last one wins).
A batch the database refuses is written again letter by letter, so one bad letter fails alone.
"""

from __future__ import annotations

import glob
import multiprocessing
import os
import signal
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, date, datetime
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Table, delete, func, insert, select, text, update
from sqlalchemy.exc import SQLAlchemyError

from openimr.corpus.read import LetterReader, LetterRecord, file_sha256
from openimr.corpus.schemas import IngestOutcome, IngestSummary
from openimr.corpus.search import reading
from openimr.corpus.terms import TERM_FACETS, facet_terms
from openimr.errors import InputError, LetterError, StoreError
from openimr.store.corpus_models import (
    COUNTED_FACETS,
    TURNAROUND_FACETS,
    UNKNOWN_YEAR,
    CorpusFacet,
    CorpusItem,
    CorpusLetter,
    CorpusSource,
)
from openimr.store.db import Database

#: File name endings read from a folder (a file named on the command line is read whatever
#: its name).
LETTER_SUFFIXES = (".pdf", ".txt", ".text")
#: Letters per writing transaction, and the longest a batch waits before it is committed.
BATCH_LETTERS = 200
BATCH_SECONDS = 0.5
#: Files hashed and looked up at a time.
_CHUNK = 2000

_LETTERS = CorpusLetter.__table__
_ITEMS = CorpusItem.__table__
_SOURCES = CorpusSource.__table__
_FACETS = CorpusFacet.__table__
#: The columns of ``corpus_facets`` copied from the item's row and from its letter's.
_LETTER_FACETS = ("priority", "layout", "turnaround_days")
_ITEM_FACETS = tuple(
    c.name for c in _FACETS.columns if c.name != "item_id" and c.name not in _LETTER_FACETS
)

Outcome = Callable[[IngestOutcome], None]

# The reader of this process (a worker's is made once, or inherited from the parent on fork).
_reader: LetterReader | None = None


def _process_reader() -> LetterReader:
    global _reader
    if _reader is None:
        _reader = LetterReader()
    return _reader


def discover(arguments: Sequence[str]) -> list[Path]:
    """The files named: files as given, folders searched for letters, globs expanded.

    Sorted and without repeats, so the order (and which of two versions wins) is the same on
    every run. An argument that names nothing is an :class:`InputError` naming it.
    """
    found: dict[str, Path] = {}
    for argument in arguments:
        path = Path(argument).expanduser()
        if path.is_file():
            candidates = [path]
        elif path.is_dir():
            candidates = [
                p for p in path.rglob("*") if p.suffix.lower() in LETTER_SUFFIXES and p.is_file()
            ]
            if not candidates:
                raise InputError(
                    "no letter (.pdf, .txt or .text file) in the folder", source=argument
                )
        elif glob.has_magic(argument):
            candidates = []
            for match in glob.glob(os.path.expanduser(argument), recursive=True):
                each = Path(match)
                if each.is_file():
                    candidates.append(each)
                elif each.is_dir():
                    candidates += [
                        p
                        for p in each.rglob("*")
                        if p.suffix.lower() in LETTER_SUFFIXES and p.is_file()
                    ]
            if not candidates:
                raise InputError("no file matches", source=argument)
        else:
            raise InputError("no such file or folder", source=argument)
        for candidate in candidates:
            found.setdefault(str(candidate.resolve()), candidate)
    return [found[key] for key in sorted(found)]


def _read_one(path: str) -> tuple[str, LetterRecord | None, str | None]:
    """Worker: one file read into a record, or the reason it cannot be."""
    try:
        return path, _process_reader().read_path(Path(path)), None
    except LetterError as exc:
        return path, None, exc.detail
    except Exception as exc:  # a bug in reading one letter must not stop the batch
        return path, None, f"internal error while reading ({type(exc).__name__})"


class _Writer:
    """The one writer: batches of whole letters, each batch one transaction.

    A batch is written with a handful of statements whatever its size (existing letters and
    files looked up together, new letters, items, index documents and files inserted
    together), since per-letter statements cost more than parsing the letters.
    """

    def __init__(self, database: Database, summary: IngestSummary, on_outcome: Outcome) -> None:
        self.database = database
        self.summary = summary
        self.on_outcome = on_outcome
        self.pending: list[tuple[str, LetterRecord]] = []
        self.pending_keys: set[str] = set()
        self.started = time.monotonic()
        self.sqlite = database.is_sqlite

    def add(self, source: str, record: LetterRecord) -> None:
        if record.key in self.pending_keys:  # the same case twice: the first is written first
            self.flush()
        if not self.pending:
            self.started = time.monotonic()
        self.pending.append((source, record))
        self.pending_keys.add(record.key)
        if len(self.pending) >= BATCH_LETTERS or time.monotonic() - self.started >= BATCH_SECONDS:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        batch, self.pending, self.pending_keys = self.pending, [], set()
        try:
            with self.database.engine.begin() as connection:
                outcomes = self._write(connection, batch)
        except SQLAlchemyError:
            outcomes = [self._write_alone(source, record) for source, record in batch]
        for outcome in outcomes:
            self.report(outcome)

    def _write_alone(self, source: str, record: LetterRecord) -> IngestOutcome:
        try:
            with self.database.engine.begin() as connection:
                return self._write(connection, [(source, record)])[0]
        except SQLAlchemyError as exc:
            return IngestOutcome(
                source=source,
                status="failed",
                key=record.key,
                reason=f"the database refused the letter ({type(exc).__name__})",
            )

    def report(self, outcome: IngestOutcome) -> None:
        self.summary.count(outcome)
        self.on_outcome(outcome)

    def _write(
        self, connection: Connection, batch: list[tuple[str, LetterRecord]]
    ) -> list[IngestOutcome]:
        """Write a batch of letters with distinct keys; one outcome per letter, in order."""
        existing = {
            row.key: (row.id, row.record_sha256)
            for part in _parts([record.key for _s, record in batch])
            for row in connection.execute(
                select(_LETTERS.c.key, _LETTERS.c.id, _LETTERS.c.record_sha256).where(
                    _LETTERS.c.key.in_(part)
                )
            )
        }
        sources = {
            row.sha256: row.letter_id
            for part in _parts([record.file_sha256 for _s, record in batch])
            for row in connection.execute(
                select(_SOURCES.c.sha256, _SOURCES.c.letter_id).where(_SOURCES.c.sha256.in_(part))
            )
        }
        now = datetime.now(UTC)
        outcomes: list[IngestOutcome] = []
        fresh: list[LetterRecord] = []
        tally = _Tally()  # what the batch adds to and takes from the kept counts
        letter_ids: dict[str, int] = {}
        for source, record in batch:
            found = existing.get(record.key)
            if found is not None and found[1] == record.letter["record_sha256"]:
                letter_ids[record.key] = found[0]
                outcomes.append(IngestOutcome(source=source, status="unchanged", key=record.key))
                continue
            if found is not None:  # a different reading of the same case: the newer replaces it
                letter_ids[record.key] = found[0]
                tally.add(self._forget_items(connection, found[0]), -1)
                connection.execute(
                    update(_LETTERS)
                    .where(_LETTERS.c.id == found[0])
                    .values({**record.letter, "ingested_at": now})
                )
            else:
                fresh.append(record)
            outcomes.append(IngestOutcome(source=source, status="stored", key=record.key))
        if fresh:
            letter_rows = [{**record.letter, "ingested_at": now} for record in fresh]
            if self.sqlite:
                ids = _insert_sqlite(connection, _LETTERS, letter_rows)
            else:
                ids = list(
                    connection.execute(
                        insert(_LETTERS).returning(_LETTERS.c.id, sort_by_parameter_order=True),
                        letter_rows,
                    ).scalars()
                )
            letter_ids.update(zip((r.key for r in fresh), ids, strict=True))
        rows: list[dict[str, object]] = []
        letters: list[dict[str, Any]] = []
        for outcome, (_source, record) in zip(outcomes, batch, strict=True):
            if outcome.status == "stored":
                for item in record.items:
                    rows.append({**item, "letter_id": letter_ids[record.key]})
                    letters.append(record.letter)
        if rows:
            if self.sqlite:
                ids = _insert_sqlite(connection, _ITEMS, rows)
            else:
                ids = list(
                    connection.execute(
                        insert(_ITEMS).returning(_ITEMS.c.id, sort_by_parameter_order=True), rows
                    ).scalars()
                )
            facets = [
                {"item_id": item_id, **{name: row[name] for name in _ITEM_FACETS},
                 **{name: letter[name] for name in _LETTER_FACETS}}
                for item_id, row, letter in zip(ids, rows, letters, strict=True)
            ]  # fmt: skip
            if self.sqlite:
                # Plain executemany: SQLAlchemy's per-row parameter handling cost as much as
                # SQLite's own work for these two narrow inserts.
                connection.exec_driver_sql(
                    _INSERT_SQLITE_ROWS,
                    [
                        (item_id, row["request"], row["rationale"], letter["summary"],
                         facet_terms(facet))
                        for item_id, row, letter, facet in zip(ids, rows, letters, facets,
                                                               strict=True)
                    ],
                )  # fmt: skip
                connection.exec_driver_sql(
                    _INSERT_FACETS_SQLITE, [tuple(map(_sqlite_value, f.values())) for f in facets]
                )
            else:
                documents = [
                    search_row(item_id, row["request"], row["rationale"], letter["summary"], facet)
                    for item_id, row, letter, facet in zip(ids, rows, letters, facets, strict=True)
                ]
                connection.execute(text(_INSERT_POSTGRES), documents)
                connection.execute(insert(_FACETS), facets)
            tally.add(facets, +1)
        new_sources: dict[str, int] = {}
        for _source, record in batch:
            letter_id = letter_ids[record.key]
            known = sources.get(record.file_sha256)
            if known is None:
                new_sources[record.file_sha256] = letter_id
            elif known != letter_id:
                connection.execute(
                    update(_SOURCES)
                    .where(_SOURCES.c.sha256 == record.file_sha256)
                    .values(letter_id=letter_id)
                )
        if new_sources:
            connection.execute(
                insert(_SOURCES),
                [{"sha256": sha, "letter_id": letter} for sha, letter in new_sources.items()],
            )
        tally.write(connection)  # last: the counts' rows are locked until the commit
        return outcomes

    def _forget_items(self, connection: Connection, letter_id: int) -> list[Mapping[str, Any]]:
        """Delete a letter's items from every table; their facets, as they were."""
        if self.sqlite:  # a contentless FTS5 row is deleted by giving back what it indexed
            old = connection.execute(
                select(
                    _ITEMS.c.id,
                    _ITEMS.c.request,
                    _ITEMS.c.rationale,
                    _LETTERS.c.summary,
                    *(_FACETS.c[name] for name in TERM_FACETS),
                )
                .join(_LETTERS, _LETTERS.c.id == _ITEMS.c.letter_id)
                .outerjoin(_FACETS, _FACETS.c.item_id == _ITEMS.c.id)
                .where(_ITEMS.c.letter_id == letter_id)
            ).all()
            if old:
                connection.execute(
                    text(_DELETE_SQLITE),
                    [search_row(r.id, r.request, r.rationale, r.summary, r._mapping) for r in old],
                )
        else:
            connection.execute(
                text(
                    "DELETE FROM corpus_search WHERE item_id IN "
                    "(SELECT id FROM corpus_items WHERE letter_id = :letter)"
                ),
                {"letter": letter_id},
            )
        of_letter = _FACETS.c.item_id.in_(
            select(_ITEMS.c.id).where(_ITEMS.c.letter_id == letter_id)
        )
        forgotten = connection.execute(select(_FACETS).where(of_letter)).mappings().all()
        connection.execute(delete(_FACETS).where(of_letter))
        connection.execute(delete(_ITEMS).where(_ITEMS.c.letter_id == letter_id))
        return list(forgotten)


def count_key(facets: Mapping[str, Any]) -> tuple[Any, ...]:
    """An item's key in ``corpus_counts``: its facets, '' (0 for the year) where unknown."""
    return tuple(_known(name, facets[name]) for name in COUNTED_FACETS)


def turnaround_key(facets: Mapping[str, Any]) -> tuple[Any, ...]:
    """A letter's key in ``corpus_turnarounds``, from its first item's facets."""
    return tuple(_known(name, facets[name]) for name in TURNAROUND_FACETS)


def _known(name: str, value: Any) -> Any:
    return (value or UNKNOWN_YEAR) if name == "year" else value if value is not None else ""


class _Tally:
    """What a batch changes in the kept counts: items under their facets (``corpus_counts``)
    and letters under their turnaround (``corpus_turnarounds``, a letter counted through its
    first item, as the statistics count it)."""

    def __init__(self) -> None:
        self.items: Counter[tuple[Any, ...]] = Counter()
        self.letters: Counter[tuple[Any, ...]] = Counter()

    def add(self, facets: Iterable[Mapping[str, Any]], sign: int) -> None:
        for row in facets:
            self.items[count_key(row)] += sign
            if row["position"] == 0 and row["turnaround_days"] is not None:
                self.letters[turnaround_key(row)] += sign

    def write(self, connection: Connection) -> None:
        """One statement a table for the whole batch, keys in sorted order: writers adding to
        the same keys wait for each other rather than deadlock. A key no longer counting
        anything is dropped."""
        for table, names, measure, tally in (
            ("corpus_counts", COUNTED_FACETS, "items", self.items),
            ("corpus_turnarounds", TURNAROUND_FACETS, "letters", self.letters),
        ):
            rows = [
                {**dict(zip(names, key, strict=True)), measure: number}
                for key, number in sorted(tally.items())
                if number
            ]
            if not rows:
                continue
            keys = ", ".join(names)
            connection.execute(
                text(
                    f"INSERT INTO {table} ({keys}, {measure}) "
                    f"VALUES ({', '.join(':' + name for name in (*names, measure))}) "
                    f"ON CONFLICT ({keys}) "
                    f"DO UPDATE SET {measure} = {table}.{measure} + excluded.{measure}"
                ),
                rows,
            )
            emptied = [row for row in rows if row[measure] < 0]
            if emptied:
                matches = " AND ".join(f"{name} = :{name}" for name in names)
                connection.execute(
                    text(f"DELETE FROM {table} WHERE {measure} <= 0 AND {matches}"), emptied
                )


#: ``_known`` in SQL, for the facets that may be unknown.
_SQL_KNOWN = {
    name: f"coalesce({name}, {UNKNOWN_YEAR})" if name == "year" else f"coalesce({name}, '')"
    for name in COUNTED_FACETS
}


def rebuild_counts(connection: Connection) -> None:
    """Count the stored corpus into ``corpus_counts`` and ``corpus_turnarounds`` afresh (after
    a bulk load that wrote the facets without the ingest, such as the benchmark's copies)."""
    for table, names, measure, where in (
        ("corpus_counts", COUNTED_FACETS, "items", "TRUE"),
        (
            "corpus_turnarounds",
            TURNAROUND_FACETS,
            "letters",
            "position = 0 AND turnaround_days IS NOT NULL",
        ),
    ):
        keys = ", ".join(_SQL_KNOWN.get(name, name) for name in names)
        connection.execute(text(f"DELETE FROM {table}"))
        connection.execute(
            text(
                f"INSERT INTO {table} ({', '.join(names)}, {measure}) "
                f"SELECT {keys}, count(*) FROM corpus_facets WHERE {where} GROUP BY {keys}"
            )
        )


def _insert_sqlite(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> list[int]:
    """Insert ``rows`` (dicts with the same keys) into ``table`` on SQLite; their new ids.

    One plain ``executemany`` with the ids given: an ``INSERT ... RETURNING`` in the order of
    the rows is one statement per row on SQLite, and its per-row parameter handling cost more
    than SQLite's own work. The transaction began with the write lock (``BEGIN IMMEDIATE``),
    so no other writer takes an id between the largest read here and the insert; the ids are
    the ones SQLite would have chosen (one more than the largest, in order). Each value goes
    through its column type's own conversion, so what is stored is what SQLAlchemy stores.
    """
    dialect = connection.dialect
    plain: list[str] = []
    converted: list[tuple[str, Callable[[Any], Any]]] = []
    for name in rows[0]:
        convert = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if convert is None:
            plain.append(name)
        else:
            converted.append((name, convert))
    names = [*plain, *(name for name, _convert in converted)]
    # itemgetter gives a tuple for two names or more, the value itself for one
    as_is = itemgetter(*plain) if len(plain) > 1 else (lambda row: tuple(row[n] for n in plain))
    largest = connection.execute(select(func.max(table.c.id))).scalar_one() or 0
    ids = list(range(largest + 1, largest + 1 + len(rows)))
    connection.exec_driver_sql(
        f"INSERT INTO {table.name} (id, {', '.join(names)}) "
        f"VALUES ({', '.join('?' * (1 + len(names)))})",
        [
            (item_id, *as_is(row), *[convert(row[name]) for name, convert in converted])
            for item_id, row in zip(ids, rows, strict=True)
        ],
    )
    return ids


def _sqlite_value(value: object) -> object:
    """A value as SQLAlchemy stores it in SQLite (a date as ``YYYY-MM-DD``)."""
    return value.isoformat() if isinstance(value, date) else value


def _parts(values: list[str], size: int = 500) -> Iterator[list[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


_INSERT_SQLITE_ROWS = (
    "INSERT INTO corpus_search (rowid, request, rationale, summary, facets) VALUES (?, ?, ?, ?, ?)"
)
_INSERT_FACETS_SQLITE = (
    f"INSERT INTO corpus_facets (item_id, {', '.join(_ITEM_FACETS + _LETTER_FACETS)}) "
    f"VALUES ({', '.join('?' * (1 + len(_ITEM_FACETS) + len(_LETTER_FACETS)))})"
)
_DELETE_SQLITE = (
    "INSERT INTO corpus_search (corpus_search, rowid, request, rationale, summary, facets) "
    "VALUES ('delete', :id, :request, :rationale, :summary, :facets)"
)


def search_row(
    item_id: int, request: str, rationale: str, summary: str, facets: Mapping[str, object]
) -> dict[str, object]:
    """The parameters of an item's full-text row (``_INSERT_POSTGRES``, ``_DELETE_SQLITE``):
    its id, the three texts it indexes and its facets' terms."""
    return {
        "id": item_id,
        "request": request,
        "rationale": rationale,
        "summary": summary,
        "facets": facet_terms(facets),
    }


# The request weighs most, then the rationale, then the letter's case summary; the facets'
# terms (D) are not ranked (see openimr.corpus.terms).
_INSERT_POSTGRES = (
    "INSERT INTO corpus_search (item_id, document) VALUES (:id, "
    "setweight(to_tsvector('english', :request), 'A') || "
    "setweight(to_tsvector('english', :rationale), 'B') || "
    "setweight(to_tsvector('english', :summary), 'C') || "
    "setweight(to_tsvector('simple', :facets), 'D'))"
)


def _known_sources(database: Database, hashes: list[str]) -> set[str]:
    known: set[str] = set()
    with reading(database) as connection:
        for start in range(0, len(hashes), 500):
            part = hashes[start : start + 500]
            known |= set(
                connection.execute(
                    select(_SOURCES.c.sha256).where(_SOURCES.c.sha256.in_(part))
                ).scalars()
            )
    return known


def _chunks(items: Sequence[Path], size: int) -> Iterator[Sequence[Path]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def default_workers() -> int:
    """One worker per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def ingest(
    database: Database,
    files: Sequence[Path],
    *,
    workers: int | None = None,
    on_outcome: Outcome | None = None,
) -> IngestSummary:
    """Store the letters in ``files`` (see :func:`discover`); returns the run's counts.

    ``workers`` parsing processes (default: one per core; 1 parses in this process).
    ``on_outcome`` hears of every file once, a stored one only after its commit. On
    ``KeyboardInterrupt`` the open batch is rolled back and the interrupt propagates; what was
    reported as stored stays stored.
    """
    summary = IngestSummary()
    report = on_outcome or (lambda _outcome: None)
    writer = _Writer(database, summary, report)
    count = workers or default_workers()
    reader = _process_reader()  # loaded before forking, so workers inherit it
    pool = _pool(count) if count > 1 else None
    try:
        for chunk in _chunks(files, _CHUNK):
            todo = _new_files(database, chunk, writer)
            results: Iterable[tuple[str, LetterRecord | None, str | None]]
            if pool is None:
                results = (_read_with(reader, path) for path in todo)
            else:
                results = pool.map(_read_one, todo, chunksize=8)
            for source, record, reason in results:
                if record is None:
                    writer.report(IngestOutcome(source=source, status="failed", reason=reason))
                else:
                    writer.add(source, record)
            writer.flush()
    except StoreError:
        raise
    except SQLAlchemyError as exc:
        raise StoreError(f"the corpus could not be written ({type(exc).__name__})") from None
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    return summary


def _read_with(reader: LetterReader, path: str) -> tuple[str, LetterRecord | None, str | None]:
    try:
        return path, reader.read_path(Path(path)), None
    except LetterError as exc:
        return path, None, exc.detail
    except Exception as exc:
        return path, None, f"internal error while reading ({type(exc).__name__})"


def _new_files(database: Database, chunk: Sequence[Path], writer: _Writer) -> list[str]:
    """The files of ``chunk`` not read before; the others are reported unchanged at once."""
    hashed: list[tuple[Path, str]] = []
    for path in chunk:
        try:
            hashed.append((path, file_sha256(path)))
        except LetterError as exc:
            writer.report(IngestOutcome(source=str(path), status="failed", reason=exc.detail))
    known = _known_sources(database, [sha for _path, sha in hashed])
    todo: list[str] = []
    for path, sha in hashed:
        if sha in known:
            writer.report(IngestOutcome(source=str(path), status="unchanged"))
        else:
            todo.append(str(path))
    return todo


def _pool(workers: int) -> ProcessPoolExecutor:
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    return ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_leave_interrupts_to_the_writer
    )


def _leave_interrupts_to_the_writer() -> None:
    """Workers ignore Ctrl-C: the writer rolls back its open batch and stops the pool, rather
    than every worker printing its own interruption."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def ingest_records(
    database: Database, records: Iterable[tuple[str, LetterRecord]]
) -> IngestSummary:
    """Store records already read (benchmarks and tests build corpora this way)."""
    summary = IngestSummary()
    writer = _Writer(database, summary, lambda _outcome: None)
    for source, record in records:
        writer.add(source, record)
    writer.flush()
    return summary
