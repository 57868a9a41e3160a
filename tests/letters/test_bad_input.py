"""Bad input gives one clear LetterError naming the file, never a traceback."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from openimr.errors import LetterError
from openimr.letters import parse_letter
from openimr.letters.extract import MAX_LETTER_BYTES, read_letter_text


def _error(path: Path) -> LetterError:
    with pytest.raises(LetterError) as caught:
        parse_letter(path)
    assert caught.value.source == str(path)
    assert str(path) in str(caught.value)
    return caught.value


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.pdf"
    path.write_bytes(b"")
    assert "empty" in _error(path).detail
    blank = tmp_path / "blank.txt"
    blank.write_text("  \n\n\t \n")
    assert "empty" in _error(blank).detail


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "image.txt"
    rng = random.Random(7)
    path.write_bytes(bytes(rng.randrange(256) for _ in range(4096)))
    assert "binary" in _error(path).detail
    no_nul = tmp_path / "compressed.txt"
    no_nul.write_bytes(bytes(rng.randrange(1, 256) for _ in range(4096)))
    assert "binary" in _error(no_nul).detail
    assert "binary" in _error(path).detail


def test_encrypted_pdf(tmp_path: Path, fixtures: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(fixtures / "openimr-letter.pdf").pages:
        writer.add_page(page)
    writer.encrypt(user_password="secret", owner_password="owner")
    path = tmp_path / "locked.pdf"
    with path.open("wb") as handle:
        writer.write(handle)
    assert "encrypted" in _error(path).detail


def test_corrupt_pdf(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.pdf"
    path.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n")
    assert "PDF" in _error(path).detail


def test_truncated_pdf_is_a_letter_or_a_clear_error(tmp_path: Path, fixtures: Path) -> None:
    data = (fixtures / "openimr-letter.pdf").read_bytes()
    for fraction in (0.1, 0.5, 0.9):
        path = tmp_path / f"cut-{fraction}.pdf"
        path.write_bytes(data[: int(len(data) * fraction)])
        try:
            parse_letter(path)
        except LetterError as exc:
            assert exc.source == str(path)


def test_pdf_without_text_layer(tmp_path: Path) -> None:
    import pypdfium2

    document = pypdfium2.PdfDocument.new()
    document.new_page(612, 792)
    path = tmp_path / "scan.pdf"
    document.save(path)
    document.close()
    assert "no text layer" in _error(path).detail


def test_unknown_format(tmp_path: Path) -> None:
    path = tmp_path / "memo.txt"
    path.write_text("Dear colleague,\nThe meeting moved to Thursday at 10:00.\nRegards\n")
    assert "not a Final Determination Letter of a known layout" in _error(path).detail


def test_letter_without_any_decision(tmp_path: Path) -> None:
    path = tmp_path / "partial.txt"
    path.write_text(
        "HOW THE IMR FINAL DETERMINATION WAS MADE\nText.\nCLINICAL CASE SUMMARY\nText.\n"
        "IMR ISSUES, DECISIONS AND RATIONALES\nNothing was decided here.\n"
    )
    assert "no disputed item with a decision" in _error(path).detail


def test_file_over_the_size_limit_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.pdf"
    with path.open("wb") as handle:  # a sparse 100 MB file: nothing is written or read
        handle.truncate(100 * 1024 * 1024)
    error = _error(path)
    assert f"larger than the {MAX_LETTER_BYTES} bytes (20 MiB) accepted" in error.detail
    with pytest.raises(LetterError):
        read_letter_text(path)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    assert "cannot read the file" in _error(tmp_path / "absent.pdf").detail
    assert "not a regular file" in _error(tmp_path).detail


def test_latin1_text_letter_is_read(tmp_path: Path, fixtures: Path) -> None:
    text = (fixtures / "fdl-2016.txt").read_text().replace("delivery driver", "café driver")
    path = tmp_path / "latin1.txt"
    path.write_bytes(text.encode("cp1252"))
    assert "café driver" in parse_letter(path).clinical_case_summary
