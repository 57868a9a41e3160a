"""``openimr publish``: every format written atomically, counts on stderr and never a value,
bad input one line naming the file and the field with exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from tests.publication.support import FIXTURE, PARTIES
from typer.testing import CliRunner

from openimr.cli import app

runner = CliRunner()


@pytest.fixture
def inputs(tmp_path: Path) -> tuple[Path, Path]:
    determination = json.loads(FIXTURE.read_text("utf-8"))
    determination["clinical_case_summary"] = (
        "Ms. Garcia-Hernandez (claim 05-123456-789) was seen by Dr. Adeyemi. "
        + determination["clinical_case_summary"]
    )
    source = tmp_path / "determination.json"
    source.write_text(json.dumps(determination))
    identities = tmp_path / "identities.yaml"
    identities.write_text(yaml.safe_dump(PARTIES, allow_unicode=True))
    return source, identities


@pytest.mark.parametrize("fmt", ["text", "html", "pdf", "json"])
def test_publish_writes_each_format(inputs: tuple[Path, Path], tmp_path: Path, fmt: str) -> None:
    source, identities = inputs
    out = tmp_path / f"published.{fmt}"
    result = runner.invoke(
        app,
        [
            "publish",
            str(source),
            "--identities",
            str(identities),
            "--format",
            fmt,
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    content = out.read_bytes()
    assert b"Adeyemi" not in content and b"05-123456-789" not in content
    assert not list(tmp_path.glob("*.partial"))
    assert "removed" in result.stderr and "Adeyemi" not in result.stderr
    if fmt == "json":
        assert json.loads(content)["items"]


def test_the_case_file_parties_are_used(inputs: tuple[Path, Path], tmp_path: Path) -> None:
    source, _ = inputs
    case = {
        "case_id": "CM26-0004711",
        "disputed_items": [{"request": "Lumbar epidural steroid injection"}],
        "records": [{"kind": "progress_report", "text": "Back pain.", "author": "O. Adeyemi"}],
        "parties": {"claimant": {"name": "Maria Garcia-Hernandez"}},
    }
    case_file = tmp_path / "case.json"
    case_file.write_text(json.dumps(case))
    result = runner.invoke(app, ["publish", str(source), "--case-file", str(case_file)])
    assert result.exit_code == 0, result.output
    assert "Garcia" not in result.stdout and "Adeyemi" not in result.stdout
    assert "[injured worker]" in result.stdout


@pytest.mark.parametrize(
    ("identities", "expected"),
    [
        ("claimant: {name: 3}\n", "claimant.name"),
        ("claimant: {name: A, shoe_size: 9}\n", "claimant.shoe_size"),
        ("[1, 2]\n", "expected a mapping"),
        ("claimant: [unclosed\n", "malformed identities file"),
    ],
)
def test_bad_identities_give_one_line_and_exit_2(
    inputs: tuple[Path, Path], tmp_path: Path, identities: str, expected: str
) -> None:
    source, _ = inputs
    bad = tmp_path / "bad.yaml"
    bad.write_text(identities)
    result = runner.invoke(app, ["publish", str(source), "--identities", str(bad)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(bad) in lines[0] and expected in lines[0]


def test_a_bad_determination_names_the_file_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "determination.json"
    bad.write_text(json.dumps({"items": []}))
    result = runner.invoke(app, ["publish", str(bad)])
    assert result.exit_code == 2
    assert str(bad) in result.stderr and "items" in result.stderr
