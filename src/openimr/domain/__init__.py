"""Domain model: the types every layer speaks (determinations, citations, criteria)."""

from openimr.domain.determination import (
    AuditFinding,
    CriterionResult,
    Decision,
    Determination,
    Drug,
    EditionChoice,
    Evidence,
    Flag,
    GuidelineCitation,
    GuidelineFamily,
    ItemDetermination,
    NormalizedRequest,
    Quantity,
    ReviewerCredentials,
    UrModification,
)

__all__ = [
    "AuditFinding",
    "CriterionResult",
    "Decision",
    "Determination",
    "Drug",
    "EditionChoice",
    "Evidence",
    "Flag",
    "GuidelineCitation",
    "GuidelineFamily",
    "ItemDetermination",
    "NormalizedRequest",
    "Quantity",
    "ReviewerCredentials",
    "UrModification",
]
