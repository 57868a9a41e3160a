"""Case files built from the documents an IMR organization receives.

:func:`read_documents` reads documents into records (the function the case workflow calls when
documents arrive); :func:`build_case_file` adds what the documents cannot say for certain (the
disputed requests, the UR decision date, the date of injury), given as options or in a
sidecar case file, and validates the result against the case-file contract.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from openimr.casefile import CaseFile, parse_case_data
from openimr.errors import CaseFileError
from openimr.records.errors import DocumentError
from openimr.records.model import (
    BuiltCase,
    DocumentSummary,
    Duplicate,
    PageFlag,
    RecordSet,
    SplitRecord,
)
from openimr.records.read import DOCUMENT_SUFFIXES, count_pages, read_pages
from openimr.records.split import Deduplicator, split_pages

__all__ = [
    "SIDECAR_NAMES",
    "CaseDetails",
    "build_case_file",
    "collect_documents",
    "load_sidecar",
    "read_documents",
]

#: The names a folder's sidecar case file (requests, dates, claimant) may have.
SIDECAR_NAMES = ("case.yaml", "case.yml", "case.json")
MAX_SIDECAR_BYTES = 1024 * 1024

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class CaseDetails:
    """What a case file needs besides its records; any field left None is not set."""

    requests: tuple[str, ...] = ()
    ur_decision_date: date | None = None
    date_of_injury: date | None = None
    case_id: str | None = None
    sidecar: dict[str, Any] = field(default_factory=dict)
    sidecar_source: str | None = None


def collect_documents(folder: Path) -> list[Path]:
    """The documents in a folder and its sub-folders, by name; hidden files and sidecars skipped."""
    found = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if any(part.startswith(".") for part in relative.parts) or not path.is_file():
            continue
        if relative.name in SIDECAR_NAMES and len(relative.parts) == 1:
            continue
        if path.suffix.lower() in DOCUMENT_SUFFIXES:
            found.append(path)
    return found


def load_sidecar(path: Path) -> dict[str, Any]:
    """A sidecar: case-file fields in YAML or JSON (``records`` optional)."""
    source = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_SIDECAR_BYTES:
            raise CaseFileError(f"a sidecar of {size} bytes is too large", source=source)
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise CaseFileError("not UTF-8 text", source=source) from None
    except OSError as exc:
        raise CaseFileError(
            f"cannot read the file ({exc.strerror or exc})", source=source
        ) from None
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise CaseFileError(f"malformed sidecar ({exc})", source=source) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise CaseFileError("expected a mapping of case-file fields", source=source)
    return data


def _names(paths: Sequence[Path]) -> list[str]:
    """How each document is named in records: its file name, or its path where names clash."""
    names = [path.name for path in paths]
    if len(set(names)) == len(names):
        return names
    return [str(path) for path in paths]


def read_documents(
    paths: Sequence[Path],
    *,
    names: Sequence[str] | None = None,
    progress: Progress | None = None,
    errors: list[DocumentError] | None = None,
    today: date | None = None,
) -> RecordSet:
    """Every record in the documents, in the order given.

    With ``errors``, a document that cannot be read is added there and the others are read;
    without, its :class:`DocumentError` is raised. ``progress(done, total)`` is called per page.
    """
    names = list(names) if names is not None else _names(paths)
    today = today or date.today()
    totals: list[int] = []
    for path in paths:
        try:
            totals.append(count_pages(path))
        except DocumentError:
            totals.append(0)
    total = sum(totals)
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        if progress:
            progress(done, max(total, done))

    summaries: list[DocumentSummary] = []
    deduplicator = Deduplicator()
    duplicates: list[Duplicate] = []
    flags: list[PageFlag] = []
    for path, name in zip(paths, names, strict=True):
        notes: list[tuple[int, str]] = []
        try:
            info, pages = read_pages(path, name=name, flags=notes, on_page=tick)
            counted = 0
            ocr = 0

            def counting(pages=pages):  # type: ignore[no-untyped-def]
                nonlocal counted, ocr
                for page in pages:
                    counted += 1
                    ocr += page.method == "ocr"
                    yield page

            found, twins = split_pages(counting(), deduplicator)
        except DocumentError as exc:
            if errors is None:
                raise
            errors.append(exc)
            continue
        duplicates.extend(twins)
        flags.extend(PageFlag(document=name, page=page, reason=why) for page, why in notes)
        summaries.append(
            DocumentSummary(
                document=name, sha256=info.sha256, pages=counted, ocr_pages=ocr, records=len(found)
            )
        )
    records: list[SplitRecord] = []
    for record in deduplicator.records():
        if record.date is not None and record.date > today:
            flags.append(
                PageFlag(
                    document=record.document,
                    page=record.pages[0],
                    reason="the date read on this record is in the future; left undated",
                )
            )
            record = record.model_copy(update={"date": None})
        records.append(record)
    return RecordSet(
        documents=tuple(summaries),
        records=tuple(records),
        duplicates=tuple(duplicates),
        flags=tuple(flags),
    )


def _case_data(details: CaseDetails) -> dict[str, Any]:
    data = dict(details.sidecar)
    if details.case_id is not None:
        data["case_id"] = details.case_id
    if details.ur_decision_date is not None:
        data["ur_decision_date"] = details.ur_decision_date.isoformat()
    if details.date_of_injury is not None:
        claimant = dict(data.get("claimant") or {})
        claimant["date_of_injury"] = details.date_of_injury.isoformat()
        data["claimant"] = claimant
    if details.requests:
        data["disputed_items"] = [{"request": request} for request in details.requests]
    return data


def build_case_file(
    paths: Sequence[Path],
    details: CaseDetails,
    *,
    source: str = "<documents>",
    names: Sequence[str] | None = None,
    progress: Progress | None = None,
    errors: list[DocumentError] | None = None,
    today: date | None = None,
) -> BuiltCase:
    """A case file from documents and the details they cannot give.

    Raises :class:`CaseFileError` when the result breaks the contract (no request, no record,
    a UR date before the injury), naming ``source``; document errors as in
    :func:`read_documents`. With ``errors`` given and a document failing, no case file is
    built from the rest: :class:`CaseFileError` says how many documents failed.
    """
    found = read_documents(paths, names=names, progress=progress, errors=errors, today=today)
    if errors:
        raise CaseFileError(
            f"{len(errors)} of {len(paths)} document(s) could not be read; no case file built",
            source=source,
        )
    data = _case_data(details)
    if "disputed_items" not in data:
        raise CaseFileError(
            "no disputed request: give --request (or disputed_items in a sidecar case.yaml)",
            source=source,
        )
    base_records = list(data.get("records") or [])
    data["records"] = base_records + [
        record.to_record().model_dump(mode="json", exclude_none=True) for record in found.records
    ]
    if not data["records"]:
        raise CaseFileError("no record text was found in the documents", source=source)
    case: CaseFile = parse_case_data(data, source=details.sidecar_source or source, today=today)
    return BuiltCase(case_file=case, records=found, first_document_record=len(base_records))
