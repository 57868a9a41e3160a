"""Ingest: every layout stored item by item, idempotent, resumable, failures reported and
skipped, never half-stored (also under SIGKILL), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from tests.corpus.support import dump

from openimr.corpus.ingest import discover, ingest
from openimr.corpus.schemas import IngestOutcome
from openimr.corpus.synthetic import LAYOUTS, generate, write_corpus
from openimr.errors import InputError
from openimr.store.db import Database
from openimr.store.migrate import upgrade

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "letters"
SHARED = ROOT.parent / "shared" / "eval-dev"


def _items(database: Database, case_number: str) -> list[tuple[str, str, str]]:
    with database.engine.connect() as connection:
        return [
            (r.request, r.decision, r.family)
            for r in connection.execute(
                text(
                    "SELECT i.request, i.decision, i.family FROM corpus_items i "
                    "JOIN corpus_letters l ON l.id = i.letter_id "
                    "WHERE l.case_number = :case ORDER BY i.position"
                ),
                {"case": case_number},
            )
        ]


def test_every_layout_is_stored_item_by_item(database: Database, tmp_path: Path) -> None:
    paths = write_corpus(tmp_path, 18, seed=3)
    summary = ingest(database, discover([str(tmp_path)]), workers=1)
    assert (summary.stored, summary.unchanged, summary.failed) == (18, 0, 0)
    for index in range(18):
        letter = generate(index, 3)
        stored = _items(database, letter.case_number)
        assert [(r, d) for r, d, _f in stored] == [
            (i.request, i.decision.value) for i in letter.items
        ], letter.layout
        assert [f for _r, _d, f in stored] == [i.family.value for i in letter.items]
    assert {generate(i, 3).layout for i in range(18)} == set(LAYOUTS)
    assert len(paths) == 18


def test_a_second_run_writes_nothing(database: Database, tmp_path: Path) -> None:
    write_corpus(tmp_path, 12, seed=4)
    files = discover([str(tmp_path)])
    ingest(database, files, workers=1)
    before = dump(database)
    heard: list[IngestOutcome] = []
    again = ingest(database, files, workers=2, on_outcome=heard.append)
    assert (again.stored, again.unchanged, again.failed) == (0, 12, 0)
    assert {o.status for o in heard} == {"unchanged"}
    assert dump(database) == before


def test_parallel_and_serial_runs_store_the_same(database_url: str, tmp_path: Path) -> None:
    write_corpus(tmp_path / "letters", 30, seed=5)
    files = discover([str(tmp_path / "letters")])
    dumps = []
    for workers in (1, 2):
        database = Database(database_url)
        try:
            upgrade(database)
            with database.engine.begin() as connection:
                for table in ("corpus_sources", "corpus_items", "corpus_letters"):
                    connection.execute(text(f"DELETE FROM {table}"))
            assert ingest(database, files, workers=workers).stored == 30
            dumps.append([row[1:] for row in dump(database)["letters"]])
        finally:
            database.dispose()
    assert dumps[0] == dumps[1]


def test_failed_letters_are_reported_with_a_reason_and_skipped(
    database: Database, tmp_path: Path
) -> None:
    write_corpus(tmp_path, 3, seed=6)
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "binary.pdf").write_bytes(b"%PDF-1.4\n\x00\x01garbage")
    (tmp_path / "notes.txt").write_text("Shopping list: milk, eggs.\n")
    heard: list[IngestOutcome] = []
    summary = ingest(database, discover([str(tmp_path)]), workers=2, on_outcome=heard.append)
    assert (summary.stored, summary.failed) == (3, 3)
    reasons = {Path(f.source).name: f.reason for f in summary.failures}
    assert reasons["empty.txt"] == "the file is empty"
    assert "PDF" in reasons["binary.pdf"]
    assert "not a Final Determination Letter" in reasons["notes.txt"]
    with database.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM corpus_letters")).scalar_one() == 3


def test_the_same_letter_as_pdf_and_text_is_one_letter(database: Database, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes((FIXTURES / "openimr-letter.txt").read_bytes())
    (tmp_path / "b.pdf").write_bytes((FIXTURES / "openimr-letter.pdf").read_bytes())
    summary = ingest(database, discover([str(tmp_path)]), workers=1)
    assert summary.stored + summary.unchanged == 2
    with database.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM corpus_letters")).scalar_one() == 1
        assert connection.execute(text("SELECT count(*) FROM corpus_sources")).scalar_one() == 2
    again = ingest(database, discover([str(tmp_path)]), workers=1)
    assert (again.stored, again.unchanged) == (0, 2)


def test_a_corrected_letter_replaces_the_stored_one(database: Database, tmp_path: Path) -> None:
    letter = generate(2, 8)  # an fdl-2016 letter
    path = tmp_path / "letter.txt"
    path.write_text(letter.text)
    ingest(database, [path], workers=1)
    first = letter.items[0]
    flipped = "Overturned" if first.decision.value == "upheld" else "Upheld"
    corrected = letter.text.replace(
        f"{first.request}: {first.decision.value.capitalize()}", f"{first.request}: {flipped}", 1
    )
    assert corrected != letter.text
    path.write_text(corrected)
    summary = ingest(database, [path], workers=1)
    assert summary.stored == 1
    stored = _items(database, letter.case_number)
    assert stored[0][1] == flipped.lower()
    assert len(stored) == len(letter.items)
    with database.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM corpus_letters")).scalar_one() == 1
    from openimr.corpus.schemas import CorpusQuery
    from openimr.corpus.search import search

    # the replaced items left the full-text index with their rows
    words = first.request.split()[0]
    hits = search(database, CorpusQuery(text=words, limit=50)).hits
    assert all(h.case_number == letter.case_number for h in hits)
    assert len([h for h in hits if h.position == 0]) == 1


def test_discover_reads_folders_globs_and_refuses_what_names_nothing(tmp_path: Path) -> None:
    write_corpus(tmp_path / "a", 2, seed=9)
    (tmp_path / "a" / "readme.md").write_text("not a letter")
    found = discover([str(tmp_path / "a"), str(tmp_path / "a" / "*" / "*.txt")])
    assert len(found) == 2  # the folder and the glob name the same two letters
    assert found == sorted(found, key=lambda p: str(p.resolve()))
    with pytest.raises(InputError, match="no such file or folder"):
        discover([str(tmp_path / "missing")])
    with pytest.raises(InputError, match="no file matches"):
        discover([str(tmp_path / "*.nothing")])
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no letter"):
        discover([str(tmp_path / "empty")])


def test_sigkill_mid_ingest_loses_nothing_reported_and_leaves_no_partial_letter(
    tmp_path: Path,
) -> None:
    """A run killed with SIGKILL: every letter it reported as stored is there, whole; a second
    run stores the rest, and the result equals an uninterrupted run."""
    write_corpus(tmp_path / "letters", 1500, seed=10)
    url = f"sqlite+pysqlite:///{tmp_path / 'corpus.sqlite3'}"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    command = [sys.executable, "-m", "openimr", "corpus", "ingest", str(tmp_path / "letters"),
               "--database-url", url, "--verbose", "--workers", "2"]  # fmt: skip
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=env)
    reported: list[str] = []
    assert process.stderr is not None
    deadline = time.monotonic() + 240
    while len(reported) < 300 and time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        if line.startswith("stored "):
            reported.append(line.split()[1])
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert len(reported) >= 300, "the run ended before it was killed"
    database = Database(url)
    try:
        with database.engine.connect() as connection:
            keys = set(connection.execute(text("SELECT key FROM corpus_letters")).scalars())
            partial = connection.execute(
                text(
                    "SELECT count(*) FROM corpus_letters l WHERE l.item_count != "
                    "(SELECT count(*) FROM corpus_items i WHERE i.letter_id = l.id)"
                )
            ).scalar_one()
            assert connection.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
        assert set(reported) <= keys
        assert partial == 0
        assert len(keys) < 1500
        resumed = subprocess.run(
            [*command[:-3]], capture_output=True, text=True, env=env, timeout=600
        )
        assert resumed.returncode == 0, resumed.stderr
        stored, unchanged = (int(part.split()[0]) for part in resumed.stdout.split(",")[:2])
        assert stored + unchanged == 1500
        assert unchanged >= len(reported)
        with database.engine.connect() as connection:
            assert (
                connection.execute(text("SELECT count(*) FROM corpus_letters")).scalar_one() == 1500
            )
    finally:
        database.dispose()


@pytest.mark.shared
def test_every_published_letter_is_stored_as_its_case_says(tmp_path: Path) -> None:
    cases_path = SHARED / "cases.jsonl"
    if not cases_path.is_file():
        pytest.skip("../shared/eval-dev is not present")
    cases = [json.loads(line) for line in cases_path.read_text().splitlines() if line.strip()]
    database = Database(f"sqlite+pysqlite:///{tmp_path / 'corpus.sqlite3'}")
    try:
        upgrade(database)
        summary = ingest(database, discover([str(SHARED / "letters")]))
        assert (summary.stored, summary.failed) == (len(cases), 0), summary.failures
        for case in cases:
            expected = case["expected"]
            stored = _items(database, case["case"]["case_id"])
            assert [(" ".join(r.split()), d) for r, d, _f in stored] == [
                (" ".join(i["request"].split()), i["decision"]) for i in expected["items"]
            ]
            assert [f for _r, _d, f in stored] == [
                (i["guideline_families"] or ["none"])[0] for i in expected["items"]
            ]
    finally:
        database.dispose()


_FACETS_FROM_ITEMS = (
    "SELECT i.id, i.letter_id, i.position, i.decision, i.topic, i.region, i.family, i.section, "
    "i.ur_family, i.year, i.decision_date, i.specialty, l.priority, l.layout, "
    "l.turnaround_days FROM corpus_items i JOIN corpus_letters l ON l.id = i.letter_id "
    "ORDER BY i.id"
)
_FACETS = (
    "SELECT item_id, letter_id, position, decision, topic, region, family, section, ur_family, "
    "year, decision_date, specialty, priority, layout, turnaround_days FROM corpus_facets "
    "ORDER BY item_id"
)


def test_the_facets_stay_those_of_the_items_and_their_letters(
    database: Database, tmp_path: Path
) -> None:
    """Every stored item has one row of facets with its own and its letter's values, also
    after a corrected letter replaced its items."""
    paths = write_corpus(tmp_path / "letters", 12, seed=21)
    ingest(database, paths, workers=1)
    letter = generate(2, 21)  # an fdl-2016 letter
    first = letter.items[0]
    flipped = "Overturned" if first.decision.value == "upheld" else "Upheld"
    corrected = letter.text.replace(
        f"{first.request}: {first.decision.value.capitalize()}", f"{first.request}: {flipped}", 1
    )
    assert corrected != letter.text
    (tmp_path / "corrected").mkdir()
    (tmp_path / "corrected" / "letter.txt").write_text(corrected)
    assert ingest(database, [tmp_path / "corrected" / "letter.txt"], workers=1).stored == 1
    with database.engine.connect() as connection:
        expected = [tuple(r) for r in connection.execute(text(_FACETS_FROM_ITEMS))]
        stored = [tuple(r) for r in connection.execute(text(_FACETS))]
    assert len(expected) == sum(len(generate(n, 21).items) for n in range(12))
    assert stored == expected
    assert flipped.lower() in {row[3] for row in stored}


def test_the_facets_migration_fills_the_facets_of_a_stored_corpus(database_url: str) -> None:
    """A corpus stored before ``corpus_facets`` existed is searchable after the upgrade."""
    database = Database(database_url)
    try:
        upgrade(database, "0006_queue")
        with database.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO corpus_letters (id, key, case_number, record_sha256, "
                    "source_name, source_kind, layout, priority, decision_date, "
                    "turnaround_days, specialty, certifications, licensure, summary, "
                    "item_count, ingested_at) VALUES (1, 'CM1', 'CM1', :sha, 'a.txt', 'text', "
                    "'fdl-2016', 'Standard', '2016-05-02', 21, 'Neurology', '[]', '[]', 's', 2, "
                    "'2026-12-07 10:00:00+00:00')"
                ),
                {"sha": "0" * 64},
            )
            for position, decision in enumerate(["upheld", "overturned"]):
                connection.execute(
                    text(
                        "INSERT INTO corpus_items (id, letter_id, position, request, "
                        "reviewed_text, topic, region, regions, decision, family, citations, "
                        "ur_audit, rationale, year, decision_date, specialty) VALUES (:id, 1, "
                        ":position, 'r', 'r', 'acupuncture', 'lumbar', '[]', :decision, "
                        "'MTUS-Acupuncture', '[]', '[]', 'x', 2016, '2016-05-02', 'Neurology')"
                    ),
                    {"id": 10 + position, "position": position, "decision": decision},
                )
        upgrade(database)
        with database.engine.connect() as connection:
            rows = [tuple(r) for r in connection.execute(text(_FACETS))]
            assert rows == [tuple(r) for r in connection.execute(text(_FACETS_FROM_ITEMS))]
        assert [r[3] for r in rows] == ["upheld", "overturned"]
        assert rows[0][12:] == ("Standard", "fdl-2016", 21)
    finally:
        database.dispose()
