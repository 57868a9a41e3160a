"""Our own letters in every era's layout parse into the expected determination.

The fixtures under tests/fixtures/letters were written for this project (invented cases); the
expected values below are what each letter states, read by a person.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from openimr.domain import Decision, GuidelineFamily, UrModification
from openimr.knowledge.citations import clause_families
from openimr.letters import parse_letter, read_letter

UP, OVER = Decision.UPHELD, Decision.OVERTURNED
CPMTG, ACOEM, OPIOIDS = "MTUS-CPMTG", "MTUS-ACOEM", "MTUS-Opioids"
FORMULARY, ODG, OTHER, NONE = "MTUS-Formulary", "ODG", "other", "none"

EXPECTED = {
    "notice-2013.txt": {
        "layout": "notice-2013",
        "case_id": "CM13-0000777",
        "dates": (
            date(2012, 2, 11),
            date(2013, 9, 3),
            date(2013, 9, 20),
            date(2013, 9, 12),
            date(2013, 10, 14),
        ),
        "specialty": "Physical Medicine and Rehabilitation",
        "licensure": ["California"],
        "items": [
            ("a lumbar support brace", UP, [ACOEM]),
            ("6 sessions of aquatic therapy", OVER, [CPMTG]),
        ],
    },
    "fdl-2014.txt": {
        "layout": "fdl-2014",
        "case_id": "CM14-0000412",
        "dates": (
            date(2013, 1, 19),
            date(2014, 4, 8),
            date(2014, 5, 2),
            date(2014, 4, 22),
            date(2014, 6, 3),
        ),
        "specialty": "Physical Medicine and Rehabilitation",
        "licensure": ["California"],
        "items": [
            ("6 CHIROPRACTIC VISITS (CERVICAL)", UP, [CPMTG]),
            ("MRI OF THE RIGHT WRIST", UP, [ACOEM]),
        ],
    },
    "fdl-2016.txt": {
        "layout": "fdl-2016",
        "case_id": "CM16-0000901",
        "dates": (
            date(2015, 3, 7),
            date(2016, 11, 15),
            date(2016, 11, 28),
            date(2016, 11, 21),
            date(2016, 12, 22),
        ),
        "specialty": "Orthopedic Surgery, Sports Medicine",
        "licensure": ["California", "Nevada"],
        "items": [
            ("Hinged knee brace, right knee", OVER, [ACOEM]),
            (
                "Tramadol ER 100mg #60 was the original request. Tramadol ER 100mg #30 was "
                "authorized by the Claims Administrator. The remaining IMR eligible portion of "
                "the original request, Tramadol ER 100mg #30 is",
                UP,
                [OPIOIDS],
            ),
            ("Lumbar MRI without contrast", UP, [ACOEM, ODG]),
            ("Associated surgical service: Cold therapy unit, 14 day rental", UP, [NONE]),
            ("Cervical pillow", UP, [ODG]),
        ],
    },
    "fdl-later.txt": {
        "layout": "fdl-later",
        "case_id": "CM19-0000333",
        "dates": (
            date(2018, 8, 14),
            date(2019, 1, 24),
            date(2019, 2, 6),
            date(2019, 2, 1),
            date(2019, 3, 1),
        ),
        "specialty": "Internal Medicine",
        "licensure": ["California", "Washington"],
        "items": [
            ("Duloxetine 30mg #30", OVER, [ACOEM]),
            ("Polysomnography", UP, [ODG]),
        ],
    },
    "professional-review.txt": {
        "layout": "professional-review",
        "case_id": "CM20-0000555",
        "dates": (date(2018, 6, 3), date(2020, 2, 10), None, None, date(2020, 3, 9)),
        "specialty": "Orthopedic Surgery",
        "licensure": ["California"],
        "items": [
            ("Physical therapy, 8 visits, left shoulder", UP, [ACOEM]),
            ("Naproxen 550mg #60", OVER, [FORMULARY]),
        ],
    },
}
EXPECTED["fdl-2016-noisy.txt"] = {**EXPECTED["fdl-2016.txt"]}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_letters_parse_as_written(fixtures: Path, name: str) -> None:
    expected = EXPECTED[name]
    parsed = read_letter(fixtures / name)
    d = parsed.determination
    assert parsed.layout == expected["layout"]
    assert d.source == "letter"
    assert d.case_id == expected["case_id"]
    dates = (
        d.date_of_injury,
        d.ur_decision_date,
        d.date_assigned,
        d.application_received,
        d.decision_date,
    )
    assert dates == expected["dates"]
    assert d.reviewer is not None
    assert d.reviewer.specialty == expected["specialty"]
    assert d.reviewer.licensure == expected["licensure"]
    assert d.clinical_case_summary
    got = [
        (i.request, i.decision, [f.value for f in clause_families(i.citations)]) for i in d.items
    ]
    assert got == expected["items"]
    for item in d.items:
        assert item.rationale.endswith(".")


def test_2016_letter_keeps_the_ur_modification_and_every_citation(fixtures: Path) -> None:
    d = parse_letter(fixtures / "fdl-2016.txt")
    assert d.items[1].ur_modification == UrModification(
        original_request="Tramadol ER 100mg #60",
        authorized="Tramadol ER 100mg #30",
        remaining="Tramadol ER 100mg #30",
    )
    mri = d.items[2]
    assert [c.family for c in mri.citations] == [
        GuidelineFamily.MTUS_ACOEM,
        GuidelineFamily.MTUS_CPMTG,
        GuidelineFamily.ODG,
    ]
    assert mri.guideline.chapter == "Low Back Complaints"
    assert mri.guideline.sections == ["Special Studies"]
    assert mri.guideline.edition == "2004"
    assert mri.additional_guidelines[0].same_clause is True
    assert mri.additional_guidelines[0].sections == ["Office visits"]
    assert mri.additional_guidelines[1].same_clause is False
    assert mri.claims_administrator_guideline == "Decision based on MTUS Low Back Complaints 2004."
    assert d.items[1].guideline.sections == ["4.2 Tapering Opioids: Methods for Tapering Opioids"]


def test_2014_letter_reads_page_citations_and_fused_sentences(fixtures: Path) -> None:
    d = parse_letter(fixtures / "fdl-2014.txt")
    chiropractic, mri = d.items
    assert chiropractic.guideline.title == "Chronic Pain Medical Treatment Guidelines"
    assert chiropractic.guideline.sections == ["Manual Therapy & Manipulation"]
    assert chiropractic.guideline.pages == "58-59"
    assert mri.guideline.chapter == "Chapter 11 Forearm, Wrist, and Hand Complaints"
    assert mri.guideline.pages == "268-269"
    assert "January 19, 2013. So far," in d.clinical_case_summary
    assert "represented grocery clerk" in d.clinical_case_summary


def test_noisy_extraction_reads_like_the_clean_letter(fixtures: Path) -> None:
    clean = parse_letter(fixtures / "fdl-2016.txt")
    noisy = parse_letter(fixtures / "fdl-2016-noisy.txt")
    for a, b in zip(clean.items, noisy.items, strict=True):
        assert (a.request, a.decision, a.citations) == (b.request, b.decision, b.citations)
        assert a.claims_administrator_guideline == b.claims_administrator_guideline
    assert "non-certified" in noisy.clinical_case_summary
    assert "low-risk support" in noisy.items[0].rationale
    assert "documented giving way" in noisy.items[0].rationale
    assert "findings of a meniscal tear" in noisy.items[0].rationale
    assert "Page 1 of 2" not in noisy.items[1].rationale
    assert "The utilization review already authorized" in noisy.items[1].rationale
    assert noisy.items[2].rationale.endswith("notmedically necessary.")


def test_2013_notice_reads_list_procedure_and_guidelines(fixtures: Path) -> None:
    parsed = read_letter(fixtures / "notice-2013.txt")
    d = parsed.determination
    assert [entry[0] for entry in parsed.header_list] == [
        "a lumbar support brace",
        "6 sessions of aquatic therapy",
    ]
    brace, pool = d.items
    # The reviewer adopted the claims administrator's guideline for the brace.
    assert brace.guideline.chapter == "Chapter 12 Low Back Complaints"
    assert brace.guideline.pages == "301"
    assert pool.guideline.edition == "2009"
    assert pool.guideline.pages == "22"
    assert d.documents_reviewed[0] == "Utilization review determination dated 9/3/2013"
    assert len(d.documents_reviewed) == 3


def test_later_layout_reads_documents_reviewed(fixtures: Path) -> None:
    d = parse_letter(fixtures / "fdl-later.txt")
    assert d.priority == "expedited"
    assert d.documents_reviewed == [
        "Application for Independent Medical Review, dated 02/01/2019",
        "Utilization review determination, dated 01/24/2019",
        "Medical Treatment Utilization Schedule",
        "Records of the treating physician, dates of service 08/20/2018 to 01/15/2019",
    ]
    duloxetine = d.items[0]
    assert duloxetine.guideline.edition == "2017"
    assert duloxetine.additional_guidelines[0].family is GuidelineFamily.MTUS_FORMULARY
    assert d.clinical_case_summary.startswith("The injured worker is a 39 year old")


@pytest.mark.parametrize("extension", ["txt", "pdf"])
def test_letters_rendered_by_openimr_read_back(fixtures: Path, extension: str, view) -> None:
    from openimr.domain import Determination

    original = Determination.model_validate_json(
        (fixtures / "openimr-determination.json").read_text()
    )
    parsed = read_letter(fixtures / f"openimr-letter.{extension}")
    assert parsed.layout == "openimr"
    assert view(parsed.determination) == view(original)
