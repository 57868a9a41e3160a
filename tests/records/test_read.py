"""Reading documents: text PDFs, text files, and every way a file can be wrong."""

from __future__ import annotations

import io
import struct
import threading
import zlib
from pathlib import Path

import pypdf
import pytest

from openimr.errors import CaseFileError
from openimr.records import DocumentError, DocumentKind, read_documents
from openimr.records.read import MAX_DOCUMENT_BYTES


def _f1(found: list[int], truth: list[int]) -> float:
    hits = len(set(found) & set(truth))
    return 2 * hits / (len(found) + len(truth))


def test_a_text_pdf_bundle_splits_into_its_reports(bundle, bundle_pdf: Path) -> None:  # type: ignore[no-untyped-def]
    found = read_documents([bundle_pdf])
    starts = sorted(
        [r.pages[0] for r in found.records]
        + [d.pages[0] for d in found.duplicates if d.what == "record"]
    )
    assert _f1(starts, bundle.starts) == 1.0
    originals = [d for i, d in enumerate(bundle.documents) if i not in bundle.duplicate_of]
    assert [(r.kind.value, r.date) for r in found.records] == [(d.kind, d.date) for d in originals]
    assert [r.author for r in found.records] == [d.author for d in originals]
    assert [d.pages[0] for d in found.duplicates if d.what == "page"] == bundle.repeated_pages
    assert sum(1 for d in found.duplicates if d.what == "record") == len(bundle.duplicate_of)
    assert found.documents[0].pages == bundle.pages and found.documents[0].ocr_pages == 0


def test_record_text_reads_as_prose(bundle_pdf: Path) -> None:
    record = read_documents([bundle_pdf]).records[0]
    assert "\ufffe" not in record.text and "\u00ad" not in record.text
    assert "Page 1 of" not in record.text
    paragraph = max(record.text.split("\n"), key=len)
    assert len(paragraph) > 200  # a paragraph, not a line of the page


def test_documents_read_in_threads_read_as_they_do_alone(bundle_pdf: Path) -> None:
    alone = read_documents([bundle_pdf]).model_dump()
    results: list[dict] = []

    def work() -> None:
        results.append(read_documents([bundle_pdf]).model_dump())

    threads = [threading.Thread(target=work) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [alone] * 3


def test_a_text_file_is_a_document_too(tmp_path: Path) -> None:
    path = tmp_path / "note.txt"
    path.write_text(
        "ORTHOPEDIC CONSULTATION\nDate of Evaluation: 03/04/2024\n\nThe patient reports low\n"
        "back pain radiating to the left leg.\n\nElectronically signed by: Daniel Kim, M.D.\n",
        encoding="utf-8",
    )
    (record,) = read_documents([path]).records
    assert record.kind is DocumentKind.CONSULTATION and str(record.date) == "2024-03-04"
    assert "low back pain radiating" in record.text


def _bomb_pdf(width: int, height: int) -> bytes:
    """A one-page PDF showing an image that claims to be ``width`` x ``height`` pixels."""
    data = zlib.compress(b"\x00" * 4096)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n"
        % (width, height, len(data))
        + data
        + b"\nendstream",
        b"<< /Length 31 >>\nstream\nq 612 0 0 792 0 0 cm /Im0 Do Q\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _png_claiming(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def _bad_files(tmp_path: Path, bundle_pdf: Path) -> dict[str, tuple[Path, str]]:
    pdf = bundle_pdf.read_bytes()
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    writer = pypdf.PdfWriter()
    writer.append(reader, pages=[0])
    writer.encrypt("secret")
    encrypted = io.BytesIO()
    writer.write(encrypted)
    empty_pdf = io.BytesIO()
    pypdf.PdfWriter().write(empty_pdf)
    files = {
        "encrypted.pdf": (encrypted.getvalue(), "encrypted"),
        "cut-short.pdf": (pdf[:4000], "not a readable PDF"),
        "no-pages.pdf": (empty_pdf.getvalue(), "no pages"),
        "bomb.pdf": (_bomb_pdf(60000, 60000), "page 1: an image of 60000x60000 pixels"),
        "bomb.png": (_png_claiming(100000, 100000), "page 1: the image is far larger"),
        "scan.png": (pdf, "the name says a PNG image but the content is a PDF"),
        "letter.pdf": (b"Dear Sir, this is not a PDF at all.\n", "the content is a text file"),
        "empty.pdf": (b"", "the file is empty"),
        "random.bin": (bytes(range(256)) * 64, "not a document this reads"),
    }
    out = {}
    for name, (data, message) in files.items():
        path = tmp_path / name
        path.write_bytes(data)
        out[name] = (path, message)
    huge = tmp_path / "huge.pdf"
    with huge.open("wb") as handle:  # sparse: takes no disk space
        handle.write(b"%PDF-1.7\n")
        handle.truncate(2 * 1024**3)
    assert huge.stat().st_size > MAX_DOCUMENT_BYTES
    out["huge.pdf"] = (huge, "2.0 GiB")
    return out


def test_each_bad_file_is_named_with_its_fault_and_the_batch_goes_on(
    tmp_path: Path, bundle_pdf: Path
) -> None:
    bad = _bad_files(tmp_path, bundle_pdf)
    errors: list[DocumentError] = []
    paths = [bundle_pdf, *(path for path, _ in bad.values())]
    found = read_documents(paths, errors=errors)
    assert len(found.documents) == 1 and found.records  # the good one was read
    assert len(errors) == len(bad)
    for error, (name, (path, message)) in zip(errors, bad.items(), strict=True):
        assert isinstance(error, CaseFileError)  # the CLI turns it into exit code 2
        assert str(error).startswith(f"{path}: "), name
        assert message in str(error), (name, str(error))
        assert "\n" not in str(error)


def test_without_an_error_list_the_first_bad_file_raises(tmp_path: Path, bundle_pdf: Path) -> None:
    path, _ = _bad_files(tmp_path, bundle_pdf)["encrypted.pdf"]
    with pytest.raises(DocumentError, match="encrypted"):
        read_documents([path])
