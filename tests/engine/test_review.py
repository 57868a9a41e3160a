"""Whole-case review: the sample letter's case, the search sequence, determinism, procedures."""

from __future__ import annotations

from pathlib import Path

import pytest

from openimr.casefile import load_case_file, parse_case_data
from openimr.domain import Decision, GuidelineFamily

EXAMPLE = Path(__file__).parents[2] / "examples" / "chronic-low-back-2014.json"


@pytest.fixture(scope="module")
def sample(reviewer):
    return reviewer.review(load_case_file(EXAMPLE))


def test_massage_upheld_on_the_chronic_pain_guidelines(sample) -> None:
    massage = sample.items[0]
    assert massage.decision is Decision.UPHELD
    assert not massage.medically_necessary
    assert massage.guideline.family is GuidelineFamily.MTUS_CPMTG
    assert massage.guideline.pages == "60"
    assert massage.guideline.edition == "2009"
    also = massage.additional_guidelines[0]
    assert also.sections == ["Physical Medicine"] and also.pages == "98-99"
    unmet = [c for c in massage.criteria if c.met is False]
    assert unmet and "years" in unmet[0].evidence[0].quote
    assert "not medically necessary" in massage.rationale


def test_neurosurgical_consultation_overturned_on_acoem_chapter_12(sample) -> None:
    consult = sample.items[1]
    assert consult.decision is Decision.OVERTURNED
    assert consult.medically_necessary
    assert consult.guideline.family is GuidelineFamily.MTUS_ACOEM
    assert consult.guideline.chapter == "Chapter 12 Low Back Complaints"
    assert consult.guideline.pages == "305"
    lesion = next(c for c in consult.criteria if c.id == "surgical_lesion")
    assert lesion.met is True
    record = load_case_file(EXAMPLE).records[lesion.evidence[0].record_index].text
    span = lesion.evidence[0]
    assert record[span.start : span.end] == span.quote
    codes = [f.code for f in consult.claims_administrator_audit]
    assert "ur_non_mtus_although_mtus_addresses" in codes


def test_edition_follows_the_ur_date(sample, reviewer) -> None:
    assert sample.guideline_edition.edition == "mtus-2009"
    data = load_case_file(EXAMPLE).model_dump(mode="json")
    data["ur_decision_date"] = "2017-01-10"
    data["claimant"]["date_of_injury"] = "2016-01-01"
    later = reviewer.review(parse_case_data(data))
    assert later.guideline_edition.edition == "mtus-2016"
    assert later.items[0].guideline.edition == "2016"
    assert later.items[0].guideline.pages is None
    assert later.items[0].guideline.sections == ["Massage therapy"]


def test_same_case_same_bytes(reviewer) -> None:
    case = load_case_file(EXAMPLE)
    first = reviewer.review(case).to_json()
    second = reviewer.review(load_case_file(EXAMPLE)).to_json()
    assert first == second


def test_every_criterion_carries_quoted_evidence_from_its_record(sample) -> None:
    case = load_case_file(EXAMPLE)
    for item in sample.items:
        for criterion in item.criteria:
            for evidence in criterion.evidence:
                text = case.records[evidence.record_index].text
                assert " ".join(text[evidence.start : evidence.end].split()).startswith(
                    evidence.quote.rstrip(".").removesuffix("...")
                )


def _case(records: list[str], items: list[str], **extra):
    data = {
        "claimant": {"date_of_injury": "2016-06-01"},
        "ur_decision_date": "2016-11-15",
        "disputed_items": [{"request": r} for r in items],
        "records": [{"kind": "progress_report", "date": "2016-11-01", "text": t} for t in records],
    }
    data.update(extra)
    return parse_case_data(data)


def test_services_tied_to_a_denied_surgery_follow_it(reviewer) -> None:
    case = _case(
        ["Right knee pain after a twist. Exam shows tenderness only. No MRI has been done."],
        [
            "Right knee arthroscopy with partial meniscectomy",
            "Pre-op clearance",
            "Post-operative physical therapy 12 sessions",
        ],
    )
    determination = reviewer.review(case)
    surgery, clearance, therapy = determination.items
    assert surgery.decision is Decision.UPHELD
    for item in (clearance, therapy):
        assert item.decision is Decision.UPHELD
        assert item.guideline.family is GuidelineFamily.NONE
        assert item.criteria[0].id == "procedure_certified"


def test_silence_keeps_the_burden_on_the_request_and_flags_it(reviewer) -> None:
    case = _case(["Neck pain."], ["MRI of the cervical spine"])
    item = reviewer.review(case).items[0]
    assert item.decision is Decision.UPHELD
    assert any(c.met is None for c in item.criteria) or any(c.met is False for c in item.criteria)
    assert item.flags or item.confidence < 0.9


def test_clear_findings_overturn(reviewer) -> None:
    case = _case(
        [
            "Neck pain radiating to the right arm for two months despite physical therapy and "
            "naproxen, not improving. Examination: decreased sensation in the C6 dermatome and "
            "diminished biceps reflex on the right.",
        ],
        ["MRI of the cervical spine without contrast"],
        ur_decision_date="2016-08-15",
    )
    item = reviewer.review(case).items[0]
    assert item.decision is Decision.OVERTURNED, [(c.id, c.met, c.finding) for c in item.criteria]
    assert item.guideline.family is GuidelineFamily.MTUS_ACOEM


def test_mtus_silence_goes_to_odg_and_says_so(reviewer) -> None:
    case = _case(
        ["Knee osteoarthritis, failed injections."], ["Platelet-rich plasma injection, right knee"]
    )
    item = reviewer.review(case).items[0]
    assert item.guideline.family is GuidelineFamily.ODG
    assert "does not address" in item.rationale
    assert any(f.code == "non_mtus_guideline" for f in item.flags)


def test_unmapped_request_is_flagged_not_crashed(reviewer) -> None:
    item = reviewer.review(_case(["Pain."], ["Purple widget service"])).items[0]
    assert item.normalized.topic == "unmapped"
    assert item.guideline.family is GuidelineFamily.NONE
    assert [f.code for f in item.flags] == ["unmapped"]
