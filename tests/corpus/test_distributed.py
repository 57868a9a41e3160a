"""The ingest as a Dask job on a local cluster of worker processes: the same rows as the local
ingest of the same letters (duplicates and a corrected letter across batches included), a
re-run writes nothing, a bad letter is reported with its reason, on SQLite and PostgreSQL."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text
from tests.corpus.support import dump

from openimr.corpus.distributed import (
    _plan,
    database_url_for_workers,
    discover_sources,
    ingest_distributed,
    local_cluster,
    local_paths,
    scheduler_address,
)
from openimr.corpus.ingest import ingest
from openimr.corpus.schemas import IngestOutcome
from openimr.corpus.synthetic import generate, write_corpus
from openimr.errors import InputError
from openimr.store.db import Database
from openimr.store.migrate import upgrade

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "letters"


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    with local_cluster(2) as running:
        yield running


@pytest.fixture(scope="module")
def letters(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generated letters in every layout, with what a real folder holds besides: the same
    letter as PDF and text, an exact copy under another name, a corrected letter (its file
    sorts last, so it wins), and files that are not letters."""
    folder = tmp_path_factory.mktemp("job") / "letters"
    paths = write_corpus(folder, 30, seed=21)
    shutil.copy(FIXTURES / "openimr-letter.txt", folder / "a-own.txt")
    shutil.copy(FIXTURES / "openimr-letter.pdf", folder / "z-own.pdf")
    shutil.copy(paths[3], folder / "zz-copy.txt")
    letter = generate(2, 21)
    first = letter.items[0]
    flipped = "Overturned" if first.decision.value == "upheld" else "Upheld"
    corrected = letter.text.replace(
        f"{first.request}: {first.decision.value.capitalize()}", f"{first.request}: {flipped}", 1
    )
    assert corrected != letter.text
    (folder / "zzz-corrected.txt").write_text(corrected)
    (folder / "notes.txt").write_text("Shopping list: milk, eggs.\n")
    (folder / "empty.txt").write_text("")
    return folder


def _content(database: Database) -> dict[str, list[Any]]:
    """The stored rows without their ids (they depend on which task committed first)."""
    rows = dump(database)
    keys = {r[0]: r[1] for r in rows["letters"]}
    return {
        "letters": sorted(r[1:] for r in rows["letters"]),
        "items": sorted((keys[r[1]], *r[2:]) for r in rows["items"]),
        "sources": sorted((sha, keys[letter]) for sha, letter in rows["sources"]),
    }


@pytest.fixture(scope="module")
def expected(letters: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, ...]:
    """What the local ingest stores from the same folder, and its counts."""
    database = Database(f"sqlite+pysqlite:///{tmp_path_factory.mktemp('local') / 'c.sqlite3'}")
    try:
        upgrade(database)
        summary = ingest(database, local_paths([str(letters)]), workers=1)
        return _content(database), (summary.stored, summary.unchanged, summary.failed)
    finally:
        database.dispose()


def test_the_job_stores_what_the_local_ingest_stores_and_a_rerun_writes_nothing(
    client: Any, database: Database, letters: Path, expected: tuple[Any, ...]
) -> None:
    content, counts = expected
    url = database_url_for_workers(database)
    sources = discover_sources([str(letters)])
    heard: list[IngestOutcome] = []
    summary = ingest_distributed(client, url, sources, batch=4, on_outcome=heard.append)
    assert (summary.stored, summary.unchanged, summary.failed) == counts
    assert summary.failed == 2
    assert _content(database) == content
    assert len(heard) == len(sources) == 36
    reasons = {Path(f.source).name: f.reason for f in summary.failures}
    assert reasons == {
        "empty.txt": "the file is empty",
        "notes.txt": "not a Final Determination Letter of a known layout (none of its headings, "
        "such as IMR ISSUES, DECISIONS AND RATIONALES, was found)",
    }
    with database.engine.connect() as connection:
        partial = connection.execute(
            text(
                "SELECT count(*) FROM corpus_letters l WHERE l.item_count != "
                "(SELECT count(*) FROM corpus_items i WHERE i.letter_id = l.id)"
            )
        ).scalar_one()
    assert partial == 0
    before = dump(database)
    again = ingest_distributed(client, url, sources, batch=7)
    assert (again.stored, again.unchanged, again.failed) == (0, len(sources) - 2, 2)
    assert dump(database) == before


def test_outcomes_are_heard_in_file_order(client: Any, tmp_path: Path) -> None:
    write_corpus(tmp_path / "letters", 12, seed=22)
    database = Database(f"sqlite+pysqlite:///{tmp_path / 'c.sqlite3'}")
    try:
        upgrade(database)
        sources = discover_sources([f"file://{tmp_path / 'letters'}"])
        heard: list[IngestOutcome] = []
        ingest_distributed(
            client, database_url_for_workers(database), sources, batch=2, on_outcome=heard.append
        )
        assert [o.source for o in heard] == sources
        assert {o.status for o in heard} == {"stored"}
    finally:
        database.dispose()


def test_sources_from_paths_file_urls_globs_and_fsspec_urls(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = write_corpus(tmp_path / "a", 3, seed=23)
    plain = discover_sources([str(tmp_path / "a")])
    assert plain == [str(p) for p in sorted(paths, key=lambda p: str(p.resolve()))]
    monkeypatch.chdir(tmp_path)
    assert discover_sources(["a"]) == plain  # absolute: workers have working folders of their own
    assert discover_sources([f"file://{tmp_path / 'a'}", str(tmp_path / "a" / "*" / "*")]) == plain
    assert discover_sources([f"local://{tmp_path / 'a'}"]) == plain  # fsspec's local filesystem
    assert discover_sources([f"local://{tmp_path / 'a'}/**/*.txt"]) == plain
    with pytest.raises(InputError, match="no such file or folder"):
        discover_sources([f"local://{tmp_path / 'missing'}"])
    with pytest.raises(InputError, match="no file matches"):
        discover_sources([f"local://{tmp_path}/*.nothing"])
    with pytest.raises(InputError, match="cannot open this location"):
        discover_sources(["nosuchprotocol://bucket/letters"])
    with pytest.raises(InputError, match="add --scheduler or --distributed"):
        local_paths([f"local://{tmp_path / 'a'}"])
    assert local_paths([f"file://{tmp_path / 'a'}"]) == [Path(p) for p in plain]


def test_workers_need_a_database_they_can_reach(tmp_path: Path) -> None:
    memory = Database("sqlite+pysqlite:///:memory:")
    try:
        with pytest.raises(InputError, match="--database-url: workers need"):
            database_url_for_workers(memory)
    finally:
        memory.dispose()


def test_a_case_read_in_several_batches_is_written_by_the_last_of_them() -> None:
    plan = _plan([["a", None, "b"], ["c", "a"], ["a", "d"]])
    assert plan == [[(0, [1, 2])], [(1, [0])], [(0, [0]), (1, [1]), (2, [0, 1])]]


@given(st.text(max_size=80))
def test_any_scheduler_address_is_taken_or_refused_naming_the_option(value: str) -> None:
    try:
        address = scheduler_address(value)
    except InputError as exc:
        assert exc.source == "--scheduler"
    else:
        assert address.split("://", 1)[0] in {"tcp", "tls", "ucx", "ws", "wss"}
        assert 0 < int(address.rsplit(":", 1)[1]) < 65536


def test_scheduler_addresses() -> None:
    assert scheduler_address(" tcp://10.0.0.5:8786 ") == "tcp://10.0.0.5:8786"
    assert scheduler_address("tls://scheduler.example:8786") == "tls://scheduler.example:8786"
    for bad in ("10.0.0.5:8786", "tcp://host", "tcp://host:0", "tcp://host:70000", "http://h:1"):
        with pytest.raises(InputError):
            scheduler_address(bad)


def test_the_command_runs_on_a_running_scheduler(client: Any, tmp_path: Path) -> None:
    """``--scheduler``: the command connects to a cluster it did not start and leaves it up."""
    import os
    import subprocess
    import sys

    write_corpus(tmp_path / "letters", 6, seed=24)
    url = f"sqlite+pysqlite:///{tmp_path / 'c.sqlite3'}"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    command = [sys.executable, "-m", "openimr", "corpus", "ingest", str(tmp_path / "letters"),
               "--scheduler", client.scheduler.address, "--database-url", url]  # fmt: skip
    first = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert (first.returncode, first.stdout) == (0, "6 stored, 0 unchanged, 0 failed\n"), first
    again = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert (again.returncode, again.stdout) == (0, "0 stored, 6 unchanged, 0 failed\n"), again
    assert len(client.scheduler_info(n_workers=-1)["workers"]) == 2
