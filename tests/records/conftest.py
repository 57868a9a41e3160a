"""Generated record bundles (no real records can be shipped): text PDFs and their scans."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest
from bench import recordgen as _recordgen

from openimr.records import ocr_available


@pytest.fixture(scope="session")
def recordgen() -> ModuleType:
    return _recordgen


@pytest.fixture(scope="session")
def bundle(recordgen: ModuleType):  # type: ignore[no-untyped-def]
    """A twelve-report bundle with one report sent twice and one page sent twice."""
    return recordgen.make_bundle(11, 12)


@pytest.fixture(scope="session")
def bundle_pdf(bundle, tmp_path_factory: pytest.TempPathFactory) -> Path:  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("bundle") / "bundle.pdf"
    path.write_bytes(bundle.pdf)
    return path


@pytest.fixture
def needs_ocr() -> None:
    if not ocr_available():
        pytest.skip("Tesseract (tesseract-ocr, tesseract-ocr-eng) is not installed")
