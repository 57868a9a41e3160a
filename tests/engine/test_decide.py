"""From criteria to a decision and a rationale composed of the findings."""

from __future__ import annotations

from openimr.domain import GuidelineCitation, GuidelineFamily
from openimr.engine.decide import cite_text


def test_cite_text_names_guideline_chapter_section_and_pages() -> None:
    citation = GuidelineCitation(
        family=GuidelineFamily.MTUS_ACOEM,
        title="ACOEM Practice Guidelines, 2nd Edition",
        chapter="Chapter 12 Low Back Complaints",
        sections=["Special Studies"],
        pages="303-304",
        edition="2004",
    )
    text = cite_text(citation)
    assert text == (
        "ACOEM Practice Guidelines, 2nd Edition (2004), Chapter 12 Low Back Complaints, "
        "Special Studies, pages 303-304"
    )
    single = citation.model_copy(update={"pages": "305"})
    assert cite_text(single).endswith("page 305")


def test_overturned_only_when_every_required_criterion_is_shown(engine) -> None:
    from openimr.casefile import parse_case_data

    def review(text: str):
        case = parse_case_data(
            {
                "claimant": {"date_of_injury": "2016-01-04"},
                "ur_decision_date": "2016-11-15",
                "disputed_items": [{"request": "Knee scooter rental"}],
                "records": [{"kind": "progress_report", "text": text}],
            }
        )
        return engine.review(case).items[0]

    shown = review("Non-weight bearing on the right leg after the fracture.")
    assert shown.decision.value == "overturned"
    assert "medically necessary" in shown.rationale and "not medically" not in shown.rationale
    silent = review("Right ankle pain.")
    assert silent.decision.value == "upheld"
    assert silent.rationale.endswith("is not medically necessary.")
    assert any(flag.code == "not_documented" for flag in silent.flags)
