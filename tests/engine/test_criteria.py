"""Predicates over facts: three-valued answers with evidence, one per predicate."""

from __future__ import annotations

import pytest

from openimr.casefile import parse_case_data
from openimr.engine.criteria import EVALUATORS, Situation, evaluate
from openimr.engine.normalize import normalize_request
from openimr.facts.extract import FactExtractor
from openimr.knowledge.checks import PREDICATES, parse_check
from openimr.knowledge.topics import default_knowledge_base


@pytest.fixture(scope="module")
def extractor() -> FactExtractor:
    return FactExtractor()


def situation(extractor: FactExtractor, text: str, request: str, **extra) -> Situation:
    case = parse_case_data(
        {
            "claimant": {"date_of_injury": "2016-01-04"},
            "ur_decision_date": "2016-11-15",
            "disputed_items": [{"request": request}],
            "records": [{"kind": "progress_report", "text": text}],
        }
    )
    knowledge = default_knowledge_base()
    norm = normalize_request(request, knowledge, extractor.vocabulary)
    facts = extractor.extract(case)
    return Situation(
        facts=facts, request=norm.request, topic=norm.topic, knowledge=knowledge, **extra
    )


def test_every_predicate_has_an_evaluator() -> None:
    assert set(EVALUATORS) == set(PREDICATES)


def test_any_and_all_keep_silence_apart_from_no(extractor: FactExtractor) -> None:
    s = situation(extractor, "Neck pain.", "MRI of the cervical spine")
    silent = parse_check({"finding": "neuro_deficit"})
    assert evaluate(silent, s).value is None
    assert (
        evaluate(parse_check({"any": [{"finding": "neuro_deficit"}, {"never": True}]}), s).value
        is None
    )
    assert (
        evaluate(parse_check({"all": [{"finding": "neuro_deficit"}, {"never": True}]}), s).value
        is False
    )
    assert (
        evaluate(parse_check({"any": [{"finding": "neuro_deficit"}, {"always": True}]}), s).value
        is True
    )
    assert evaluate(parse_check({"not": {"finding": "neuro_deficit"}}), s).value is None


def test_course_total_counts_prior_and_requested_sessions(extractor: FactExtractor) -> None:
    s = situation(
        extractor,
        "She has completed 8 sessions of physical therapy.",
        "Physical therapy 2x3 for the lumbar spine",
    )
    outcome = evaluate(parse_check({"course_total": {"max": 10}}), s)
    assert outcome.value is False
    assert "8 prior physical therapy sessions plus 6 requested makes 14" in outcome.finding
    assert outcome.evidence


def test_extensive_care_without_a_count_fails_a_maximum(extractor: FactExtractor) -> None:
    s = situation(
        extractor,
        "He has had extensive physical therapy over the course of the claim.",
        "Physical therapy 2x3 for the lumbar spine",
    )
    assert evaluate(parse_check({"course_total": {"max": 10}}), s).value is False
    assert evaluate(parse_check({"prior_sessions": {"min": 1}}), s).value is None


def test_procedure_supported_reads_the_review_then_the_records(extractor: FactExtractor) -> None:
    check = parse_check({"procedure_supported": True})
    decided = situation(
        extractor,
        "Knee pain.",
        "Pre-op clearance",
        procedure_necessary=False,
        procedure_label="knee arthroscopy",
    )
    outcome = evaluate(check, decided)
    assert outcome.value is False and "not medically necessary" in outcome.finding
    records = situation(
        extractor, "The knee arthroscopy was scheduled for May.", "Pre-op clearance"
    )
    assert evaluate(check, records).value is True
    silent = situation(extractor, "Knee pain.", "Pre-op clearance")
    assert evaluate(check, silent).value is None


def test_regional_finding_uses_the_request_region(extractor: FactExtractor) -> None:
    text = "Left thumb fracture last month. The shoulder aches with overhead work."
    red_flag = parse_check({"finding": "red_flag"})
    shoulder = situation(extractor, text, "MRI of the left shoulder")
    hand = situation(extractor, text, "X-ray of the left thumb")
    assert evaluate(red_flag, shoulder).value is None
    assert evaluate(red_flag, hand).value is True
