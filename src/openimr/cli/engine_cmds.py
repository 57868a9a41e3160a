"""Engine commands: ``review``, ``eval`` and ``schema``."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from openimr.cli.output import write_output


class ReviewFormat(StrEnum):
    json = "json"
    jsonl = "jsonl"
    text = "text"


class EvalFormat(StrEnum):
    text = "text"
    json = "json"


def review_command(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="Case files (JSON or YAML), folders of documents (one case each, with an "
            "optional case.yaml), or documents (PDF, TIFF, PNG, JPEG, text: one case together).",
            show_default=False,
        ),
    ],
    fmt: Annotated[
        ReviewFormat, typer.Option("--format", "-f", help="Output format.")
    ] = ReviewFormat.json,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write here instead of stdout.")
    ] = None,
    ur_date: Annotated[
        str | None, typer.Option("--ur-date", help="For documents: UR decision date.")
    ] = None,
    injury: Annotated[
        str | None, typer.Option("--date-of-injury", help="For documents: date of injury.")
    ] = None,
    requests: Annotated[
        list[str] | None,
        typer.Option("--request", help="For documents: a disputed request (repeatable)."),
    ] = None,
) -> None:
    """Propose a determination for every disputed item of each case file."""
    from openimr.cli.records_cmds import case_inputs
    from openimr.engine import review
    from openimr.engine.text_report import render_text
    from openimr.errors import CaseFileError

    inputs = case_inputs(files)
    single = len(inputs) == 1 and fmt is not ReviewFormat.jsonl
    chunks: list[str] = []
    failed = False
    for source in inputs:
        path = source.label
        try:
            case = source.load(requests, ur_date, injury)
        except CaseFileError as exc:
            failed = True
            if single:
                raise
            sys.stderr.write(f"error: {exc}\n")
            if fmt is ReviewFormat.text:
                chunks.append(f"== {path}: ERROR: {exc.detail}\n\n")
            else:
                chunks.append(json.dumps({"case_file": str(path), "error": str(exc)}) + "\n")
            continue
        determination = review(case)
        if fmt is ReviewFormat.text:
            chunks.append(render_text(determination) + "\n")
        elif single:
            chunks.append(determination.to_json(indent=2) + "\n")
        else:
            payload = determination.model_dump(mode="json")
            chunks.append(
                json.dumps({"case_file": str(path), **payload}, ensure_ascii=False) + "\n"
            )
    write_output(out, "".join(chunks))
    if failed:
        raise typer.Exit(1)


def eval_command(
    cases: Annotated[Path, typer.Argument(help="Evaluation cases (JSON lines: case + expected).")],
    fmt: Annotated[EvalFormat, typer.Option("--format", "-f")] = EvalFormat.text,
    out: Annotated[Path | None, typer.Option("--out", "-o")] = None,
    show_items: Annotated[
        bool, typer.Option("--items", help="List every item in text output.")
    ] = False,
    split: Annotated[
        str,
        typer.Option(
            "--split",
            help="Which cases: all, the tuning half or the check half (split by a hash of "
            "the case number; never tune on the check half).",
        ),
    ] = "all",
    fit_calibration: Annotated[
        Path | None,
        typer.Option(
            "--fit-calibration",
            help="Also fit the confidence calibration on these cases and write it here "
            "(fit on the tuning half only).",
        ),
    ] = None,
) -> None:
    """Measure agreement with real reviewers' decisions."""
    from rich.progress import Progress

    from openimr.corpus.evaluate import SPLITS, evaluate_cases
    from openimr.corpus.evaluation_report import render_evaluation
    from openimr.engine import ReviewEngine, settle_process

    if split not in SPLITS:
        raise typer.BadParameter(f"must be one of {', '.join(SPLITS)}", param_hint="--split")
    engine = ReviewEngine()
    settle_process()
    total = (
        sum(1 for line in cases.open(encoding="utf-8") if line.strip()) if cases.is_file() else 0
    )
    rows: list = []
    with Progress(transient=True, disable=not sys.stderr.isatty()) as progress:
        task = progress.add_task("reviewing", total=total)
        report = evaluate_cases(
            cases,
            engine.review,
            lambda done: progress.update(task, completed=done),
            split=split,  # type: ignore[arg-type]
            collect=(lambda item, agreed: rows.append((item, agreed))) if fit_calibration else None,
        )
    if fit_calibration is not None:
        from openimr.engine.confidence import dump, fit

        described = f"{cases.name}, {split} half" if split != "all" else f"{cases.name}, all"
        calibration = fit(rows, fitted_on=f"{described} ({report.cases} cases)")
        write_output(fit_calibration, dump(calibration))
    if fmt is EvalFormat.json:
        write_output(out, report.model_dump_json(indent=2) + "\n")
    else:
        write_output(out, render_evaluation(report, show_items=show_items))
    if report.errors:
        raise typer.Exit(1)


schema_app = typer.Typer(help="Publish the public contracts as JSON Schema.", no_args_is_help=True)


@schema_app.command("case-file")
def schema_case_file() -> None:
    """JSON Schema of the case-file format."""
    from openimr.casefile import CaseFile

    schema = CaseFile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://openimr.org/schema/case-file.json"
    sys.stdout.write(json.dumps(schema, indent=2, sort_keys=True) + "\n")


@schema_app.command("determination")
def schema_determination() -> None:
    """JSON Schema of the determination (output of ``review``)."""
    from openimr.domain import Determination

    schema = Determination.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://openimr.org/schema/determination.json"
    sys.stdout.write(json.dumps(schema, indent=2, sort_keys=True) + "\n")


def register(app: typer.Typer) -> None:
    app.command("review")(review_command)
    app.command("eval")(eval_command)
    app.add_typer(schema_app, name="schema")
