"""Corpus ingest as a Dask job: letters per second with 1, 2 and 4 workers.

    .venv/bin/python bench/corpus_distributed_bench.py [--letters 2000] [--workers 1,2,4]
        [--postgres-url postgresql://...] [--batch N] [--json]

Generated text letters (``openimr.corpus.synthetic``, every published layout in turn) are
written to a folder once. For each worker count a ``LocalCluster`` of that many processes (one
thread each) is started, its workers load the reader (timed apart: it happens once per worker,
not per letter), and ``openimr.corpus.distributed.ingest_distributed`` stores every letter into a
new SQLite file and, with ``--postgres-url``, into a new schema on that server; then the same
files again (a re-run: every file found stored by its hash). For comparison the local ingest
(``openimr.corpus.ingest``) stores the same files with one process and with one per core.

The figures depend on the machine's cores and on what else runs on them: the cores this process
may use and the load average before and after are printed beside them. This measures; it
asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text


def _timed(work: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


@contextmanager
def _database(backend: str, folder: Path, postgres_url: str | None) -> Iterator[Any]:
    """A new, migrated database: a SQLite file, or a schema dropped at the end."""
    from openimr.store.db import Database, normalize_url
    from openimr.store.migrate import upgrade

    if backend == "sqlite":
        url = f"sqlite+pysqlite:///{folder / f'{uuid.uuid4().hex}.sqlite3'}"
        admin = None
    else:
        assert postgres_url is not None
        schema = f"bench_{uuid.uuid4().hex[:12]}"
        server = normalize_url(postgres_url)
        admin = create_engine(server)
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = server.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False
        )
    database = Database(url)
    try:
        upgrade(database)
        yield database
    finally:
        database.dispose()
        if admin is not None:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


def _warm() -> None:
    """On a worker: load the reader (knowledge base, vocabulary) before the clock starts."""
    from openimr.corpus.distributed import _reader

    _reader()


def _letters_count(database: Any) -> int:
    with database.engine.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM corpus_letters")).scalar_one())


def _local(files: list[Path], folder: Path, workers: int) -> dict[str, Any]:
    from openimr.corpus.ingest import ingest

    with _database("sqlite", folder, None) as database:
        seconds, summary = _timed(lambda: ingest(database, files, workers=workers))
    return {
        "processes": workers,
        "seconds": round(seconds, 2),
        "letters_per_second": round(summary.stored / seconds, 1),
        "summary": summary.line(),
    }


def _job(
    client: Any, backend: str, sources: list[str], folder: Path, args: argparse.Namespace
) -> dict[str, Any]:
    from openimr.corpus.distributed import database_url_for_workers, ingest_distributed

    with _database(backend, folder, args.postgres_url) as database:
        url = database_url_for_workers(database)
        seconds, first = _timed(lambda: ingest_distributed(client, url, sources, batch=args.batch))
        again_seconds, again = _timed(
            lambda: ingest_distributed(client, url, sources, batch=args.batch)
        )
        stored = _letters_count(database)
    return {
        "backend": backend,
        "seconds": round(seconds, 2),
        "letters_per_second": round(first.stored / seconds, 1),
        "summary": first.line(),
        "letters_in_database": stored,
        "rerun_seconds": round(again_seconds, 2),
        "rerun_files_per_second": round(len(sources) / again_seconds, 1),
        "rerun_summary": again.line(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--letters", type=int, default=2000)
    parser.add_argument("--workers", default="1,2,4", help="worker counts, comma-separated")
    parser.add_argument("--postgres-url", default=None)
    parser.add_argument("--batch", type=int, default=None, help="letters per task")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    counts = [int(part) for part in args.workers.split(",")]

    from openimr.corpus.distributed import discover_sources, local_cluster
    from openimr.corpus.ingest import default_workers, discover
    from openimr.corpus.synthetic import write_corpus

    cores = default_workers()
    result: dict[str, Any] = {
        "machine": {
            "python": platform.python_version(),
            "cores_usable": cores,
            "load_average_before": [round(x, 1) for x in os.getloadavg()],
        },
        "letters": args.letters,
    }
    with tempfile.TemporaryDirectory(prefix="openimr-dask-bench-") as tmp:
        folder = Path(tmp)
        write_corpus(folder / "letters", args.letters, seed=2024)
        files = discover([str(folder / "letters")])
        sources = discover_sources([str(folder / "letters")])
        result["local"] = [_local(files, folder, 1), _local(files, folder, cores)]
        runs = []
        backends = ["sqlite"] + (["postgresql"] if args.postgres_url else [])
        for count in counts:
            started = time.perf_counter()
            with local_cluster(count) as client:
                start_seconds = time.perf_counter() - started
                warm_seconds, _ = _timed(lambda client=client: client.run(_warm))
                for backend in backends:
                    run = {
                        "workers": count,
                        "cluster_start_seconds": round(start_seconds, 2),
                        "worker_warmup_seconds": round(warm_seconds, 2),
                        **_job(client, backend, sources, folder, args),
                    }
                    runs.append(run)
                    print(json.dumps(run), file=sys.stderr)
        result["distributed"] = runs
    result["machine"]["load_average_after"] = [round(x, 1) for x in os.getloadavg()]
    if args.json:
        print(json.dumps(result, indent=2))
        return
    machine = result["machine"]
    print(f"{args.letters} generated text letters; {cores} usable cores, shared "
          f"(load average {machine['load_average_before']} before, "
          f"{machine['load_average_after']} after)")  # fmt: skip
    for local in result["local"]:
        print(f"local ingest, {local['processes']} process(es): "
              f"{local['letters_per_second']} letters/s ({local['summary']})")  # fmt: skip
    for run in runs:
        print(f"dask, {run['workers']} worker(s), {run['backend']}: "
              f"{run['letters_per_second']} letters/s ({run['summary']}); re-run "
              f"{run['rerun_files_per_second']} files/s ({run['rerun_summary']}); "
              f"worker warm-up {run['worker_warmup_seconds']} s")  # fmt: skip


if __name__ == "__main__":
    main()
