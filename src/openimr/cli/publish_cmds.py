"""``openimr publish`` and ``openimr export fhir``: publication and interchange commands.

Both read a determination (and optionally its case file and a file of identities), write
through the atomic writer, and turn bad input into one line naming the file and the field
(exit 2). Nothing they print holds an identifier: ``publish`` reports only how many spans of
each kind it removed.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from openimr.cli.letter_cmds import _load_determination
from openimr.cli.output import write_output

if TYPE_CHECKING:
    from openimr.casefile.model import CaseFile, Parties

__all__ = ["register"]

#: Largest identities file read (a list of names and numbers).
MAX_IDENTITIES_BYTES = 1024 * 1024


class PublishFormat(StrEnum):
    text = "text"
    html = "html"
    pdf = "pdf"
    json = "json"


class FhirKind(StrEnum):
    claim_response = "claim-response"
    bundle = "bundle"


def _fail(message: str, code: int = 2) -> typer.Exit:
    sys.stderr.write(f"error: {message}\n")
    return typer.Exit(code)


def load_identities(path: Path) -> Parties:
    """A file of parties (JSON or YAML, the case file's ``parties`` shape)."""
    import yaml
    from pydantic import ValidationError

    from openimr.casefile.load import describe_validation_error
    from openimr.casefile.model import Parties
    from openimr.errors import InputError

    source = str(path)
    try:
        if path.stat().st_size > MAX_IDENTITIES_BYTES:
            raise InputError(
                f"larger than the {MAX_IDENTITIES_BYTES} bytes accepted", source=source
            )
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise InputError("no such file", source=source) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the file ({exc})", source=source) from None
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        first = str(exc).splitlines()[0]
        raise InputError(f"malformed identities file: {first}", source=source) from None
    if isinstance(data, dict) and set(data) == {"parties"}:
        data = data["parties"]
    if not isinstance(data, dict):
        raise InputError("expected a mapping of parties", source=source)
    try:
        return Parties.model_validate(data)
    except ValidationError as exc:
        message, location = describe_validation_error(exc)
        error = InputError(message, source=source)
        error.location = location
        raise error from None


def _case(path: Path | None) -> CaseFile | None:
    if path is None:
        return None
    from openimr.casefile import load_case_file

    return load_case_file(path)


def publish(
    determination: Path = typer.Argument(..., help="A signed Determination as JSON."),
    case_file: Path | None = typer.Option(
        None, "--case-file", help="The case file: its parties and record authors are removed."
    ),
    identities: Path | None = typer.Option(
        None, "--identities", help="More parties to remove (JSON or YAML, the parties shape)."
    ),
    fmt: PublishFormat = typer.Option(PublishFormat.text, "--format", "-f", help="Output."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write here instead of stdout."),
    organization: str | None = typer.Option(
        None, "--organization", help="Name of the IMR organization on the letter."
    ),
) -> None:
    """The publishable (de-identified) letter, or with --format json the corpus record."""
    from openimr.errors import OpenIMRError
    from openimr.letters.render import LetterSettings
    from openimr.publication import publish as publish_letter
    from openimr.publication import redactor_for

    if out is None and fmt is PublishFormat.pdf and sys.stdout.isatty():
        raise _fail("a PDF is not written to a terminal; use --out FILE")
    settings = LetterSettings.from_environment()
    if organization:
        settings = LetterSettings(organization=organization)
    try:
        record = _load_determination(determination)
        parties = load_identities(identities) if identities is not None else None
        redactor = redactor_for(parties, _case(case_file))
        published = publish_letter(record, redactor, fmt.value, settings=settings)
    except OpenIMRError as exc:
        raise _fail(str(exc)) from None
    write_output(out, published.content)
    removed = ", ".join(f"{label} {n}" for label, n in sorted(published.removed.items()))
    sys.stderr.write(
        f"published: removed {sum(published.removed.values())} ({removed or 'none'})\n"
    )


def export_fhir(
    determination: Path | None = typer.Argument(
        None, help="A Determination as JSON (needed for a ClaimResponse)."
    ),
    case_file: Path | None = typer.Option(
        None, "--case-file", help="The case file (needed for a Bundle)."
    ),
    kind: FhirKind = typer.Option(
        FhirKind.claim_response, "--kind", help="claim-response, or bundle (case + response)."
    ),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write here instead of stdout."),
) -> None:
    """Export as FHIR R4: a determination as a ClaimResponse, a case as a Claim in a Bundle."""
    from openimr.errors import OpenIMRError
    from openimr.interop.fhir import case_bundle, claim_response

    try:
        record = _load_determination(determination) if determination is not None else None
        case = _case(case_file)
        if kind is FhirKind.claim_response:
            if record is None:
                raise _fail("a ClaimResponse needs DETERMINATION")
            resource = claim_response(record)
        else:
            if case is None:
                raise _fail("a Bundle needs --case-file")
            resource = case_bundle(case, record)
    except OpenIMRError as exc:
        source = str(determination) if determination is not None else str(case_file)
        message = str(exc)
        if not message.startswith(source):
            message = f"{source}: {message}"
        raise _fail(message) from None
    write_output(out, json.dumps(resource, indent=2, ensure_ascii=False) + "\n")


def register(app: typer.Typer) -> None:
    """Add ``publish`` and ``export fhir`` to the ``openimr`` command line."""
    app.command("publish")(publish)
    export_app = typer.Typer(help="Export to other systems' formats.", no_args_is_help=True)
    export_app.command("fhir")(export_fhir)
    app.add_typer(export_app, name="export")
