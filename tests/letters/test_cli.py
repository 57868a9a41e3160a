"""``openimr letter``, ``parse`` and ``check``: output, per-file errors and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import typer
from typer.testing import CliRunner

from openimr.domain import Determination

runner = CliRunner()


def _run(app: typer.Typer, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def test_letter_renders_each_format(cli: typer.Typer, fixtures: Path, tmp_path: Path) -> None:
    source = fixtures / "openimr-determination.json"
    result = _run(cli, "letter", source)
    assert result.exit_code == 0
    assert result.stdout == (fixtures / "openimr-letter.txt").read_text()
    out = tmp_path / "letter.pdf"
    result = _run(cli, "letter", source, "--format", "pdf", "--out", out)
    assert result.exit_code == 0
    # the same bytes as the library gives (the committed PDF may come from other font builds)
    from openimr.letters import render_letter

    expected = render_letter(Determination.model_validate_json(source.read_text()), "pdf")
    assert out.read_bytes() == expected
    result = _run(cli, "letter", source, "-f", "html", "--organization", "Sierra Review")
    assert result.exit_code == 0 and "<h1>FINAL DETERMINATION LETTER</h1>" in result.stdout
    assert "Sierra Review" in result.stdout


def test_letter_of_an_unsigned_proposal_is_a_draft(
    cli: typer.Typer, fixtures: Path, tmp_path: Path
) -> None:
    signed = Determination.model_validate_json(
        (fixtures / "openimr-determination.json").read_text()
    )
    proposal = tmp_path / "proposal.json"
    proposal.write_text(signed.model_copy(update={"source": "engine"}).model_dump_json())
    for fmt in ("text", "html"):
        result = _run(cli, "letter", proposal, "--format", fmt)
        assert result.exit_code == 0
        assert "DRAFT DETERMINATION LETTER" in result.stdout
        assert "FINAL DETERMINATION LETTER" not in result.stdout


def test_letter_refuses_bad_input_with_exit_2(cli: typer.Typer, tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"items": []}')
    result = _run(cli, "letter", broken)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {broken}: items: not a valid determination")
    assert "Traceback" not in result.output
    result = _run(cli, "letter", tmp_path / "absent.json")
    assert result.exit_code == 2 and "cannot read the file" in result.stderr
    assert _run(cli, "letter", broken, "--format", "docx").exit_code == 2


def test_parse_one_file_prints_its_determination(cli: typer.Typer, fixtures: Path) -> None:
    result = _run(cli, "parse", fixtures / "openimr-letter.pdf")
    assert result.exit_code == 0
    parsed = Determination.model_validate(json.loads(result.stdout))
    assert parsed.source == "letter" and parsed.case_id == "CM26-0004711"


def test_parse_batch_goes_on_after_a_failure(
    cli: typer.Typer, fixtures: Path, tmp_path: Path
) -> None:
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    files = [fixtures / "fdl-2016.txt", empty, fixtures / "notice-2013.txt"]
    result = _run(cli, "parse", *files, "--format", "jsonl")
    assert result.exit_code == 1
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["file"] for line in lines] == [str(f) for f in files]
    assert lines[1] == {"file": str(empty), "error": "the file is empty"}
    assert lines[0]["determination"]["case_id"] == "CM16-0000901"
    assert lines[2]["determination"]["case_id"] == "CM13-0000777"
    result = _run(cli, "parse", *files)
    assert result.exit_code == 1
    assert [("error" in entry) for entry in json.loads(result.stdout)] == [False, True, False]


def test_parse_exit_codes(cli: typer.Typer, fixtures: Path, tmp_path: Path) -> None:
    ok = [fixtures / "fdl-2014.txt", fixtures / "fdl-later.txt"]
    assert _run(cli, "parse", *ok, "--format", "jsonl").exit_code == 0
    assert _run(cli, "parse").exit_code == 2
    assert _run(cli, "parse", ok[0], "--format", "xml").exit_code == 2
    memo = tmp_path / "memo.txt"
    memo.write_text("Lunch is at noon.\n")
    result = _run(cli, "parse", memo)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {memo}: not a Final Determination Letter")


def test_check_reports_findings_and_exit_codes(cli: typer.Typer, fixtures: Path) -> None:
    bad = fixtures / "fdl-2014-chapter-error.txt"
    result = _run(cli, "check", bad)
    assert result.exit_code == 1
    assert result.stdout.startswith(f"{bad}:31: error: the IMR guideline cites Chapter 13")
    first, quoted = result.stdout.splitlines()
    assert first.endswith("[chapter-page]")
    # the words the finding rests on: the citation as the letter states it
    assert quoted == "    > Decision based on MTUS ACOEM Chapter 13 Knee Complaints Page(s): 306."
    assert _run(cli, "check", fixtures / "fdl-2016.txt").exit_code == 0
    result = _run(cli, "check", fixtures / "fdl-2016.txt", bad, "--format", "json")
    entries = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.exit_code == 1
    assert entries[0]["severity"] == "error" and entries[0]["line"] == 31
    assert entries[0]["item"] == 1 and "Chapter 13" in entries[0]["quote"]


def test_check_counts_an_unreadable_letter_as_an_error(
    cli: typer.Typer, fixtures: Path, tmp_path: Path
) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    result = _run(cli, "check", fixtures / "fdl-2016.txt", empty)
    assert result.exit_code == 1
    assert (
        result.stdout == f"{empty}: error: cannot read the letter: the file is empty [unreadable]\n"
    )


def test_command_module_imports_no_heavy_library() -> None:
    """``openimr --help`` stays fast: registering the commands loads no PDF machinery."""
    code = (
        "import sys\n"
        "import openimr.cli.letter_cmds as m\n"
        "import typer; m.register(typer.Typer())\n"
        "heavy = {'weasyprint', 'pypdfium2', 'pypdf', 'openimr.letters.parse', 'jinja2'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert output.stdout.strip() == "[]"
