"""``openimr letter``, ``openimr parse`` and ``openimr check``: the letters layer's commands.

Heavy modules (WeasyPrint, PDFium, the parser's tables) are imported inside the commands so
that ``openimr --help`` stays fast. Each command turns our errors into one line on stderr:
``letter`` exits 2 on bad input; ``parse`` and ``check`` go on through a batch, report each
failed file on its own line and exit 1 if any file failed (or, for ``check``, if any error was
found).
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from openimr.cli.output import write_output

if TYPE_CHECKING:
    from openimr.domain import Determination

__all__ = ["register"]

#: Largest determination JSON accepted by ``openimr letter`` (a determination is a few kB).
MAX_DETERMINATION_BYTES = 10 * 1024 * 1024


class RenderFormat(StrEnum):
    text = "text"
    html = "html"
    pdf = "pdf"


class ParseFormat(StrEnum):
    json = "json"
    jsonl = "jsonl"


class CheckFormat(StrEnum):
    text = "text"
    json = "json"


def _fail(message: str, code: int) -> typer.Exit:
    sys.stderr.write(f"error: {message}\n")
    return typer.Exit(code)


def _load_determination(path: Path) -> Determination:
    """A determination from a JSON file, or a LetterError naming the file and the field."""
    from pydantic import ValidationError

    from openimr.domain import Determination
    from openimr.errors import LetterError

    try:
        size = path.stat().st_size
        if size > MAX_DETERMINATION_BYTES:
            raise LetterError(
                f"{size} bytes is larger than the {MAX_DETERMINATION_BYTES} bytes accepted",
                source=str(path),
            )
        data = path.read_bytes()
    except OSError as exc:
        raise LetterError(
            f"cannot read the file ({exc.strerror or exc})", source=str(path)
        ) from None
    try:
        return Determination.model_validate_json(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "document"
        raise LetterError(
            f"not a valid determination: {first['msg']}", source=str(path), location=where
        ) from None


def letter(
    determination: Path = typer.Argument(..., help="A Determination as JSON (openimr review)."),
    fmt: RenderFormat = typer.Option(RenderFormat.text, "--format", "-f", help="Output format."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write here instead of stdout."),
    organization: str | None = typer.Option(
        None,
        "--organization",
        help="Name of the IMR organization (default: OPENIMR_ORGANIZATION or OpenIMR).",
    ),
) -> None:
    """Render a Final Determination Letter (text, HTML or PDF) from a determination.

    Only a signed determination (the reviewer's, with credentials and a decision date) gives a
    final letter; a proposal or an unsigned draft gives a letter marked DRAFT on every page.
    """
    from openimr.errors import OpenIMRError
    from openimr.letters.render import LetterSettings, render_letter

    settings = LetterSettings.from_environment()
    if organization:
        settings = LetterSettings(organization=organization)
    try:
        data = render_letter(_load_determination(determination), fmt.value, settings=settings)
    except OpenIMRError as exc:
        raise _fail(str(exc), 2) from None
    if out is None and fmt is RenderFormat.pdf and sys.stdout.isatty():
        raise _fail("a PDF is not written to a terminal; use --out FILE", 2)
    write_output(out, data)


def parse(
    files: list[Path] = typer.Argument(..., help="Letters: .pdf or extracted .txt files."),
    fmt: ParseFormat = typer.Option(ParseFormat.json, "--format", "-f", help="Output format."),
) -> None:
    """Read published letters into determinations (source=letter).

    json: one file gives its determination; several give an array of {file, determination}
    or {file, error}. jsonl: one such object per line. Exit code 1 if any file failed.
    """
    from openimr.errors import OpenIMRError
    from openimr.letters.parse import parse_letter

    results: list[dict[str, object]] = []
    failed = 0
    for path in files:
        try:
            determination = parse_letter(path)
        except OpenIMRError as exc:
            failed += 1
            entry: dict[str, object] = {
                "file": str(path),
                "error": str(getattr(exc, "detail", exc)),
            }
        else:
            entry = {"file": str(path), "determination": determination.model_dump(mode="json")}
        if fmt is ParseFormat.jsonl:
            sys.stdout.write(json.dumps(entry, ensure_ascii=False) + "\n")
            sys.stdout.flush()
        else:
            results.append(entry)
    if fmt is ParseFormat.json:
        if len(files) == 1:
            only = results[0]
            if "error" in only:
                raise _fail(f"{only['file']}: {only['error']}", 1)
            sys.stdout.write(json.dumps(only["determination"], indent=2, ensure_ascii=False) + "\n")
        else:
            sys.stdout.write(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    if failed:
        raise typer.Exit(1)


def check(
    files: list[Path] = typer.Argument(..., help="Letters: .pdf or extracted .txt files."),
    fmt: CheckFormat = typer.Option(CheckFormat.text, "--format", "-f", help="Output format."),
) -> None:
    """Find a letter's internal inconsistencies. Exit code 1 if any error is found.

    text: one line per finding (file:line: severity: message [code]), then the words it rests
    on, quoted on a line of its own starting with "    > ". json: one object a line.
    """
    from openimr.errors import OpenIMRError
    from openimr.letters.check import check_parsed
    from openimr.letters.parse import read_letter

    any_error = False
    for path in files:
        try:
            findings = check_parsed(read_letter(path))
        except OpenIMRError as exc:
            any_error = True
            message = str(getattr(exc, "detail", exc))
            if fmt is CheckFormat.json:
                entry = {"file": str(path), "error": message}
                sys.stdout.write(json.dumps(entry, ensure_ascii=False) + "\n")
            else:
                sys.stdout.write(f"{path}: error: cannot read the letter: {message} [unreadable]\n")
            continue
        any_error = any_error or any(f.severity == "error" for f in findings)
        for finding in findings:
            if fmt is CheckFormat.json:
                entry = {"file": str(path), **finding.as_dict()}
                sys.stdout.write(json.dumps(entry, ensure_ascii=False) + "\n")
            else:
                where = f"{path}:{finding.line}" if finding.line else str(path)
                sys.stdout.write(
                    f"{where}: {finding.severity}: {finding.message} [{finding.code}]\n"
                )
                if finding.quote:
                    sys.stdout.write(f"    > {finding.quote}\n")
    sys.stdout.flush()
    if any_error:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add ``letter``, ``parse`` and ``check`` to the ``openimr`` command line."""
    app.command("letter")(letter)
    app.command("parse")(parse)
    app.command("check")(check)
