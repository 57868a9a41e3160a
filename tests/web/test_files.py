"""Stored documents in the workbench: a page of a PDF record as a picture, for its case only."""

from __future__ import annotations

import re
from typing import Any

import pytest
from tests.web.support import ADMIN, sign_in


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
    quoted = re.findall(rf'href="{re.escape(link)}(\d+)"[^>]*>Page (\d+) as sent</a>', html)
    assert quoted and all(a == b for a, b in quoted)
