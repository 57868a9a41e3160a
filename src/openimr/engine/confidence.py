"""How sure the engine is: a calibrated probability that the reviewer would decide the same.

The probability is a logistic function of what the proposal rests on: whether it overturns,
how many of the required criteria the records show met, contradicted or silent, whether the
evidence is quoted, whether the guideline is specific to the request or general to its kind
of service, whether the decision follows an operation's, the flags raised, and the topic's
own agreement with reviewers. The weights are fitted on the tuning half of the development
set only (``openimr eval --split tuning --fit-calibration FILE``) and kept, with what they
were fitted on, in ``engine/data/calibration.yaml``; the check half measures them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

from openimr.domain import Decision, ItemDetermination
from openimr.errors import KnowledgeBaseError

CALIBRATION_FILE = Path(__file__).parent / "data" / "calibration.yaml"

#: Prior weight (in items) pulling a topic's agreement rate toward the overall rate.
TOPIC_PRIOR_ITEMS = 5.0

FEATURES: tuple[str, ...] = (
    "overturned",
    "required_met_share",
    "required_failed_share",
    "required_silent_share",
    "two_or_more_failed",
    "no_required_criteria",
    "quoted_share",
    "general_guidance",
    "follows_procedure",
    "non_mtus",
    "region_inferred",
    "topic_agreement",
)


class TopicHistory(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    items: int = Field(ge=0)
    agreed: int = Field(ge=0)


class Calibration(BaseModel):
    """Fitted weights and the topic histories they were fitted with."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    fitted_on: str
    items: int = Field(ge=0)
    overall_agreement: float = Field(gt=0.0, lt=1.0)
    intercept: float
    weights: dict[str, float]
    topics: dict[str, TopicHistory] = Field(default_factory=dict)

    def topic_logit(self, topic: str | None) -> float:
        """Log-odds of the topic's smoothed agreement rate (overall rate when unseen)."""
        history = self.topics.get(topic or "")
        prior = self.overall_agreement
        if history is None:
            rate = prior
        else:
            rate = (history.agreed + TOPIC_PRIOR_ITEMS * prior) / (
                history.items + TOPIC_PRIOR_ITEMS
            )
        rate = min(max(rate, 1e-3), 1 - 1e-3)
        return math.log(rate / (1 - rate)) - math.log(prior / (1 - prior))

    def probability(self, item: ItemDetermination) -> float:
        values = features(item, self)
        score = self.intercept + sum(self.weights.get(k, 0.0) * v for k, v in values.items())
        return round(1.0 / (1.0 + math.exp(-score)), 2)


def features(item: ItemDetermination, calibration: Calibration | None = None) -> dict[str, float]:
    """The proposal's state as numbers, in :data:`FEATURES` order."""
    codes = {flag.code for flag in item.flags}
    required = [c for c in item.criteria if c.required]
    count = len(required) or 1
    met = [c for c in required if c.met is True]
    failed = [c for c in required if c.met is False]
    silent = [c for c in required if c.met is None]
    topic = item.normalized.topic if item.normalized else None
    values = {
        "overturned": float(item.decision is Decision.OVERTURNED),
        "required_met_share": len(met) / count if required else 0.0,
        "required_failed_share": len(failed) / count if required else 0.0,
        "required_silent_share": len(silent) / count if required else 0.0,
        "two_or_more_failed": float(len(failed) >= 2),
        "no_required_criteria": float(not required),
        "quoted_share": (sum(1 for c in met if c.evidence) / len(met)) if met else 0.0,
        "general_guidance": float(bool(codes & {"general_guidance", "unmapped"})),
        "follows_procedure": float("follows_procedure" in codes),
        "non_mtus": float("non_mtus_guideline" in codes),
        "region_inferred": float("region_inferred" in codes),
        "topic_agreement": calibration.topic_logit(topic) if calibration else 0.0,
    }
    return {name: values[name] for name in FEATURES}


@cache
def default_calibration() -> Calibration:
    """The bundled calibration, loaded once."""
    try:
        data = yaml.safe_load(CALIBRATION_FILE.read_text(encoding="utf-8"))
        return Calibration.model_validate(data)
    except (OSError, yaml.YAMLError, ValueError) as exc:
        raise KnowledgeBaseError(f"{CALIBRATION_FILE}: {exc}") from None


def calibrated(items: Iterable[ItemDetermination]) -> list[ItemDetermination]:
    """The items with their confidence replaced by the calibrated probability."""
    calibration = default_calibration()
    return [item.model_copy(update={"confidence": calibration.probability(item)}) for item in items]


def fit(
    rows: Sequence[tuple[ItemDetermination, bool]], fitted_on: str, l2: float = 1.0
) -> Calibration:
    """Fit the weights by L2-regularized logistic regression (Newton's method).

    ``rows`` pairs each proposal with whether the reviewer decided the same. Topic histories
    come from the same rows; each row's topic feature leaves the row itself out, so that a
    topic is not credited with the very item being predicted.
    """
    import numpy as np

    if not rows:
        raise ValueError("no items to fit a calibration on")
    agreed_total = sum(1 for _item, agreed in rows if agreed)
    overall = min(max(agreed_total / len(rows), 0.01), 0.99)
    topics: dict[str, list[int]] = {}
    for item, agreed in rows:
        topic = item.normalized.topic if item.normalized else ""
        counts = topics.setdefault(topic, [0, 0])
        counts[0] += 1
        counts[1] += int(agreed)
    histories = {t: TopicHistory(items=c[0], agreed=c[1]) for t, c in sorted(topics.items())}
    base = Calibration(
        fitted_on=fitted_on,
        items=len(rows),
        overall_agreement=round(overall, 4),
        intercept=0.0,
        weights={},
        topics=histories,
    )
    matrix, target = [], []
    for item, agreed in rows:
        topic = item.normalized.topic if item.normalized else ""
        counts = topics[topic]
        left_out = base.model_copy(
            update={
                "topics": {
                    **histories,
                    topic: TopicHistory(items=counts[0] - 1, agreed=counts[1] - int(agreed)),
                }
            }
        )
        matrix.append([1.0, *features(item, left_out).values()])
        target.append(1.0 if agreed else 0.0)
    x, y = np.array(matrix), np.array(target)
    beta = np.zeros(x.shape[1])
    penalty = np.eye(x.shape[1]) * l2
    penalty[0, 0] = 0.0  # the intercept is not shrunk
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-(x @ beta)))
        gradient = x.T @ (y - p) - penalty @ beta
        hessian = x.T @ (x * (p * (1 - p))[:, None]) + penalty
        step = np.linalg.solve(hessian, gradient)
        beta = beta + step
        if float(np.max(np.abs(step))) < 1e-9:
            break
    return base.model_copy(
        update={
            "intercept": round(float(beta[0]), 4),
            "weights": {
                name: round(float(b), 4) for name, b in zip(FEATURES, beta[1:], strict=True)
            },
        }
    )


def dump(calibration: Calibration) -> str:
    """The calibration file's text (sorted, stable, with a header saying what it is)."""
    header = (
        "# Calibration of the engine's confidence: logistic weights over the proposal's state\n"
        "# (see engine/confidence.py), fitted on the tuning half of the development set only.\n"
        "# Regenerate with: openimr eval CASES.jsonl --split tuning --fit-calibration FILE\n"
    )
    data = calibration.model_dump(mode="json")
    return header + yaml.safe_dump(data, sort_keys=True, allow_unicode=True)
