"""Stored documents in the workbench: a page of a PDF or scanned record as a picture, with the
evidence marked on it, for its case only."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from tests.web.support import ADMIN, sign_in

from openimr.records import ocr_available


@pytest.fixture(scope="module")
def bundle_pdf() -> bytes:
    from bench import recordgen

    return bytes(recordgen.make_bundle(3, 3, duplicate=False, repeated_page=False).pdf)


@pytest.fixture
def paged(workflow, seeded, bundle_pdf: bytes) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    """The reviewer's main case with a generated PDF of records added to it."""
    case_id = seeded.cases["main"]
    document = workflow.add_document(
        ADMIN, case_id, bundle_pdf, filename="records.pdf", media_type="application/pdf"
    )
    return case_id, document.id


def _pages(detail: Any, document_id: int) -> int:
    document = next(d for d in detail.documents if d.id == document_id)
    return max(r["pages"][1] for r in document.meta["records"])


def test_a_page_of_a_stored_pdf_is_a_png_for_the_assigned_reviewer(
    client, seeded, workflow, paged
) -> None:  # type: ignore[no-untyped-def]
    case_id, document_id = paged
    sign_in(client, seeded.tokens["dr-a"])
    last = _pages(workflow.get_case(ADMIN, case_id), document_id)
    for page in (1, last):
        response = client.get(f"/workbench/cases/{case_id}/documents/{document_id}/pages/{page}")
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "image/png"
        assert response.headers["cache-control"] == "no-store"
        assert response.content.startswith(b"\x89PNG\r\n\x1a\n")
    for page in (0, last + 1):
        missing = client.get(f"/workbench/cases/{case_id}/documents/{document_id}/pages/{page}")
        assert missing.status_code == 404
        assert missing.headers["cache-control"] == "no-store"


def test_another_reviewer_gets_no_page_of_the_case(client, seeded, paged) -> None:  # type: ignore[no-untyped-def]
    case_id, document_id = paged
    sign_in(client, seeded.tokens["dr-b"])
    response = client.get(f"/workbench/cases/{case_id}/documents/{document_id}/pages/1")
    assert response.status_code in {403, 404}
    assert not response.content.startswith(b"\x89PNG")


def test_a_document_of_another_case_has_no_pages_here(client, seeded, paged) -> None:  # type: ignore[no-untyped-def]
    _, document_id = paged
    sign_in(client, seeded.tokens["dr-a"])
    response = client.get(
        f"/workbench/cases/{seeded.cases['overdue']}/documents/{document_id}/pages/1"
    )
    assert response.status_code == 404


def test_the_case_page_links_each_record_and_each_quote_to_its_page(
    client, seeded, workflow, paged
) -> None:  # type: ignore[no-untyped-def]
    case_id, document_id = paged
    sign_in(client, seeded.tokens["dr-a"])
    html = client.get(f"/workbench/cases/{case_id}").text
    link = f"/workbench/cases/{case_id}/documents/{document_id}/pages/"
    assert "Pages as sent:" in html and f'href="{link}1"' in html
    assert f'<img loading="lazy" src="{link}1"' in html  # the pictures beside the text
    quoted = re.findall(
        rf'href="{re.escape(link)}(\d+)\?record=\d+&amp;start=\d+&amp;end=\d+"[^>]*>'
        r"Page (\d+) as sent</a>",
        html,
    )
    assert quoted and all(a == b for a, b in quoted)


def test_an_evidence_link_opens_its_page_with_the_quote_marked(client, seeded, paged) -> None:  # type: ignore[no-untyped-def]
    if not ocr_available():
        pytest.skip("Tesseract (tesseract-ocr, tesseract-ocr-eng) is not installed")
    case_id, _ = paged
    sign_in(client, seeded.tokens["dr-a"])
    html = client.get(f"/workbench/cases/{case_id}").text
    link = re.search(r'class="ev-page" href="([^"]+)"', html)
    assert link is not None
    response = client.get(link.group(1).replace("&amp;", "&"))
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-evidence-marked"] == "yes"
    assert response.content.startswith(b"\x89PNG\r\n\x1a\n")


# -- a scanned page with its evidence marked ---------------------------------------------

LINES = [
    "PROGRESS REPORT",
    "The patient reports low back pain radiating to the left leg.",
    "She completed six sessions of physical therapy with temporary relief.",
    "Straight leg raise is positive on the left at forty degrees.",
    "Request authorization for an MRI of the lumbar spine.",
]


@pytest.fixture
def scanned(workflow, seeded) -> tuple[str, int, int, str, list[tuple[int, ...]], int]:  # type: ignore[no-untyped-def]
    """The main case with a scanned page added: case, document, its record, the record's text,
    each printed line's box and the picture's width."""
    from PIL import Image, ImageDraw, ImageFont

    if not ocr_available():
        pytest.skip("Tesseract (tesseract-ocr, tesseract-ocr-eng) is not installed")
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", 30)
    image = Image.new("L", (1700, 900), 255)
    draw = ImageDraw.Draw(image)
    where = []
    for row, line in enumerate(LINES):
        origin = (90, 120 + row * 110)
        draw.text(origin, line, font=font, fill=0)
        where.append(draw.textbbox(origin, line, font=font))
    buffer = io.BytesIO()
    image.save(buffer, "PNG", dpi=(200, 200))
    case_id = seeded.cases["main"]
    document = workflow.add_document(
        ADMIN, case_id, buffer.getvalue(), filename="scan.png", media_type="image/png"
    )
    detail = workflow.get_case(ADMIN, case_id)
    record = detail.record_documents.index(document.id)
    text = detail.case_file["records"][record]["text"]
    return case_id, document.id, record, text, where, image.width


def _page(case_id: str, document_id: int, **query: int) -> str:
    tail = "&".join(f"{k}={v}" for k, v in query.items())
    return f"/workbench/cases/{case_id}/documents/{document_id}/pages/1?{tail}"


def test_the_quoted_sentence_is_marked_where_it_is_printed(client, seeded, scanned) -> None:  # type: ignore[no-untyped-def]
    from PIL import Image

    case_id, document_id, record, text, where, width = scanned
    start = text.index("Straight leg")
    end = text.index("degrees.") + len("degrees.")
    sign_in(client, seeded.tokens["dr-a"])
    response = client.get(_page(case_id, document_id, record=record, start=start, end=end))
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-evidence-marked"] == "yes"
    picture = Image.open(io.BytesIO(response.content)).convert("RGB")
    scale = picture.width / width

    def yellow(x: int, y: int) -> bool:
        r, g, b = picture.getpixel((x, y))  # type: ignore[misc]
        return r > 200 and g > 170 and b < 200

    for row, box in enumerate(where):
        x0, top, x1, bottom = (round(v * scale) for v in box)
        points = [(x, y) for x in range(x0, x1, 5) for y in range(top, bottom, 2)]
        share = sum(yellow(x, y) for x, y in points) / len(points)
        assert share > 0.5 if row == 3 else share == 0, row
    plain = client.get(f"/workbench/cases/{case_id}/documents/{document_id}/pages/1")
    assert "x-evidence-marked" not in plain.headers
    assert Image.open(io.BytesIO(plain.content)).mode == "L"


def test_a_span_that_is_not_on_the_page_of_that_document_is_not_found(
    client, seeded, scanned
) -> None:  # type: ignore[no-untyped-def]
    case_id, document_id, record, text, _, _ = scanned
    sign_in(client, seeded.tokens["dr-a"])
    beyond = len(text) + 10
    for query in (
        {"record": record, "start": beyond, "end": beyond + 5},  # past the record's end
        {"record": 0, "start": 0, "end": 5},  # a record the case file came with
        {"record": record + 50, "start": 0, "end": 5},  # no such record
    ):
        response = client.get(_page(case_id, document_id, **query))
        assert response.status_code == 404, query
        assert response.headers["cache-control"] == "no-store"
        assert not response.content.startswith(b"\x89PNG")
    other = client.get(
        f"/workbench/cases/{case_id}/documents/{document_id}/pages/2?record={record}&start=0&end=5"
    )
    assert other.status_code == 404


def test_evidence_named_by_half_a_span_or_backwards_is_refused(client, seeded, scanned) -> None:  # type: ignore[no-untyped-def]
    case_id, document_id, record, _, _, _ = scanned
    sign_in(client, seeded.tokens["dr-a"])
    for tail in (
        f"record={record}&start=3",
        f"record={record}&start=9&end=3",
        f"record={record}&start=3&end=3",
    ):
        url = f"/workbench/cases/{case_id}/documents/{document_id}/pages/1?{tail}"
        assert client.get(url).status_code == 400, tail
    for tail in ("record=-1&start=0&end=3", f"record={record}&start=x&end=3"):
        url = f"/workbench/cases/{case_id}/documents/{document_id}/pages/1?{tail}"
        assert client.get(url).status_code == 422, tail


def test_another_reviewer_gets_no_marked_page(client, seeded, scanned) -> None:  # type: ignore[no-untyped-def]
    case_id, document_id, record, _, _, _ = scanned
    sign_in(client, seeded.tokens["dr-b"])
    response = client.get(_page(case_id, document_id, record=record, start=0, end=5))
    assert response.status_code in {403, 404}
    assert not response.content.startswith(b"\x89PNG")
