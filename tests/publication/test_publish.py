"""The publishable letter and record: no listed identity anywhere (text, HTML, PDF text layer
and PDF metadata), the letter parses into the same items, decisions and citations, and a
letter in which an identity survives is refused."""

from __future__ import annotations

import html
import io

import pypdf
import pytest

from openimr.casefile.model import Parties
from openimr.domain import Determination
from openimr.letters.parse import parse_letter
from openimr.letters.render import LetterSettings
from openimr.publication import (
    PublicationError,
    Redactor,
    publish,
    publish_determination,
    redactor_for,
)

LEAKY_SUMMARY = (
    "Ms. María García-Hernández (DOB 03/14/1971, claim 05-123456-789) works for Acme Roofing "
    "Inc. and lives at 1234 West Shaw Avenue, Apt 5, Fresno, CA 93721; call (559) 555-0134. "
    "Dr. Oluwaseun Adeyemi of Valley Orthopedic Group found a positive Phalen's test and "
    "Tinel's sign on March 20, 2024 and continued Norco. Her adjuster, Tom Okafor, asked "
    "Golden State Mutual Insurance Company to authorize physical therapy."
)


def _leaky(determination: Determination) -> Determination:
    items = [
        item.model_copy(
            update={
                "request": item.request + " per Dr. Adeyemi",
                "rationale": item.rationale + " Garcia's records were reviewed by Dr. Lee Chen.",
            }
        )
        for item in determination.items
    ]
    return determination.model_copy(
        update={
            "clinical_case_summary": LEAKY_SUMMARY + "\n\n" + determination.clinical_case_summary,
            "items": items,
        }
    )


@pytest.mark.parametrize("fmt", ["text", "html", "json"])
def test_no_listed_identity_survives(
    redactor: Redactor, determination: Determination, fmt: str
) -> None:
    published = publish(_leaky(determination), redactor, fmt)  # type: ignore[arg-type]
    text = html.unescape(published.content.decode("utf-8"))
    for value in (
        "Garc",
        "Hernández",
        "Adeyemi",
        "Acme",
        "555-0134",
        "05-123456-789",
        "Shaw",
        "1971",
        "Okafor",
        "Golden State",
        "Chen",
    ):
        assert value not in text
    for kept in ("Phalen's test", "Tinel's sign", "Norco", "March 20, 2024", "03/14/2024"):
        assert kept in text or (fmt == "json" and kept == "03/14/2024")
    assert published.removed["injured worker"] >= 2


def test_the_pdf_is_built_from_redacted_text_and_its_metadata_is_clean(
    redactor: Redactor, determination: Determination
) -> None:
    published = publish(_leaky(determination), redactor, "pdf")
    reader = pypdf.PdfReader(io.BytesIO(published.content))
    layer = "\n".join(page.extract_text() for page in reader.pages)
    assert "[injured worker]" in layer
    for value in ("Garc", "Adeyemi", "Acme", "555-0134", "Okafor"):
        assert value not in layer
        assert value not in published.content.decode("latin-1")  # nothing hidden under a box
    metadata = " ".join(str(v) for v in (reader.metadata or {}).values())
    assert redactor.leaks(metadata) == []
    assert "Garc" not in metadata


@pytest.mark.parametrize("fmt", ["text", "pdf"])
def test_the_published_letter_parses_into_the_same_decisions(
    redactor: Redactor, determination: Determination, fmt: str
) -> None:
    leaky = _leaky(determination)
    published = publish(leaky, redactor, fmt)  # type: ignore[arg-type]
    parsed = parse_letter(published.content)
    assert len(parsed.items) == len(leaky.items)
    for got, record in zip(parsed.items, published.determination.items, strict=True):
        assert got.decision == record.decision
        assert got.request == record.request
        assert [c.family for c in got.citations] == [c.family for c in record.citations]
        assert [c.sections for c in got.citations] == [c.sections for c in record.citations]
    assert parsed.date_of_injury == leaky.date_of_injury
    assert parsed.case_id == leaky.case_id


def test_the_record_keeps_structure_and_drops_quoted_evidence(
    redactor: Redactor, determination: Determination
) -> None:
    record, removed = publish_determination(_leaky(determination), redactor)
    assert record.date_of_injury == determination.date_of_injury
    assert [i.decision for i in record.items] == [i.decision for i in determination.items]
    assert [i.citations for i in record.items] == [i.citations for i in determination.items]
    assert all(not c.evidence for i in record.items for c in i.criteria)
    assert sum(removed.values()) > 0
    assert "Adeyemi" not in record.to_json()


def test_a_letter_that_would_leak_is_refused(
    redactor: Redactor, determination: Determination
) -> None:
    # the organization's name is not redacted text: naming the claimant there must not pass
    settings = LetterSettings(organization="Garcia-Hernandez Review Services")
    with pytest.raises(PublicationError) as caught:
        publish(determination, redactor, "text", settings=settings)
    assert "injured worker" in str(caught.value)
    assert "Garcia" not in str(caught.value)


def test_publishing_is_deterministic(redactor: Redactor, determination: Determination) -> None:
    first = publish(_leaky(determination), redactor, "text").content
    assert publish(_leaky(determination), redactor, "text").content == first


@pytest.mark.parametrize(
    ("listed", "nickname"),
    [("Robert Whitfield", "Bob"), ("Venkatesh Raghunathan", "Venky"), ("Jesús Baltazar", "Chuy")],
)
def test_letters_naming_the_worker_by_a_short_form_publish_clean_and_parse_the_same(
    determination: Determination, listed: str, nickname: str
) -> None:
    redactor = redactor_for(Parties.model_validate({"claimant": {"name": listed}}))
    items = [
        item.model_copy(
            update={
                "rationale": item.rationale + f" Medications for {nickname} included Norco."
                f" {nickname} reported that Tinel's sign was positive."
            }
        )
        for item in determination.items
    ]
    named = determination.model_copy(
        update={
            "clinical_case_summary": f"{nickname}'s MRI was read. "
            + determination.clinical_case_summary,
            "items": items,
        }
    )
    published = publish(named, redactor, "text")
    text = published.content.decode("utf-8")
    assert nickname not in text
    assert "Tinel's sign" in text and "Norco" in text
    parsed = parse_letter(published.content)
    assert [i.decision for i in parsed.items] == [i.decision for i in named.items]
    assert [[c.family for c in i.citations] for i in parsed.items] == [
        [c.family for c in i.citations] for i in named.items
    ]
