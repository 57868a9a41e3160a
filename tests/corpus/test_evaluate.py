"""Agreement with real reviewers: the metrics, and the development set where it exists."""

from __future__ import annotations

from pathlib import Path

import pytest

from openimr.corpus.evaluate import ItemResult, evaluate_cases, summarize

SHARED_CASES = Path(__file__).parents[3] / "shared" / "eval-dev" / "cases.jsonl"


def item(expected: str, proposed: str, family: str = "MTUS-CPMTG", topic: str = "t") -> ItemResult:
    return ItemResult(
        case_id="c",
        request="r",
        topic=topic,
        expected=expected,
        proposed=proposed,
        expected_family=family,
        proposed_family="MTUS-CPMTG",
        confidence=0.5,
    )


def test_balanced_accuracy_is_the_mean_of_recalls() -> None:
    results = (
        [item("upheld", "upheld")] * 8
        + [item("upheld", "overturned")] * 2
        + [item("overturned", "overturned"), item("overturned", "upheld", family="ODG")]
    )
    report = summarize(1, results, [])
    assert report.accuracy == 0.75
    assert report.recall_upheld == 0.8 and report.recall_overturned == 0.5
    assert report.balanced_accuracy == 0.65
    assert report.family_agreement == round(11 / 12, 4)
    assert report.confusion == {
        "upheld": {"upheld": 8, "overturned": 2},
        "overturned": {"upheld": 1, "overturned": 1},
    }


@pytest.mark.shared
@pytest.mark.skipif(
    not SHARED_CASES.exists(), reason="the development set (../shared) is not on this machine"
)
def test_development_set_agreement_stays_above_the_targets() -> None:
    from openimr.engine import Reviewer

    report = evaluate_cases(SHARED_CASES, Reviewer().review)
    assert report.items == 140 and not report.errors
    assert report.accuracy >= 0.90
    assert report.balanced_accuracy >= 0.75
    assert report.family_agreement >= 0.80
