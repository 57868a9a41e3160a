"""Facts respect negation, history, hypotheticals and other people, and keep their evidence."""

from __future__ import annotations

import pytest

from openimr.casefile import parse_case_data
from openimr.facts.extract import FactExtractor


@pytest.fixture(scope="module")
def extractor() -> FactExtractor:
    return FactExtractor()


def facts_for(extractor: FactExtractor, *texts: str, **case: object):
    data = {
        "claimant": {"date_of_injury": "2016-01-04"},
        "ur_decision_date": "2016-03-01",
        "disputed_items": [{"request": "MRI of the lumbar spine"}],
        "records": [{"kind": "progress_report", "text": t} for t in texts],
    }
    data.update(case)
    return extractor.extract(parse_case_data(data))


def test_present_absent_and_silent(extractor: FactExtractor) -> None:
    facts = facts_for(
        extractor, "Decreased sensation in the L5 dermatome. Reflexes are 2+ and symmetric."
    )
    finding = facts.finding("neuro_deficit")
    assert finding.value is False  # the later statement of normal reflexes wins
    assert facts.finding("red_flag").value is None
    facts = facts_for(extractor, "Examination showed decreased sensation in the L5 dermatome.")
    finding = facts.finding("neuro_deficit")
    assert finding.value is True
    quote = finding.evidence[0]
    text = "Examination showed decreased sensation in the L5 dermatome."
    # the evidence is the clause that states the finding, quoted verbatim
    assert text[quote.start : quote.end] == quote.quote
    assert quote.quote == "Examination showed decreased sensation in the L5 dermatome"


def test_evidence_is_the_clause_not_the_sentence(extractor: FactExtractor) -> None:
    text = "Gait was antalgic; she reported minimal improvement with therapy, but sleeps poorly."
    facts = facts_for(extractor, text)
    finding = facts.finding("improving")
    assert finding.value is False  # "minimal improvement" is no improvement
    assert [e.quote for e in finding.evidence] == ["she reported minimal improvement with therapy"]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("She reported slight improvement with physical therapy.", False),
        ("There was no significant improvement after six visits.", False),
        ("The improvement was only temporary.", False),
        ("Temporary relief of pain was reported after the injection.", False),
        ("She reported improvement with physical therapy.", True),
        ("Pain improved by 40% with therapy.", True),
    ],
)
def test_diminishing_qualifiers(extractor: FactExtractor, sentence: str, expected: bool) -> None:
    concept = "pain_relief" if "relief" in sentence else "improving"
    assert facts_for(extractor, sentence).finding(concept).value is expected


def test_a_later_negation_of_another_sign_does_not_cancel_a_finding(
    extractor: FactExtractor,
) -> None:
    text = (
        "Examination showed medial joint line tenderness. No tenderness was noted over the "
        "lateral joint line, and no effusion was present."
    )
    assert facts_for(extractor, text).finding("internal_derangement_signs").value is True
    text = "She reported numbness in the hand. On 12/1/2016 she denied numbness."
    assert facts_for(extractor, text).finding("neuro_symptoms").value is False


def test_regional_finding_is_scoped_to_the_request_region(extractor: FactExtractor) -> None:
    text = "Diagnoses: left thumb non-displaced fracture. The shoulder hurts with overhead work."
    facts = facts_for(extractor, text)
    assert facts.finding("red_flag").value is True
    assert facts.finding("red_flag", ("shoulder",)).value is None
    assert facts.finding("red_flag", ("hand",)).value is True
    lumbar = facts_for(extractor, "Sensation was decreased in the left foot.")
    assert lumbar.finding("neuro_deficit", ("lumbar",)).value is True
    assert lumbar.finding("neuro_deficit", ("cervical",)).value is None


@pytest.mark.parametrize(
    ("sentence", "concept", "expected"),
    [
        ("The patient denies numbness.", "neuro_symptoms", False),
        ("There was no improvement with physical therapy.", "improving", False),
        ("Family history of cancer.", "red_flag", None),
        ("Surgery would be considered if symptoms persist.", "surgery_considered", True),
        ("No red flags were noted.", "red_flag", False),
        ("Neurological examination was normal.", "neuro_deficit", False),
        ("History of peptic ulcer disease.", "gi_risk", True),
    ],
)
def test_context_is_respected(
    extractor: FactExtractor, sentence: str, concept: str, expected: bool | None
) -> None:
    assert facts_for(extractor, sentence).finding(concept).value is expected


def test_requested_treatment_is_not_received(extractor: FactExtractor) -> None:
    facts = facts_for(
        extractor, "The treating physician requested initial acupuncture, six sessions."
    )
    assert facts.treatment_received("acupuncture").value is None
    facts = facts_for(extractor, "Treatment to date has included acupuncture and medications.")
    assert facts.treatment_received("acupuncture").value is True


def test_session_counts(extractor: FactExtractor) -> None:
    facts = facts_for(
        extractor, "The worker completed 12 sessions of physical therapy with little benefit."
    )
    assert facts.sessions("physical_therapy").count == 12
    facts = facts_for(extractor, "She has had chiropractic care for years.")
    count = facts.sessions("chiropractic")
    assert count.extensive and count.count is None


def test_medication_use(extractor: FactExtractor) -> None:
    facts = facts_for(
        extractor, "Current medications include Norco and Motrin. Flexeril was prescribed today."
    )
    assert facts.medication("hydrocodone/acetaminophen").prior_use
    assert facts.medication("ibuprofen").prior_use
    flexeril = facts.medication("cyclobenzaprine")
    assert flexeril.newly_prescribed and not flexeril.prior_use
    assert [u.generic for u in facts.medications_in_class("nsaid")] == ["ibuprofen"]


def test_dates_age_and_phase(extractor: FactExtractor) -> None:
    facts = facts_for(extractor, "The injured worker is a 44-year-old female.")
    assert facts.age == 44
    assert round(facts.weeks_since_injury, 1) == 8.1
    facts = facts_for(
        extractor,
        "She sustained an industrial injury on March 3, 2015 while lifting.",
        claimant={},
    )
    assert facts.injury_date.isoformat() == "2015-03-03"


def test_prior_imaging_by_region(extractor: FactExtractor) -> None:
    facts = facts_for(
        extractor, "An MRI of the lumbar spine dated 01/05/2016 showed a disc protrusion."
    )
    assert facts.prior_imaging(("mri",), ("lumbar",)).value is True
    assert facts.prior_imaging(("mri",), ("cervical",)).value is None


@pytest.mark.parametrize(
    ("sentence", "concept"),
    [
        ("The medications allow her to perform her household chores.", "functional_improvement"),
        ("He continues to work full duty on this regimen.", "functional_improvement"),
        ("Pain is rated 8/10, reduced to 4/10 with medications.", "pain_relief"),
        ("The medications help and provide good relief.", "pain_relief"),
    ],
)
def test_benefit_in_the_words_clinicians_use(
    extractor: FactExtractor, sentence: str, concept: str
) -> None:
    assert facts_for(extractor, sentence).finding(concept).value is True
