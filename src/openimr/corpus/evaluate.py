"""Evaluation against real IMR decisions: how often the engine agrees with the reviewer.

Input is a JSON-lines file whose lines hold ``case`` (a case file) and ``expected`` (the real
reviewer's decision and guideline families per item). Reported: accuracy, balanced accuracy
(mean recall of upheld and overturned), primary guideline-family agreement, the confusion
matrix, and a per-topic table.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from openimr.casefile import parse_case_data
from openimr.domain import Determination
from openimr.errors import CaseFileError, InputError


class ExpectedItem(BaseModel):
    model_config = ConfigDict(extra="ignore")
    decision: str
    guideline_families: list[str] = Field(default_factory=list)
    request: str | None = None
    imr_guideline: str | None = None


class ItemResult(BaseModel):
    case_id: str | None
    request: str
    topic: str
    expected: str
    proposed: str
    expected_family: str | None
    proposed_family: str
    confidence: float | None


class TopicRow(BaseModel):
    topic: str
    items: int
    correct: int
    family_agree: int
    expected_overturned: int
    proposed_overturned: int


class EvaluationReport(BaseModel):
    cases: int
    items: int
    errors: list[dict[str, str]]
    accuracy: float
    balanced_accuracy: float
    recall_upheld: float
    recall_overturned: float
    family_agreement: float
    confusion: dict[str, dict[str, int]]
    per_topic: list[TopicRow]
    results: list[ItemResult]


def _ratio(numerator: int, denominator: int) -> float:
    return round(numerator / denominator, 4) if denominator else 0.0


def read_cases(path: Path) -> Iterable[tuple[int, dict[str, Any]]]:
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", source=str(path)) from None
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                yield number, json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(
                    f"malformed JSON: {exc.msg}", source=str(path), location=f"line {number}"
                ) from None


def evaluate_cases(
    path: Path,
    review: Callable[[Any], Determination],
    progress: Callable[[int], None] | None = None,
) -> EvaluationReport:
    results: list[ItemResult] = []
    errors: list[dict[str, str]] = []
    cases = 0
    for number, row in read_cases(path):
        where = f"{path}:{number}"
        if not isinstance(row, dict) or "case" not in row or "expected" not in row:
            errors.append({"line": where, "error": "expected keys 'case' and 'expected'"})
            continue
        try:
            case = parse_case_data(row["case"], source=where)
        except CaseFileError as exc:
            errors.append({"line": where, "error": str(exc)})
            continue
        expected_items = [ExpectedItem.model_validate(i) for i in row["expected"].get("items", [])]
        determination = review(case)
        cases += 1
        if progress:
            progress(cases)
        if len(expected_items) != len(determination.items):
            errors.append(
                {"line": where, "error": "number of expected items differs from the case"}
            )
            continue
        for item, expected in zip(determination.items, expected_items, strict=True):
            results.append(
                ItemResult(
                    case_id=case.case_id,
                    request=item.request,
                    topic=item.normalized.topic if item.normalized else "unmapped",
                    expected=expected.decision,
                    proposed=item.decision.value,
                    expected_family=expected.guideline_families[0]
                    if expected.guideline_families
                    else None,
                    proposed_family=item.guideline.family.value,
                    confidence=item.confidence,
                )
            )
    return summarize(cases, results, errors)


def summarize(
    cases: int, results: list[ItemResult], errors: list[dict[str, str]]
) -> EvaluationReport:
    labels = ("upheld", "overturned")
    confusion = {e: {p: 0 for p in labels} for e in labels}
    for r in results:
        if r.expected in confusion and r.proposed in labels:
            confusion[r.expected][r.proposed] += 1
    correct = sum(1 for r in results if r.expected == r.proposed)
    recall = {
        label: _ratio(confusion[label][label], sum(confusion[label].values())) for label in labels
    }
    with_family = [r for r in results if r.expected_family]
    family = sum(1 for r in with_family if r.expected_family == r.proposed_family)
    per_topic: dict[str, Counter[str]] = defaultdict(Counter)
    for r in results:
        counts = per_topic[r.topic]
        counts["items"] += 1
        counts["correct"] += r.expected == r.proposed
        counts["family_agree"] += r.expected_family == r.proposed_family
        counts["expected_overturned"] += r.expected == "overturned"
        counts["proposed_overturned"] += r.proposed == "overturned"
    rows = [
        TopicRow(
            topic=topic,
            **{
                k: counts[k]
                for k in (
                    "items",
                    "correct",
                    "family_agree",
                    "expected_overturned",
                    "proposed_overturned",
                )
            },
        )
        for topic, counts in sorted(per_topic.items(), key=lambda kv: (-kv[1]["items"], kv[0]))
    ]
    return EvaluationReport(
        cases=cases,
        items=len(results),
        errors=errors,
        accuracy=_ratio(correct, len(results)),
        balanced_accuracy=round((recall["upheld"] + recall["overturned"]) / 2, 4),
        recall_upheld=recall["upheld"],
        recall_overturned=recall["overturned"],
        family_agreement=_ratio(family, len(with_family)),
        confusion=confusion,
        per_topic=rows,
        results=results,
    )
