"""``openimr corpus``: the shapes scripts rely on, and one line with exit 2 for bad input."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from openimr.cli import app
from openimr.corpus import schemas
from openimr.corpus.synthetic import write_corpus

OPENIMR = [sys.executable, "-m", "openimr"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.run([*OPENIMR, *args], capture_output=True, text=True, timeout=300, env=env)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    folder = tmp_path_factory.mktemp("corpus")
    write_corpus(folder / "letters", 24, seed=11)
    (folder / "letters" / "broken.txt").write_text("not a letter at all\n")
    url = f"sqlite+pysqlite:///{folder / 'corpus.sqlite3'}"
    first = run("corpus", "ingest", str(folder / "letters"), "--database-url", url)
    assert first.returncode == 1  # one file failed; the others are stored
    assert first.stdout == "24 stored, 0 unchanged, 1 failed\n"
    assert first.stderr.strip().endswith(
        "broken.txt: not a Final Determination Letter of a known layout (none of its headings, "
        "such as IMR ISSUES, DECISIONS AND RATIONALES, was found)"
    )
    return url, folder


def test_ingest_again_prints_one_summary_line(corpus: tuple[str, Path]) -> None:
    url, folder = corpus
    again = run("corpus", "ingest", str(folder / "letters" / "*" / "*.txt"), "--database-url", url)
    assert again.returncode == 0, again.stderr
    assert again.stdout == "0 stored, 24 unchanged, 0 failed\n"


def test_search_json_is_one_object_per_decision(corpus: tuple[str, Path]) -> None:
    url, _folder = corpus
    result = run("corpus", "search", "--decision", "upheld", "--format", "json",
                 "--limit", "500", "--database-url", url)  # fmt: skip
    assert result.returncode == 0, result.stderr
    hits = [json.loads(line) for line in result.stdout.splitlines()]
    assert hits and all(h["decision"] == "upheld" for h in hits)
    assert {"case_number", "request", "topic", "region", "family", "ur_family"} <= set(hits[0])
    worded = run("corpus", "search", "therapy", "--format", "json", "--database-url", url)
    assert all(json.loads(line)["score"] is not None for line in worded.stdout.splitlines())


def test_stats_rows_and_plot(corpus: tuple[str, Path], tmp_path: Path) -> None:
    url, _folder = corpus
    plot = tmp_path / "family.svg"
    result = run("corpus", "stats", "--by", "family", "--format", "json", "--plot", str(plot),
                 "--database-url", url)  # fmt: skip
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows and all(list(r) == ["key", "items", "overturned", "rate", "low", "high"]
                        for r in rows)  # fmt: skip
    assert plot.read_text().startswith("<?xml")
    out = tmp_path / "rates.parquet"
    parquet = run("corpus", "stats", "--by", "year", "--format", "parquet", "--out", str(out),
                  "--database-url", url)  # fmt: skip
    assert parquet.returncode == 0, parquet.stderr
    import pyarrow.parquet as pq

    assert pq.read_table(out).column_names == ["key", "items", "overturned", "rate", "low", "high"]
    csv = run("corpus", "stats", "--by", "year", "--turnaround", "--format", "csv",
              "--database-url", url)  # fmt: skip
    assert csv.stdout.splitlines()[0] == "key,letters,median_days,mean_days,p90_days"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["search", "--decision", "maybe"], "error: --decision: "),
        (["search", "--year", "last"], "error: --year: expected a whole number"),
        (["search", "--limit", "0"], "error: --limit: "),
        (["search", "... ?"], "error: query: the query has no word to search for"),
        (["stats", "--by", "colour"], "error: --by: expected one of topic"),
        (["stats", "--by", "topic", "--plot", "x.jpg"], "error: x.jpg: a plot is written as"),
        (["stats", "--format", "parquet"], "error: --format: parquet is written to a file"),
        (["ingest", "/no/such/folder"], "error: /no/such/folder: no such file or folder"),
        (["search", "--family", "ACME"], "error: --family: unknown guideline family"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    corpus: tuple[str, Path], args: list[str], message: str
) -> None:
    url, _folder = corpus
    result = run("corpus", *args, "--database-url", url)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stderr.startswith(message)
    assert len(result.stderr.strip().splitlines()) == 1


def test_search_says_when_too_many_match_to_rank(
    corpus: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the rank limit the table's title and, beside JSON lines, stderr say the order."""
    url, _folder = corpus
    runner = CliRunner()
    search = ["corpus", "search", "therapy", "--database-url", url]
    ranked = runner.invoke(app, search)
    assert ranked.exit_code == 0, ranked.output
    assert "shown, best match first" in ranked.stdout
    monkeypatch.setattr(schemas, "RANK_LIMIT", 2)
    table = runner.invoke(app, search)
    assert table.exit_code == 0, table.output
    title = re.search(r"(\d+) decisions; 1-\d+ shown, ([^\n]*)", table.stdout)
    assert title, table.stdout
    assert title.group(2).strip() == (
        f"newest first: {int(title.group(1))} match, more than the 2 ranked by relevance"
    )
    lines = runner.invoke(app, [*search, "--format", "json"])
    assert lines.exit_code == 0, lines.output
    assert lines.stderr.startswith("newest first: ")
    hits = [json.loads(line) for line in lines.stdout.splitlines()]
    assert hits and all(h["score"] is None for h in hits)
    dates = [h["decision_date"] for h in hits]
    assert dates == sorted(dates, reverse=True)
