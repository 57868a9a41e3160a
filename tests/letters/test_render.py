"""Rendering: structure, determinism, missing values, escaping, settings and the PDF's pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from openimr.domain import Determination, GuidelineCitation, ItemDetermination
from openimr.errors import LetterError
from openimr.letters import LetterSettings, parse_letter, render_letter
from openimr.letters.render import TEXT_WIDTH, is_signed


@pytest.fixture(scope="module")
def determination() -> Determination:
    path = (
        Path(__file__).resolve().parents[1] / "fixtures" / "letters" / "openimr-determination.json"
    )
    return Determination.model_validate_json(path.read_text())


@pytest.fixture(scope="module")
def bare() -> Determination:
    """The least a determination can hold: one item with a decision and a family."""
    return Determination(
        items=[
            ItemDetermination(
                request="Lumbar MRI without contrast",
                decision="upheld",
                guideline=GuidelineCitation(family="MTUS-ACOEM"),
            )
        ]
    )


@pytest.fixture(scope="module")
def pdf(determination: Determination) -> bytes:
    return render_letter(determination, "pdf")


def test_text_follows_the_published_structure_in_order(determination: Determination) -> None:
    text = render_letter(determination, "text").decode()
    headings = [
        "FINAL DETERMINATION LETTER",
        "Case Number:",
        "Date Assigned:",
        "Date of Injury:",
        "Decision Date:",
        "UR Denial Date:",
        "Priority:",
        "Application Received:",
        "HOW THE IMR FINAL DETERMINATION WAS MADE",
        "State(s) of Licensure: California, Oregon",
        "Certification(s): Physical Medicine & Rehabilitation; Pain Medicine",
        "Specialty: Physical Medicine & Rehabilitation",
        "CLINICAL CASE SUMMARY",
        "DOCUMENTS REVIEWED",
        "IMR ISSUES, DECISIONS AND RATIONALES",
        "1. Interlaminar epidural steroid injection at L4-L5: Upheld",
        "2. Physical therapy 8 sessions",
        "3. Associated surgical service: Lumbar corset after fusion: Upheld",
        "4. Sleep medication consultation with a psychiatrist, 1 visit: Overturned",
        "EFFECT OF THE DETERMINATION AND APPEAL RIGHTS",
    ]
    positions = [text.index(h) for h in headings]
    assert positions == sorted(positions)
    for item in re.split(r"\n(?=\d\. )", text.split("IMR ISSUES, DECISIONS AND RATIONALES")[1])[1:]:
        labels = ["Claims Administrator guideline:", "IMR guideline:", "Decision rationale:"]
        assert [item.index(label) for label in labels] == sorted(
            item.index(label) for label in labels
        )
    assert "Page(s): 98-99" in " ".join(text.split())
    assert "MAXIMUS" not in text


def test_text_is_plain_and_wrapped(determination: Determination) -> None:
    text = render_letter(determination, "text").decode()
    assert text.isprintable() is False  # it has newlines, but nothing else outside print
    assert all(line.isprintable() for line in text.splitlines())
    assert all(len(line) <= TEXT_WIDTH for line in text.splitlines())
    assert "<" not in text and "&amp;" not in text
    assert text.endswith("\n") and not text.endswith("\n\n")


@pytest.mark.parametrize("fmt", ["text", "html", "pdf"])
def test_same_determination_gives_the_same_bytes(determination: Determination, fmt: str) -> None:
    assert render_letter(determination, fmt) == render_letter(determination, fmt)


def test_missing_values_render_sensibly(bare: Determination) -> None:
    text = render_letter(bare, "text").decode()
    assert "Case Number:          Not assigned" in text
    assert "Decision Date:        Not stated" in text
    assert "No expert reviewer's credentials are recorded" in text
    assert "No clinical case summary is recorded" in text
    assert "Claims Administrator guideline: Not stated." in text
    assert "No decision rationale is recorded for this item." in text
    assert "IMR guideline: Decision based on MTUS ACOEM Practice Guidelines, 2nd Edition." in text
    assert "None" not in text and "null" not in text
    back = parse_letter(text.encode(), source="bare.txt")
    assert back.case_id is None and back.reviewer is None and back.decision_date is None
    assert back.clinical_case_summary == "" and back.items[0].rationale == ""
    assert back.items[0].claims_administrator_guideline is None


def test_missing_values_render_a_pdf_that_reads_back(bare: Determination) -> None:
    back = parse_letter(render_letter(bare, "pdf"), source="bare.pdf")
    assert back.case_id is None and back.reviewer is None
    assert back.items[0].request == "Lumbar MRI without contrast"


def test_html_escapes_letter_text(bare: Determination) -> None:
    hostile = bare.model_copy(
        update={
            "case_id": 'CM26-"0001"</style>',
            "items": [
                bare.items[0].model_copy(
                    update={"request": "<script>alert(1)</script> MRI & X-ray"}
                )
            ],
        }
    )
    html = render_letter(hostile, "html").decode()
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; MRI &amp; X-ray" in html
    assert html.count("</style>") == 1
    assert 'font-family: "Liberation Serif"' in html


def test_organization_name_is_a_setting(bare: Determination, monkeypatch) -> None:
    text = render_letter(bare, "text", settings=LetterSettings("Sierra Review Group")).decode()
    assert text.startswith("Sierra Review Group\n")
    assert "Sierra Review Group, the independent medical review organization" in text
    monkeypatch.setenv("OPENIMR_ORGANIZATION", "Coastal IMR")
    assert render_letter(bare, "text").decode().startswith("Coastal IMR\n")
    monkeypatch.delenv("OPENIMR_ORGANIZATION")
    assert render_letter(bare, "text").decode().startswith("OpenIMR\n")


def test_unknown_format_is_refused(bare: Determination) -> None:
    with pytest.raises(LetterError, match="unknown letter format"):
        render_letter(bare, "docx")  # type: ignore[arg-type]


def test_pdf_pages_carry_page_numbers_and_the_case_number(pdf: bytes) -> None:
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    pages = [page.get_textpage().get_text_range() for page in document]
    assert len(pages) >= 2
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in text
        if number > 1:  # the first page's letterhead states the case number itself
            assert "Final Determination Letter · Case Number CM26-0004711" in text
    assert "Case Number: CM26-0004711" in pages[0]
    metadata = document.get_metadata_dict()
    assert metadata["Title"] == "Final Determination Letter, Case Number CM26-0004711"
    assert metadata["CreationDate"].startswith("D:20260112")


def test_pdf_uses_the_letter_fonts(pdf: bytes) -> None:
    import io

    from pypdf import PdfReader

    fonts = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    assert fonts
    assert all(name.startswith(("Liberation", "DejaVu")) for name in fonts), fonts


# -- drafts ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def unsigned(determination: Determination) -> Determination:
    """The same determination before signing: no credentials, no decision date."""
    return determination.model_copy(update={"reviewer": None, "decision_date": None})


_FINAL_TITLE = re.compile(r"final determination letter", re.IGNORECASE)


def test_a_letter_is_final_only_for_a_signed_determination(
    determination: Determination, unsigned: Determination, bare: Determination
) -> None:
    assert is_signed(determination)
    assert not is_signed(unsigned) and not is_signed(bare)
    assert not is_signed(determination.model_copy(update={"source": "engine"}))
    with pytest.raises(LetterError, match="only a signed determination"):
        render_letter(unsigned, "text", draft=False)


def test_an_unsigned_text_or_html_letter_is_marked_draft_and_never_titled_final(
    unsigned: Determination,
) -> None:
    text = render_letter(unsigned, "text").decode()
    lines = [line for line in text.splitlines() if line.strip()]
    assert "DRAFT" in lines[1] and "DRAFT" in lines[-2] + lines[-1]
    assert "DRAFT DETERMINATION LETTER" in text
    assert not _FINAL_TITLE.search(text)
    html = render_letter(unsigned, "html").decode()
    assert "<title>DRAFT, not a final determination" in html
    assert html.count('class="draft-notice"') == 2 and 'class="draft-watermark"' in html
    assert not _FINAL_TITLE.search(html)


def test_an_unsigned_pdf_is_marked_draft_on_every_page(unsigned: Determination) -> None:
    import pypdfium2

    document = pypdfium2.PdfDocument(render_letter(unsigned, "pdf"))
    pages = [page.get_textpage().get_text_range() for page in document]
    assert len(pages) >= 2
    for text in pages:
        assert "DRAFT, not a final determination" in text
        assert not _FINAL_TITLE.search(text)
    assert document.get_metadata_dict()["Title"].startswith("DRAFT, not a final determination")


def test_a_draft_is_the_signed_letter_with_its_marks(
    determination: Determination, unsigned: Determination
) -> None:
    """What the reviewer previews is the letter signing produces, marked DRAFT."""
    final = render_letter(determination, "text").decode()
    draft = render_letter(determination, "text", draft=True).decode()
    marks = [line for line in draft.split("\n\n") if "DRAFT" in line]
    assert len(marks) == 3
    unmarked = "\n\n".join(p for p in draft.split("\n\n") if "DRAFT" not in p).strip()
    assert (
        unmarked
        == "\n\n".join(
            p for p in final.split("\n\n") if "FINAL DETERMINATION LETTER" not in p
        ).strip()
    )
    assert parse_letter(draft.encode(), source="draft.txt") == parse_letter(
        final.encode(), source="draft.txt"
    )
