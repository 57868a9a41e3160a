"""Writing command output: to stdout, or to a file that is never left half-written."""

from __future__ import annotations

import sys
from pathlib import Path

from openimr.errors import InputError


def write_output(out: Path | None, data: str | bytes) -> None:
    """Write to ``out`` through a temporary file renamed into place, or to stdout."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if out is None:
        sys.stdout.buffer.write(raw)
        sys.stdout.flush()
        return
    tmp = out.with_name(out.name + ".partial")
    try:
        tmp.write_bytes(raw)
        tmp.replace(out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError(f"cannot write: {exc.strerror or exc}", source=str(out)) from None
