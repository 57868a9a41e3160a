"""Evaluation against real IMR decisions: how often the engine agrees with the reviewer.

Input is a JSON-lines file whose lines hold ``case`` (a case file) and ``expected`` (the real
reviewer's decision and guideline families per item). Reported: accuracy, balanced accuracy
(mean recall of upheld and overturned), primary guideline-family agreement, the confusion
matrix, a per-topic table, every miss attributed to the criterion that decided it (a table by
failure class), and how well the confidence is calibrated (reliability by band, Brier score).

The cases split in two halves by a fixed rule, a hash of the case number (:func:`split_of`):
rules and vocabulary are changed while looking at the *tuning* half only; the *check* half
measures whether a change generalizes.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from openimr.casefile import parse_case_data
from openimr.domain import Decision, Determination, ItemDetermination
from openimr.errors import CaseFileError, InputError


class ExpectedItem(BaseModel):
    model_config = ConfigDict(extra="ignore")
    decision: str
    guideline_families: list[str] = Field(default_factory=list)
    request: str | None = None
    imr_guideline: str | None = None


Split = Literal["all", "tuning", "check"]
SPLITS: tuple[Split, ...] = ("all", "tuning", "check")


def split_of(case_id: str | None) -> Literal["tuning", "check"]:
    """The half a case belongs to: the low bit of the first byte of SHA-256 of its number."""
    digest = hashlib.sha256((case_id or "").encode("utf-8")).digest()
    return "check" if digest[0] & 1 else "tuning"


FailureClass = Literal[
    "no_topic",
    "tied_to_procedure",
    "criterion_silent",
    "criterion_not_met",
    "not_recommended",
    "criteria_read_as_met",
]
FAILURE_CLASSES: dict[str, str] = {
    "no_topic": "no guideline topic matched the request (proposal upheld for want of one)",
    "tied_to_procedure": "the decision followed the decision on the procedure it supports",
    "criterion_silent": "upheld because a required criterion was not documented either way",
    "criterion_not_met": "upheld because a required criterion was read as not met",
    "not_recommended": "upheld because the guideline does not recommend the service",
    "criteria_read_as_met": "overturned because every required criterion was read as met",
}


class ItemResult(BaseModel):
    case_id: str | None
    request: str
    topic: str
    expected: str
    proposed: str
    expected_family: str | None
    proposed_family: str
    confidence: float | None
    split: Literal["tuning", "check"] = "tuning"
    failure_class: FailureClass | None = None
    deciding_criterion: str | None = None
    deciding_finding: str | None = None


class FailureRow(BaseModel):
    failure_class: FailureClass
    description: str
    misses: int
    missed_overturned: int
    missed_upheld: int
    criteria: dict[str, int]


class ReliabilityRow(BaseModel):
    band: str
    items: int
    mean_confidence: float
    accuracy: float


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
    failures: list[FailureRow] = Field(default_factory=list)
    reliability: list[ReliabilityRow] = Field(default_factory=list)
    brier: float | None = None
    confident_half_accuracy: float | None = None
    split: Split = "all"
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


def attribute(item: ItemDetermination) -> tuple[FailureClass, str | None, str | None]:
    """Why the engine proposed what it did: the class, and the criterion that decided it."""
    codes = {flag.code for flag in item.flags}
    if "follows_procedure" in codes:
        criterion = item.criteria[0] if item.criteria else None
        return (
            "tied_to_procedure",
            criterion.id if criterion else None,
            (criterion.finding if criterion else None),
        )
    if codes & {"unmapped", "no_guidance_in_edition"}:
        return "no_topic", None, None
    required = [c for c in item.criteria if c.required]
    if item.decision is Decision.OVERTURNED:
        weakest = next((c for c in required if not c.evidence), required[0] if required else None)
        return (
            "criteria_read_as_met",
            weakest.id if weakest else None,
            (weakest.finding if weakest else None),
        )
    failed = next((c for c in required if c.met is False), None)
    if failed is not None:
        return "criterion_not_met", failed.id, failed.finding
    silent = next((c for c in required if c.met is None), None)
    if silent is not None:
        return "criterion_silent", silent.id, silent.finding
    return "not_recommended", None, None


def evaluate_cases(
    path: Path,
    review: Callable[[Any], Determination],
    progress: Callable[[int], None] | None = None,
    split: Split = "all",
    collect: Callable[[ItemDetermination, bool], None] | None = None,
) -> EvaluationReport:
    """Review every case (of the chosen half) and compare with the reviewer, item by item.

    ``collect`` receives each proposal and whether the reviewer decided the same (used to fit
    the confidence calibration).
    """
    results: list[ItemResult] = []
    errors: list[dict[str, str]] = []
    cases = 0
    for number, row in read_cases(path):
        where = f"{path}:{number}"
        if not isinstance(row, dict) or "case" not in row or "expected" not in row:
            errors.append({"line": where, "error": "expected keys 'case' and 'expected'"})
            continue
        half = split_of(
            (row["case"] or {}).get("case_id") if isinstance(row["case"], dict) else None
        )
        if split != "all" and half != split:
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
            failure, criterion, finding = attribute(item)
            missed = expected.decision != item.decision.value
            if collect is not None:
                collect(item, not missed)
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
                    split=half,
                    failure_class=failure if missed else None,
                    deciding_criterion=criterion if missed else None,
                    deciding_finding=finding if missed else None,
                )
            )
    return summarize(cases, results, errors, split)


RELIABILITY_BANDS: tuple[tuple[float, float], ...] = (
    (0.0, 0.5),
    (0.5, 0.6),
    (0.6, 0.7),
    (0.7, 0.8),
    (0.8, 0.9),
    (0.9, 0.95),
    (0.95, 1.0001),
)


def _reliability(results: list[ItemResult]) -> list[ReliabilityRow]:
    rows = []
    for low, high in RELIABILITY_BANDS:
        inside = [r for r in results if r.confidence is not None and low <= r.confidence < high]
        if not inside:
            continue
        rows.append(
            ReliabilityRow(
                band=f"{low:.2f}-{min(high, 1.0):.2f}",
                items=len(inside),
                mean_confidence=round(sum(r.confidence or 0.0 for r in inside) / len(inside), 4),
                accuracy=_ratio(sum(r.expected == r.proposed for r in inside), len(inside)),
            )
        )
    return rows


def _failures(results: list[ItemResult]) -> list[FailureRow]:
    rows = []
    for name, description in FAILURE_CLASSES.items():
        misses = [r for r in results if r.failure_class == name]
        if not misses:
            continue
        criteria = Counter(r.deciding_criterion or "-" for r in misses)
        rows.append(
            FailureRow(
                failure_class=name,  # type: ignore[arg-type]
                description=description,
                misses=len(misses),
                missed_overturned=sum(r.expected == "overturned" for r in misses),
                missed_upheld=sum(r.expected == "upheld" for r in misses),
                criteria=dict(sorted(criteria.items(), key=lambda kv: (-kv[1], kv[0]))),
            )
        )
    return rows


def _calibration(results: list[ItemResult]) -> tuple[float | None, float | None]:
    scored = [r for r in results if r.confidence is not None]
    if not scored:
        return None, None
    brier = sum(((r.confidence or 0.0) - (r.expected == r.proposed)) ** 2 for r in scored)
    ranked = sorted(scored, key=lambda r: -(r.confidence or 0.0))
    half = ranked[: max(1, len(ranked) // 2)]
    return round(brier / len(scored), 4), _ratio(
        sum(r.expected == r.proposed for r in half), len(half)
    )


def summarize(
    cases: int, results: list[ItemResult], errors: list[dict[str, str]], split: Split = "all"
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
    brier, confident = _calibration(results)
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
        failures=_failures(results),
        reliability=_reliability(results),
        brier=brier,
        confident_half_accuracy=confident,
        split=split,
        results=results,
    )
