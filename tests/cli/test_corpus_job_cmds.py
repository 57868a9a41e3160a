"""``openimr corpus ingest --distributed N | --scheduler ADDRESS``: the same one summary line
and exit codes as the local ingest, and one line with exit 2 for options that do not fit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from openimr.corpus.synthetic import write_corpus

OPENIMR = [sys.executable, "-m", "openimr"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.run([*OPENIMR, *args], capture_output=True, text=True, timeout=300, env=env)


def test_a_local_cluster_ingests_and_a_rerun_writes_nothing(tmp_path: Path) -> None:
    write_corpus(tmp_path / "letters", 10, seed=31)
    (tmp_path / "letters" / "broken.txt").write_text("not a letter at all\n")
    url = f"sqlite+pysqlite:///{tmp_path / 'corpus.sqlite3'}"
    first = run("corpus", "ingest", f"file://{tmp_path / 'letters'}", "--distributed", "2",
                "--batch", "3", "--database-url", url)  # fmt: skip
    assert first.returncode == 1, first.stderr
    assert first.stdout == "10 stored, 0 unchanged, 1 failed\n"
    assert first.stderr.strip().splitlines() == [
        f"{tmp_path / 'letters' / 'broken.txt'}: not a Final Determination Letter of a known "
        "layout (none of its headings, such as IMR ISSUES, DECISIONS AND RATIONALES, was found)"
    ]
    local = run("corpus", "ingest", str(tmp_path / "letters"), "--database-url", url)
    assert local.stdout == "0 stored, 10 unchanged, 1 failed\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scheduler", "localhost:8786"], "error: --scheduler: expected a scheduler address"),
        (["--distributed", "0"], "error: --distributed: expected a whole number from 1 to 256"),
        (["--distributed", "2", "--scheduler", "tcp://h:8786"], "error: --distributed: give"),
        (["--distributed", "2", "--workers", "2"], "error: --workers: parsing processes are"),
        (["--batch", "50"], "error: --batch: only with --scheduler or --distributed"),
        (["--distributed", "2", "--batch", "x"], "error: --batch: expected a whole number"),
        (["s3://bucket/letters"], "error: s3://bucket/letters: a URL is read by a Dask job"),
    ],
)
def test_options_that_do_not_fit_are_one_line_and_exit_2(
    tmp_path: Path, args: list[str], message: str
) -> None:
    write_corpus(tmp_path / "letters", 1, seed=32)
    url = f"sqlite+pysqlite:///{tmp_path / 'corpus.sqlite3'}"
    paths = [] if args[0].startswith("s3://") else [str(tmp_path / "letters")]
    result = run("corpus", "ingest", *paths, *args, "--database-url", url)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stderr.startswith(message)
    assert len(result.stderr.strip().splitlines()) == 1
