"""A mention whose own words carry a negation ("did not help") is not negated by them."""

from __future__ import annotations

import pytest

from openimr.casefile import parse_case_data
from openimr.facts.extract import FactExtractor


@pytest.fixture(scope="module")
def extractor() -> FactExtractor:
    return FactExtractor()


def _finding(extractor: FactExtractor, concept: str, text: str) -> bool | None:
    case = parse_case_data(
        {
            "ur_decision_date": "2016-03-10",
            "disputed_items": [{"request": "MRI of the lumbar spine"}],
            "records": [{"kind": "progress_report", "text": text}],
        },
        source="test",
    )
    facts = extractor.extract(case, frozenset({concept}), extractor.prepare(case))
    return facts.finding(concept, ()).value


@pytest.mark.parametrize(
    "text",
    [
        "Physical therapy did not help.",
        "She has not responded to NSAIDs, physical therapy and an injection.",
        "Medications have not controlled the pain.",
        "Stretching and anti-inflammatories have failed.",
        "Splinting gave only temporary relief.",
    ],
)
def test_failure_worded_with_a_negation_is_failure(extractor, text: str) -> None:
    assert _finding(extractor, "failed_conservative_care", text) is True


@pytest.mark.parametrize("text", ["She denies numbness.", "No numbness or tingling."])
def test_a_negation_before_a_mention_still_negates_it(extractor, text: str) -> None:
    assert _finding(extractor, "neuro_symptoms", text) is False


@pytest.mark.parametrize(
    "text",
    [
        "The provider did not outline any material improvements in function.",
        "The provider failed to outline any improvement in function with the medication.",
        "There was no mention of any improvements in function.",
    ],
)
def test_a_provider_who_outlines_no_gain_documents_none(extractor, text: str) -> None:
    assert _finding(extractor, "functional_improvement", text) is False
