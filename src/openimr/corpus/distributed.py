"""The corpus ingest as a Dask job: past one machine, same rows, same guarantees.

The sorted file list is cut into batches. Each batch is one pair of Dask tasks on a worker:
a *read* task hashes its files, asks the database which hashes are already stored (those are
``unchanged`` and never parsed) and parses the rest with the local ingest's reader; a *write*
task stores the letters with the local ingest's writer (whole letters per transaction, keyed
by the file hash and the case number), on the worker that read them, so a letter's rows never
pass through the client. The client only learns each batch's case numbers: a case read from
files in two batches (the PDF and the text of one letter, a corrected letter) is written by
one task, in sorted file order, exactly as the local ingest would. Batches run in windows a few
per worker wide; the next window is read while one is written, and its writes start after the
window before has committed, so a later file of a case always wins.

Tasks never raise: a file that cannot be read or stored comes back as a failed outcome with its
reason, so no letter's content reaches a worker's log. The client reports outcomes in file
order and counts them into the same :class:`IngestSummary` as the local ingest.
"""

from __future__ import annotations

import glob
import math
import os
import re
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from openimr.corpus.ingest import (
    BATCH_LETTERS,
    LETTER_SUFFIXES,
    _known_sources,
    _process_reader,
    _Writer,
    discover,
)
from openimr.corpus.read import LetterRecord
from openimr.corpus.schemas import IngestOutcome, IngestSummary
from openimr.errors import ComponentUnavailable, InputError, LetterError
from openimr.letters.extract import MAX_LETTER_BYTES

if TYPE_CHECKING:
    from distributed import Client, Future

    from openimr.store.db import Database

Outcome = Callable[[IngestOutcome], None]

#: Batches in flight per worker in a window (enough to keep every worker busy while the
#: window before is written, few enough that parsed letters do not pile up in memory).
WINDOW_PER_WORKER = 2
#: Smallest batch chosen automatically (a task costs a few milliseconds to schedule).
MIN_BATCH = 10

_ADDRESS = re.compile(r"(tcp|tls|ucx|ws|wss)://[A-Za-z0-9._\-\[\]:]+:\d{1,5}")


def scheduler_address(text: str) -> str:
    """A Dask scheduler's address, ``tcp://HOST:PORT`` (or tls://...), or an InputError."""
    value = text.strip()
    if not _ADDRESS.fullmatch(value) or not 0 < int(value.rsplit(":", 1)[1]) < 65536:
        raise InputError(
            "expected a scheduler address such as tcp://HOST:8786", source="--scheduler"
        )
    return value


# --- what to read ---------------------------------------------------------------------------


def _is_url(argument: str) -> bool:
    return "://" in argument and not argument.startswith("file://")


def discover_sources(arguments: Sequence[str]) -> list[str]:
    """The files named, as the workers will open them, sorted and without repeats.

    Paths, folders and globs as :func:`~openimr.corpus.ingest.discover` reads them;
    ``file://`` URLs are local paths; any other URL (``s3://``, ``gs://``, ...) is listed with
    fsspec (its filesystem package must be installed where the client and the workers run).
    """
    local: list[str] = []
    remote: dict[str, str] = {}
    for argument in arguments:
        if argument.startswith("file://"):
            local.append(argument.removeprefix("file://") or "/")
        elif _is_url(argument):
            for url in _discover_url(argument):
                if url.startswith("file://"):  # fsspec's local filesystem: a path
                    path = Path(url.removeprefix("file://"))
                    remote.setdefault(str(path.resolve()), os.path.abspath(path))
                else:
                    remote.setdefault(url, url)
        else:
            local.append(argument)
    found: dict[str, str] = {}
    if local:
        for path in discover(local):  # absolute: a worker's working folder is its own
            found[str(path.resolve())] = os.path.abspath(path)
    found.update(remote)
    return [found[key] for key in sorted(found)]


def local_paths(arguments: Sequence[str]) -> list[Path]:
    """The files named, for the local ingest: ``file://`` URLs are paths; other URLs are
    refused (they are read by a cluster's workers)."""
    for argument in arguments:
        if _is_url(argument):
            raise InputError(
                "a URL is read by a Dask job: add --scheduler or --distributed", source=argument
            )
    return discover([a.removeprefix("file://") or "/" for a in arguments])


def _discover_url(argument: str) -> list[str]:
    import fsspec

    try:
        filesystem, path = fsspec.core.url_to_fs(argument)
    except (ImportError, ValueError) as exc:
        raise InputError(f"cannot open this location ({exc})", source=argument) from None

    def letters_under(folder: str) -> list[str]:
        return [
            p for p in filesystem.find(folder) if PurePosixPath(p).suffix.lower() in LETTER_SUFFIXES
        ]

    try:
        if glob.has_magic(path):
            paths: list[str] = []
            for match in filesystem.glob(path):
                paths += letters_under(match) if filesystem.isdir(match) else [match]
            if not paths:
                raise InputError("no file matches", source=argument)
        elif filesystem.isdir(path):
            paths = letters_under(path)
            if not paths:
                raise InputError(
                    "no letter (.pdf, .txt or .text file) in the folder", source=argument
                )
        elif filesystem.isfile(path):
            paths = [path]
        else:
            raise InputError("no such file or folder", source=argument)
    except OSError as exc:
        raise InputError(
            f"cannot list this location ({type(exc).__name__})", source=argument
        ) from None
    return [filesystem.unstrip_protocol(p) for p in paths]


# --- on the workers -------------------------------------------------------------------------

_lock = threading.Lock()
_databases: dict[str, Database] = {}


def _database(url: str) -> Database:
    """This worker's database (one engine per URL and process, kept between tasks)."""
    from openimr.store.db import Database

    with _lock:
        found = _databases.get(url)
        if found is None:
            found = _databases[url] = Database(url, pool_size=2)
        return found


def _reader() -> Any:
    with _lock:
        return _process_reader()


@dataclass(slots=True)
class _Entry:
    """One file of a batch after reading: a record to write, or its outcome already."""

    source: str
    record: LetterRecord | None = None
    outcome: IngestOutcome | None = None


def _bytes_of(source: str) -> bytes:
    """A file's bytes, refusing one over the size letters may have before reading it."""
    try:
        if _is_url(source):
            import fsspec

            with fsspec.open(source, "rb") as handle:
                data: bytes = handle.read(MAX_LETTER_BYTES + 1)
        else:
            with open(source, "rb") as handle:
                data = handle.read(MAX_LETTER_BYTES + 1)
    except OSError as exc:
        raise LetterError(
            f"cannot read the file ({getattr(exc, 'strerror', None) or type(exc).__name__})",
            source=source,
        ) from None
    if len(data) > MAX_LETTER_BYTES:
        raise LetterError(
            f"the file is larger than the {MAX_LETTER_BYTES} bytes (20 MiB) accepted",
            source=source,
        )
    return data


def _failed(source: str, reason: str) -> _Entry:
    return _Entry(source, outcome=IngestOutcome(source=source, status="failed", reason=reason))


#: Files up to this size are kept in memory between hashing and parsing; larger ones (scanned
#: PDFs) are read again, so a batch never holds more than this per file.
_KEEP_BYTES = 1 << 20


def read_batch(database_url: str, sources: list[str]) -> list[_Entry]:
    """Task: hash the batch's files, skip those stored before, parse the others."""
    import hashlib

    entries: list[_Entry | None] = [None] * len(sources)
    loaded: list[tuple[int, bytes | None, str]] = []
    for index, source in enumerate(sources):
        try:
            data = _bytes_of(source)
        except LetterError as exc:
            entries[index] = _failed(source, exc.detail)
            continue
        except Exception as exc:  # an object store's own errors
            entries[index] = _failed(source, f"cannot read the file ({type(exc).__name__})")
            continue
        kept = data if len(data) <= _KEEP_BYTES else None
        loaded.append((index, kept, hashlib.sha256(data).hexdigest()))
    try:
        known = _known_sources(_database(database_url), [sha for _i, _d, sha in loaded])
    except Exception as exc:  # the batch is reported, the job goes on
        reason = f"the database could not be read ({type(exc).__name__})"
        return [
            entry or _failed(source, reason) for entry, source in zip(entries, sources, strict=True)
        ]
    reader = _reader()
    for index, kept, sha in loaded:
        source = sources[index]
        if sha in known:
            entries[index] = _Entry(
                source, outcome=IngestOutcome(source=source, status="unchanged")
            )
            continue
        try:
            data = kept if kept is not None else _bytes_of(source)
            entries[index] = _Entry(source, record=reader.read_bytes(data, _name(source)))
        except LetterError as exc:
            entries[index] = _failed(source, exc.detail)
        except Exception as exc:  # a bug in reading one letter must not stop the batch
            entries[index] = _failed(source, f"internal error while reading ({type(exc).__name__})")
    return [entry for entry in entries if entry is not None]


def _name(source: str) -> str:
    return PurePosixPath(source).name if _is_url(source) else Path(source).name


def batch_keys(entries: list[_Entry]) -> list[str | None]:
    """Task: the case number of each record of a batch (what the client plans with)."""
    return [entry.record.key if entry.record is not None else None for entry in entries]


def write_batch(
    database_url: str, parts: list[tuple[list[_Entry], list[int]]]
) -> list[IngestOutcome]:
    """Task: write the chosen entries of one or more read batches, in file order, with the
    local ingest's writer; one outcome per entry, in that order."""
    chosen = [entries[i] for entries, positions in parts for i in positions]
    slots: dict[str, IngestOutcome] = {}
    try:
        writer = _Writer(
            _database(database_url), IngestSummary(), lambda o: slots.setdefault(o.source, o)
        )
        for entry in chosen:
            if entry.record is not None:
                writer.add(entry.source, entry.record)
        writer.flush()
    except Exception as exc:  # nothing reported was lost: reports follow commits
        reason = f"the batch could not be written ({type(exc).__name__})"
        for entry in chosen:
            if entry.record is not None and entry.source not in slots:
                slots[entry.source] = IngestOutcome(
                    source=entry.source, status="failed", key=entry.record.key, reason=reason
                )
    return [entry.outcome or slots[entry.source] for entry in chosen]


# --- the client -----------------------------------------------------------------------------


def batch_size(files: int, workers: int) -> int:
    """Letters per task: a few tasks per worker for a small run, at most a writer's batch."""
    return max(1, min(BATCH_LETTERS, max(MIN_BATCH, math.ceil(files / (4 * max(1, workers))))))


def _plan(keys: list[list[str | None]]) -> list[list[tuple[int, list[int]]]]:
    """For each batch of a window, what its write task writes: its own entries, but every
    record of a case that other batches also read goes to the last of them, in file order."""
    last: dict[str, int] = {}
    for batch, batch_keys_ in enumerate(keys):
        for key in batch_keys_:
            if key is not None:
                last[key] = batch
    plan: list[dict[int, list[int]]] = [{} for _ in keys]
    for batch, batch_keys_ in enumerate(keys):
        for position, key in enumerate(batch_keys_):
            owner = batch if key is None else last[key]
            plan[owner].setdefault(batch, []).append(position)
    return [sorted(parts.items()) for parts in plan]


class _Reporter:
    """Counts outcomes and hands them on in file order, as batches complete in any order."""

    def __init__(self, summary: IngestSummary, on_outcome: Outcome) -> None:
        self.summary = summary
        self.on_outcome = on_outcome
        self.done: dict[int, list[IngestOutcome]] = {}
        self.next = 0

    def complete(self, index: int, outcomes: list[IngestOutcome]) -> None:
        self.done[index] = outcomes
        while self.next in self.done:
            for outcome in self.done.pop(self.next):
                self.report(outcome)
            self.next += 1

    def drain(self) -> None:
        """Everything heard so far (an interrupted run reports what was committed)."""
        for index in sorted(self.done):
            for outcome in self.done.pop(index):
                self.report(outcome)

    def report(self, outcome: IngestOutcome) -> None:
        self.summary.count(outcome)
        self.on_outcome(outcome)


def _lost(sources: Sequence[str], exc: BaseException) -> list[IngestOutcome]:
    reason = f"the task was lost with its worker ({type(exc).__name__})"
    return [IngestOutcome(source=s, status="failed", reason=reason) for s in sources]


def ingest_distributed(
    client: Client,
    database_url: str,
    sources: Sequence[str],
    *,
    batch: int | None = None,
    on_outcome: Outcome | None = None,
) -> IngestSummary:
    """Store the letters in ``sources`` (see :func:`discover_sources`) with the cluster of
    ``client``; the database must be migrated and reachable from every worker.

    ``on_outcome`` hears of every file once, in file order, a stored one after its commit. On
    ``KeyboardInterrupt`` the tasks not yet run are cancelled, what was heard is reported and
    the interrupt propagates; a re-run resumes (tasks already running finish their letters).
    """
    summary = IngestSummary()
    reporter = _Reporter(summary, on_outcome or (lambda _outcome: None))
    workers = max(1, len(client.scheduler_info(n_workers=-1).get("workers", {})))
    size = batch or batch_size(len(sources), workers)
    batches = [list(sources[i : i + size]) for i in range(0, len(sources), size)]
    width = WINDOW_PER_WORKER * workers
    job = _Job(client, database_url, batches, reporter)
    try:
        for start in range(0, len(batches), width):
            job.window(range(start, min(start + width, len(batches))))
        job.finish()
    except KeyboardInterrupt:
        job.cancel()
        reporter.drain()
        raise
    return summary


class _Job:
    """The windows of one run: a window's reads are in flight while the one before writes."""

    def __init__(
        self, client: Client, database_url: str, batches: list[list[str]], reporter: _Reporter
    ) -> None:
        self.client = client
        self.url = database_url
        self.batches = batches
        self.reporter = reporter
        #: Per batch of the window read last: its entries and its keys, as futures.
        self.reads: dict[int, tuple[Future, Future]] = {}
        #: Per batch of the window written last: its write and the files it writes.
        self.writes: dict[int, tuple[Future, list[str]]] = {}

    def window(self, window: range) -> None:
        client = self.client
        for index in window:
            entries = client.submit(read_batch, self.url, self.batches[index], pure=False)
            self.reads[index] = (entries, client.submit(batch_keys, entries, pure=False))
        keys: list[list[str | None]] = []
        lost: dict[int, BaseException] = {}
        for index in window:
            try:
                keys.append(self.reads[index][1].result())
            except Exception as exc:
                keys.append([])
                lost[index] = exc
        self.finish()  # the window before is committed: a later file of a case wins
        for offset, parts in enumerate(_plan(keys)):
            index = window[offset]
            if index in lost:
                self.reporter.complete(index, _lost(self.batches[index], lost[index]))
                continue
            arguments = [(self.reads[window[b]][0], positions) for b, positions in parts]
            files = [self.batches[window[b]][p] for b, positions in parts for p in positions]
            future = client.submit(write_batch, self.url, arguments, pure=False)
            self.writes[index] = (future, files)
        for index in window:  # the write tasks hold what they need
            for future in self.reads.pop(index):
                future.release()

    def finish(self) -> None:
        """Wait for the window being written, reporting batches in order as they commit."""
        from distributed import as_completed

        if not self.writes:
            return
        by_future = {future: index for index, (future, _files) in self.writes.items()}
        for future in as_completed(list(by_future), loop=self.client.loop):
            index = by_future[future]
            try:
                self.reporter.complete(index, future.result())
            except Exception as exc:
                self.reporter.complete(index, _lost(self.writes[index][1], exc))
            del self.writes[index]
            future.release()

    def cancel(self) -> None:
        futures = [f for pair in self.reads.values() for f in pair]
        futures += [future for future, _files in self.writes.values()]
        if futures:
            self.client.cancel(futures)


# --- clusters -------------------------------------------------------------------------------


@contextmanager
def connected(address: str) -> Iterator[Client]:
    """A client of the scheduler at ``address`` (a clear error if it cannot be reached)."""
    from distributed import Client

    try:
        client = Client(scheduler_address(address), timeout=10, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise ComponentUnavailable(
            f"the Dask scheduler at {address} did not answer ({type(exc).__name__})"
        ) from None
    try:
        yield client
    finally:
        client.close()


@contextmanager
def local_cluster(workers: int) -> Iterator[Client]:
    """A Dask cluster of ``workers`` processes on this machine (one thread each: parsing is
    Python, so threads would only wait on each other), stopped at the end."""
    from distributed import Client, LocalCluster

    with _workers_ignore_interrupts():
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=50,  # logging.CRITICAL: outcomes say what failed, not worker logs
        )
    client = Client(cluster, set_as_default=False)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


@contextmanager
def _workers_ignore_interrupts() -> Iterator[None]:
    """Worker processes started meanwhile ignore Ctrl-C (an ignored signal stays ignored in a
    new process): the client cancels the job and stops the cluster, rather than every worker
    printing its own interruption. Only the main thread may change a signal's handler."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def database_url_for_workers(database: Database) -> str:
    """The URL workers connect with: a SQLite file by its absolute path; in-memory refused."""
    url = database.url
    if database.is_sqlite:
        name = url.database or ""
        if name in {"", ":memory:"} or name.startswith("file:"):
            raise InputError(
                "workers need a database file or server, not an in-memory SQLite database",
                source="--database-url",
            )
        url = url.set(database=os.path.abspath(os.path.expanduser(name)))
    return url.render_as_string(hide_password=False)
