"""The command line: exit codes, batch behaviour, messages without tracebacks, formats."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "examples" / "chronic-low-back-2014.json"
EVAL = ROOT / "tests" / "fixtures" / "eval" / "cases.jsonl"
OPENIMR = [sys.executable, "-m", "openimr"]


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*OPENIMR, *args], capture_output=True, text=True, cwd=cwd, timeout=300)


def test_review_one_file_prints_one_determination_and_is_deterministic() -> None:
    first = run("review", str(EXAMPLE))
    assert first.returncode == 0, first.stderr
    data = json.loads(first.stdout)
    assert [i["decision"] for i in data["items"]] == ["upheld", "overturned"]
    assert data["items"][1]["medically_necessary"] is True
    assert run("review", str(EXAMPLE)).stdout == first.stdout


def test_batch_goes_on_after_a_bad_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"disputed_items": [{"request": ""}], "records": []}')
    result = run("review", str(EXAMPLE), str(bad), str(EXAMPLE))
    assert result.returncode == 1
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 3
    assert lines[0]["case_id"] == lines[2]["case_id"] == "EX-2014-0001"
    assert lines[1]["case_file"] == str(bad)
    assert "disputed_items[0].request" in lines[1]["error"]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"{not json", "malformed JSON"),
        (b"\x89PNG\r\n\x1a\n\x00\x00binary", "not a text file"),
        (
            json.dumps(
                {
                    "claimant": {"date_of_injury": "2016-01-01"},
                    "ur_decision_date": "2015-01-01",
                    "disputed_items": [{"request": "x"}],
                    "records": [{"kind": "other", "text": "y"}],
                }
            ).encode(),
            "before the date of injury",
        ),
    ],
)
def test_bad_input_exits_2_with_one_clear_line(
    tmp_path: Path, content: bytes, expected: str
) -> None:
    path = tmp_path / "case.json"
    path.write_bytes(content)
    result = run("review", str(path))
    assert result.returncode == 2
    assert expected in result.stderr
    assert str(path) in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_oversized_file(tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    with path.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    result = run("review", str(path))
    assert result.returncode == 2
    assert "limit" in result.stderr


def test_text_format_and_out_file(tmp_path: Path) -> None:
    out = tmp_path / "report.txt"
    result = run("review", str(EXAMPLE), "--format", "text", "--out", str(out))
    assert result.returncode == 0, result.stderr
    text = out.read_text()
    assert "Decision: OVERTURNED" in text and "Criteria:" in text
    assert not list(tmp_path.glob("*.partial"))


def test_schema_describes_the_case_file() -> None:
    result = run("schema", "case-file")
    schema = json.loads(result.stdout)
    assert {"disputed_items", "records", "claimant", "ur_decision_date"} <= set(
        schema["properties"]
    )
    assert schema["required"] == ["disputed_items", "records"]


def test_guidelines_commands() -> None:
    listing = run("guidelines", "list")
    assert "massage_therapy" in listing.stdout
    shown = run("guidelines", "show", "massage_therapy")
    assert "Massage" in shown.stdout and "recommendation" in shown.stdout
    assert run("guidelines", "show", "no_such_topic").returncode == 2
    lint = run("guidelines", "lint")
    assert lint.returncode == 0, lint.stdout


def test_eval_reports_the_scores() -> None:
    text = run("eval", str(EVAL))
    assert text.returncode == 0, text.stderr
    assert "Balanced accuracy" in text.stdout and "Confusion matrix" in text.stdout
    report = json.loads(run("eval", str(EVAL), "--format", "json").stdout)
    assert report["items"] == 4
    assert report["accuracy"] == 1.0
    assert report["family_agreement"] == 1.0
    assert {row["topic"] for row in report["per_topic"]} >= {"mri_cervical", "physical_therapy"}


def test_an_unknown_command_is_a_usage_error_listing_the_commands() -> None:
    result = run("nosuchcmd")
    assert result.returncode == 2
    assert "No such command 'nosuchcmd'" in result.stderr
    assert "internal error" not in result.stderr
    listed = result.stderr.split("Commands: ", 1)[1].split(", ")
    assert {"review", "eval", "guidelines", "serve"} <= {name.strip() for name in listed}


def test_a_missing_argument_is_a_usage_error() -> None:
    result = run("review")
    assert result.returncode == 2
    assert "Missing argument" in result.stderr
    assert "internal error" not in result.stderr
