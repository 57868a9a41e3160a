"""Generated record bundles (no real records can be shipped): text PDFs and their scans."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from openimr.records import ocr_available

ROOT = Path(__file__).resolve().parents[2]


def _recordgen() -> ModuleType:
    if "recordgen" in sys.modules:
        return sys.modules["recordgen"]
    spec = importlib.util.spec_from_file_location("recordgen", ROOT / "bench" / "recordgen.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["recordgen"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def recordgen() -> ModuleType:
    return _recordgen()


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
