"""Agreement with real reviewers: the metrics, and the development set where it exists."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from openimr.corpus.evaluate import ItemResult, evaluate_cases, split_of, summarize

SHARED_CASES = Path(__file__).parents[3] / "shared" / "eval-dev" / "cases.jsonl"


def item(
    expected: str,
    proposed: str,
    family: str = "MTUS-CPMTG",
    topic: str = "t",
    confidence: float = 0.5,
) -> ItemResult:
    return ItemResult(
        case_id="c",
        request="r",
        topic=topic,
        expected=expected,
        proposed=proposed,
        expected_family=family,
        proposed_family="MTUS-CPMTG",
        confidence=confidence,
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


def test_reliability_bands_brier_and_the_confident_half() -> None:
    results = [item("upheld", "upheld", confidence=0.95)] * 6 + [
        item("upheld", "overturned", confidence=0.55),
        item("overturned", "overturned", confidence=0.65),
    ]
    report = summarize(1, results, [])
    bands = {row.band: (row.items, row.accuracy) for row in report.reliability}
    assert bands == {"0.50-0.60": (1, 0.0), "0.60-0.70": (1, 1.0), "0.95-1.00": (6, 1.0)}
    expected_brier = (6 * 0.05**2 + 0.55**2 + 0.35**2) / 8
    assert report.brier == round(expected_brier, 4)
    assert report.confident_half_accuracy == 1.0


def test_split_is_a_fixed_rule_of_the_case_number() -> None:
    halves = {split_of(f"CM16-{n:07d}") for n in range(40)}
    assert halves == {"tuning", "check"}
    assert split_of("CM16-0000001") == split_of("CM16-0000001")


def _fixture_cases(tmp_path: Path) -> Path:
    """Two cases, one per half, with a known reviewer decision each."""
    lines = []
    number = 0
    wanted = {"tuning": None, "check": None}
    while None in wanted.values():
        case_id = f"CM16-{number:07d}"
        half = split_of(case_id)
        if wanted[half] is None:
            wanted[half] = case_id
        number += 1
    for half, case_id in wanted.items():
        case = {
            "case_id": case_id,
            "claimant": {"date_of_injury": "2016-01-04"},
            "ur_decision_date": "2016-11-15",
            "disputed_items": [{"request": "Purchase of a bath/shower chair"}],
            "records": [{"kind": "progress_report", "text": "Low back pain; walks unaided."}],
        }
        decision = "upheld" if half == "tuning" else "overturned"
        lines.append(json.dumps({"case": case, "expected": {"items": [{"decision": decision}]}}))
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_each_half_alone_and_misses_attributed(tmp_path: Path) -> None:
    from openimr.engine import ReviewEngine

    path = _fixture_cases(tmp_path)
    engine = ReviewEngine()
    tuning = evaluate_cases(path, engine.review, split="tuning")
    check = evaluate_cases(path, engine.review, split="check")
    assert (tuning.cases, check.cases) == (1, 1)
    assert tuning.accuracy == 1.0 and tuning.failures == []
    miss = check.results[0]
    assert miss.failure_class == "criterion_silent"
    assert miss.deciding_criterion == "confined_or_limited"
    assert [row.failure_class for row in check.failures] == ["criterion_silent"]
    assert check.failures[0].missed_overturned == 1


def test_calibration_fit_orders_confidence_by_agreement(tmp_path: Path) -> None:
    from openimr.engine import ReviewEngine
    from openimr.engine.confidence import dump, fit

    path = _fixture_cases(tmp_path)
    rows: list = []
    evaluate_cases(path, ReviewEngine().review, collect=lambda i, agreed: rows.append((i, agreed)))
    calibration = fit(rows, fitted_on="two fixture cases")
    assert calibration.items == 2 and set(calibration.weights) >= {"overturned"}
    text = dump(calibration)
    assert text.startswith("# Calibration") and "fitted_on: two fixture cases" in text


@pytest.mark.shared
@pytest.mark.skipif(
    not SHARED_CASES.exists(), reason="the development set (../shared) is not on this machine"
)
def test_development_set_agreement_stays_above_the_floors() -> None:
    """Floors a little below the figures measured when the rules last changed (all 134
    letters), so that a change that loses agreement fails here; the figures themselves are
    reported by ``openimr eval --split``."""
    from openimr.engine import ReviewEngine

    report = evaluate_cases(SHARED_CASES, ReviewEngine().review)
    assert report.items == 293 and not report.errors
    assert report.accuracy >= 0.92
    assert report.balanced_accuracy >= 0.81
    assert report.family_agreement >= 0.84
    assert report.confident_half_accuracy is not None and report.confident_half_accuracy >= 0.97
