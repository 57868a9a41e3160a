"""``openimr casefile build``: a case file from the documents as they arrive (PDFs, scans, faxes).

Also the part of ``openimr review`` that turns folders and documents into case files: a
folder is one case (its documents and an optional sidecar ``case.yaml``); documents named
on the command line together are one case. Each document that cannot be read is reported on
its own line naming the file and page; then no case file is written and the exit code is 2.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from openimr.cli.output import write_output

if TYPE_CHECKING:
    from openimr.casefile import CaseFile
    from openimr.records import BuiltCase, CaseDetails

__all__ = ["CaseInput", "case_inputs", "register"]

_CASE_SUFFIXES = {".json", ".yaml", ".yml"}

casefile_app = typer.Typer(help="Build case files from documents.", no_args_is_help=True)


def _date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a date written YYYY-MM-DD", param_hint=option
        ) from None


def details_from_options(
    requests: Sequence[str] | None,
    ur_date: str | None,
    injury: str | None,
    case_id: str | None,
    sidecar: Path | None = None,
) -> CaseDetails:
    from openimr.records import CaseDetails, load_sidecar

    return CaseDetails(
        requests=tuple(requests or ()),
        ur_decision_date=_date(ur_date, "--ur-date"),
        date_of_injury=_date(injury, "--date-of-injury"),
        case_id=case_id,
        sidecar=load_sidecar(sidecar) if sidecar else {},
        sidecar_source=str(sidecar) if sidecar else None,
    )


@contextmanager
def _progress(label: str) -> Iterator[Callable[[int, int], None]]:
    """A Rich progress bar on stderr (only on a terminal), as a ``(done, total)`` callback."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    console = Console(stderr=True)
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as progress:
        task = progress.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield update


def _expand(paths: Sequence[Path]) -> list[Path]:
    from openimr.records import collect_documents

    out: list[Path] = []
    for path in paths:
        out.extend(collect_documents(path) if path.is_dir() else [path])
    return out


def build_from_documents(paths: Sequence[Path], details: CaseDetails, *, source: str) -> BuiltCase:
    """Read documents into a case file; every unreadable document is written to stderr first."""
    from openimr.errors import CaseFileError
    from openimr.records import DocumentError, build_case_file

    documents = _expand(paths)
    if not documents:
        raise CaseFileError("no documents (PDF, TIFF, PNG, JPEG or text) found", source=source)
    errors: list[DocumentError] = []
    with _progress("reading documents") as progress:
        try:
            return build_case_file(
                documents, details, source=source, progress=progress, errors=errors
            )
        except CaseFileError:
            for error in errors:
                sys.stderr.write(f"error: {error}\n")
            raise


def _summary(built: BuiltCase) -> None:
    """One line on stderr: how many records, pages read by OCR, duplicates, flags (no PHI)."""
    records = built.records
    pages = sum(d.pages for d in records.documents)
    ocr = sum(d.ocr_pages for d in records.documents)
    dupes = sum(1 for d in records.duplicates if d.what == "record")
    repeated = sum(1 for d in records.duplicates if d.what == "page")
    sys.stderr.write(
        f"{len(records.records)} record(s) from {pages} page(s) of {len(records.documents)} "
        f"document(s); {ocr} page(s) read by OCR; {dupes} duplicate record(s) and "
        f"{repeated} repeated page(s) kept once; {len(records.flags)} page(s) flagged\n"
    )
    for flag in records.flags:
        sys.stderr.write(f"flag: {flag.document}: page {flag.page}: {flag.reason}\n")


@casefile_app.command("build")
def build_command(
    files: Annotated[
        list[Path],
        typer.Argument(help="Documents (PDF, TIFF, PNG, JPEG, text) or folders of them."),
    ],
    ur_date: Annotated[
        str | None, typer.Option("--ur-date", help="UR decision date, YYYY-MM-DD.")
    ] = None,
    injury: Annotated[
        str | None, typer.Option("--date-of-injury", help="Date of injury, YYYY-MM-DD.")
    ] = None,
    requests: Annotated[
        list[str] | None,
        typer.Option("--request", help="A disputed request as worded (repeat for each)."),
    ] = None,
    case_id: Annotated[str | None, typer.Option("--case-id")] = None,
    sidecar: Annotated[
        Path | None,
        typer.Option("--sidecar", help="Case-file fields (YAML/JSON) to build on."),
    ] = None,
    manifest: Annotated[
        Path | None,
        typer.Option(
            "--manifest",
            help="Also write the records found: detailed kinds, pages, page maps, "
            "OCR confidence, duplicates, flags (JSON).",
        ),
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o")] = None,
) -> None:
    """Print the case file (JSON) built from the documents."""
    if sidecar is None and len(files) == 1 and files[0].is_dir():
        sidecar = _folder_sidecar(files[0])
    details = details_from_options(requests, ur_date, injury, case_id, sidecar)
    source = str(files[0]) if len(files) == 1 else "<documents>"
    built = build_from_documents(files, details, source=source)
    _summary(built)
    if manifest is not None:
        write_output(manifest, built.records.model_dump_json(indent=2) + "\n")
    write_output(out, built.case_file.model_dump_json(indent=2, exclude_none=True) + "\n")


def _folder_sidecar(folder: Path) -> Path | None:
    from openimr.records import SIDECAR_NAMES

    return next((folder / n for n in SIDECAR_NAMES if (folder / n).is_file()), None)


@dataclass(frozen=True)
class CaseInput:
    """One case for ``openimr review``: a case file, a folder, or documents named together."""

    label: str
    case_file: Path | None = None
    documents: tuple[Path, ...] = ()
    sidecar: Path | None = None

    def load(
        self,
        requests: Sequence[str] | None = None,
        ur_date: str | None = None,
        injury: str | None = None,
        case_id: str | None = None,
    ) -> CaseFile:
        from openimr.casefile import load_case_file

        if self.case_file is not None:
            return load_case_file(self.case_file)
        details = details_from_options(requests, ur_date, injury, case_id, self.sidecar)
        return build_from_documents(self.documents, details, source=self.label).case_file


def case_inputs(paths: Sequence[Path]) -> list[CaseInput]:
    """Case files (JSON, YAML) are each a case; each folder is a case; the remaining
    documents are one case together, in the place of the first of them."""
    inputs: list[CaseInput] = []
    loose: list[Path] = []
    slot: int | None = None
    for path in paths:
        if path.is_dir():
            inputs.append(CaseInput(str(path), documents=(path,), sidecar=_folder_sidecar(path)))
        elif path.suffix.lower() in _CASE_SUFFIXES or not path.exists():
            inputs.append(CaseInput(str(path), case_file=path))
        else:
            if slot is None:
                slot = len(inputs)
            loose.append(path)
    if loose:
        label = str(loose[0]) if len(loose) == 1 else f"{loose[0]} (+{len(loose) - 1} documents)"
        inputs.insert(slot or 0, CaseInput(label, documents=tuple(loose)))
    return inputs


def register(app: typer.Typer) -> None:
    app.add_typer(casefile_app, name="casefile")
