"""Guideline numbers written once: parameters used by a criterion's check and its wording."""

from __future__ import annotations

import pytest

from openimr.errors import KnowledgeBaseError
from openimr.knowledge.lint import numbers_written_twice
from openimr.knowledge.topics import parse_topic

TOPIC = {
    "id": "example_therapy",
    "title": "Example therapy",
    "category": "physical_medicine",
    "kind": "therapy",
    "treatment_kind": "physical_therapy",
    "match": {"patterns": ["example therapy"]},
    "guidance": [
        {
            "cites": {"cpmtg-2016": {"sections": ["Physical medicine treatment"]}},
            "parameters": {"visit_guide": {"value": 10, "reference": "CPMTG, Physical medicine"}},
            "recommendation": "recommended_with_criteria",
            "summary": "a course of visits within the guide",
            "criteria": [
                {
                    "id": "within_guide",
                    "text": "No more than $visit_guide visits in all.",
                    "check": {"course_total": {"max": "$visit_guide"}},
                    "not_met": "The course exceeds $visit_guide visits",
                }
            ],
        }
    ],
}


def test_a_parameter_is_the_number_in_the_check_and_in_the_words() -> None:
    topic = parse_topic(TOPIC, "example")
    criterion = topic.guidance[0].criteria[0]
    assert criterion.check.args == (None, 10)
    assert criterion.text == "No more than 10 visits in all."
    assert criterion.not_met == "The course exceeds 10 visits"
    assert topic.guidance[0].parameters["visit_guide"].reference == "CPMTG, Physical medicine"
    assert numbers_written_twice(TOPIC) == []


def test_an_unknown_parameter_is_refused() -> None:
    broken = {**TOPIC, "guidance": [{**TOPIC["guidance"][0], "parameters": {}}]}
    with pytest.raises(KnowledgeBaseError, match=r"unknown parameter \$visit_guide"):
        parse_topic(broken, "example")


def test_a_number_written_twice_is_reported() -> None:
    guidance = {
        **TOPIC["guidance"][0],
        "criteria": [
            {
                "id": "within_guide",
                "text": "No more than 10 visits in all.",
                "check": {"course_total": {"max": 10}},
            }
        ],
    }
    messages = numbers_written_twice({**TOPIC, "guidance": [guidance]})
    assert messages and "10 is written in the check and in the wording" in messages[0]
