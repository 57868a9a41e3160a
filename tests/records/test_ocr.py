"""Scanned and faxed records read with Tesseract: text, orientation, skew, confidence flags."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from rapidfuzz.distance import Levenshtein

from openimr.records import DocumentKind, read_documents
from openimr.records.read import read_pages

pytestmark = pytest.mark.usefixtures("needs_ocr")


def _cer(read: str, truth: str) -> float:
    a, b = " ".join(read.split()), " ".join(truth.split())
    return Levenshtein.distance(a, b) / max(len(b), 1)


@pytest.fixture(scope="module")
def truth_pages(bundle_pdf: Path) -> list[str]:
    _, pages = read_pages(bundle_pdf)
    return [page.text for page in pages]


def test_a_300_dpi_scan_reads_like_the_text_layer_even_upside_down_or_sideways(
    recordgen,
    bundle_pdf: Path,
    truth_pages: list[str],
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    scan = tmp_path / "scan.pdf"
    # pages 1-3, page 2 turned a half or quarter turn (the seed picks which) and all skewed
    scan.write_bytes(
        recordgen.scan(
            bundle_pdf.read_bytes(), mode="scan", pages=[1, 2, 3], rotate_every=2, seed=3
        )
    )
    flags: list[tuple[int, str]] = []
    _, pages = read_pages(scan, flags=flags)
    read = list(pages)
    assert [p.method for p in read] == ["ocr"] * 3
    for page, truth in zip(read, truth_pages, strict=False):
        assert _cer(page.text, truth) <= 0.02, page.number
        assert page.confidence is not None and page.confidence > 80
    assert flags == []


def test_a_fax_is_read_and_its_stamp_left_out(
    recordgen,
    bundle,
    bundle_pdf: Path,
    truth_pages: list[str],
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    fax = tmp_path / "fax.tif"
    fax.write_bytes(recordgen.scan(bundle_pdf.read_bytes(), mode="fax", pages=[1, 2], seed=4))
    found = read_documents([fax])
    _, pages = read_pages(fax)
    for page, truth in zip(pages, truth_pages, strict=False):
        assert _cer(page.text, truth) <= 0.05
        assert "FROM:" not in page.text
    first = found.records[0]
    assert first.kind is DocumentKind(bundle.documents[0].kind)
    assert first.date == bundle.documents[0].date
    assert first.ocr_pages and first.ocr_confidence is not None


def test_png_and_jpeg_scans_are_pages_too(
    bundle_pdf: Path, truth_pages: list[str], tmp_path: Path
) -> None:
    import pypdfium2

    document = pypdfium2.PdfDocument(bundle_pdf)
    image = document[0].render(scale=300 / 72, grayscale=True).to_pil().convert("L")
    document.close()
    for suffix, kind in ((".png", "PNG"), (".jpg", "JPEG")):
        path = tmp_path / f"page{suffix}"
        buffer = io.BytesIO()
        image.save(buffer, kind, dpi=(300, 300))
        path.write_bytes(buffer.getvalue())
        (page,) = list(read_pages(path)[1])
        assert _cer(page.text, truth_pages[0]) <= 0.02


def test_an_illegible_page_is_flagged_for_the_physician(tmp_path: Path) -> None:
    import numpy as np

    noise = np.random.default_rng(7).integers(0, 256, (1100, 850), dtype=np.uint8)
    path = tmp_path / "smudge.png"
    Image.fromarray(noise, "L").save(path, dpi=(100, 100))
    flags: list[tuple[int, str]] = []
    list(read_pages(path, flags=flags)[1])
    assert len(flags) == 1 and flags[0][0] == 1
    assert "no text could be read" in flags[0][1] or "low confidence" in flags[0][1]
