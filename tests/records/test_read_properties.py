"""The document reader never fails but by naming the document: any bytes under any name, and a
small text PDF damaged at random, give records or a :class:`DocumentError`, and a page picture
or a 4xx error; the log of the run names no identifier the documents carried.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from bench.recordgen import text_pdf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.support import FUZZ

from openimr.errors import InputError, NotFound
from openimr.records import DocumentError, read_documents
from openimr.records.read import DOCUMENT_SUFFIXES, page_picture

PLANTED = "Zebulon Quixote"


BASE_PDF = text_pdf(f"Progress report. Patient {PLANTED}, date of birth 04/17/1961. Low back pain.")
SUFFIXES = sorted(DOCUMENT_SUFFIXES)


def _read(tmp_path: Path, content: bytes, suffix: str) -> None:
    path = tmp_path / f"document{suffix}"
    path.write_bytes(content)
    errors: list[DocumentError] = []
    read_documents([path], errors=errors)
    for error in errors:
        assert error.detail and "document" in str(error)
    try:
        picture = page_picture(content, 1, source=path.name)
    except (NotFound, InputError):
        return
    assert picture.png.startswith(b"\x89PNG")


def test_the_undamaged_pdf_is_read(tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(BASE_PDF)
    records = read_documents([path])
    assert PLANTED in records.case_records()[0].text


@given(content=st.binary(max_size=600), suffix=st.sampled_from(SUFFIXES))
@settings(FUZZ)
def test_any_bytes_under_any_name_are_read_or_named(
    tmp_path_factory: pytest.TempPathFactory, content: bytes, suffix: str
) -> None:
    _read(tmp_path_factory.mktemp("doc"), content, suffix)


@given(
    edits=st.lists(
        st.tuples(st.integers(0, len(BASE_PDF) - 1), st.binary(min_size=0, max_size=8)),
        min_size=1,
        max_size=6,
    ),
    cut=st.integers(0, len(BASE_PDF)),
)
@settings(
    FUZZ, suppress_health_check=[*FUZZ.suppress_health_check, HealthCheck.function_scoped_fixture]
)
def test_a_damaged_pdf_is_read_or_named_and_nothing_it_says_is_logged(
    tmp_path_factory: pytest.TempPathFactory,
    caplog: pytest.LogCaptureFixture,
    edits: list[tuple[int, bytes]],
    cut: int,
) -> None:
    content = bytearray(BASE_PDF[: max(cut, 64)])
    for at, replacement in edits:
        at = min(at, len(content))
        content[at : at + len(replacement)] = replacement
    caplog.set_level(logging.DEBUG)
    _read(tmp_path_factory.mktemp("doc"), bytes(content), ".pdf")
    logged = "\n".join(logging.Formatter().format(record) for record in caplog.records)
    assert PLANTED not in logged and "1961" not in logged
