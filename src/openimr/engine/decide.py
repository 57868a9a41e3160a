"""From evaluated criteria to a decision and a rationale written from the findings.

The rule is the reviewers' rule: a request is medically necessary when every required
criterion of the guideline relied on is shown in the records. Where the records are silent
the burden stays with the request (upheld), and the item is flagged so the physician looks.
"""

from __future__ import annotations

from dataclasses import dataclass

from openimr.domain import CriterionResult, Decision, Evidence, Flag, GuidelineCitation
from openimr.engine.criteria import Outcome, Situation, evaluate
from openimr.engine.select import Selection
from openimr.facts.mentions import unique_evidence
from openimr.knowledge.topics import CriterionSpec

MAX_EVIDENCE_PER_CRITERION = 3
MAX_QUOTE_CHARS = 240


@dataclass(frozen=True)
class Judgement:
    decision: Decision
    criteria: list[CriterionResult]
    rationale: str
    flags: list[Flag]


def _evidence(outcome: Outcome) -> list[Evidence]:
    out: list[Evidence] = []
    for item in unique_evidence(outcome.evidence)[:MAX_EVIDENCE_PER_CRITERION]:
        quote = item.quote
        if len(quote) > MAX_QUOTE_CHARS:
            quote = quote[:MAX_QUOTE_CHARS] + "..."
        out.append(item.model_copy(update={"quote": " ".join(quote.split())}))
    return out


def evaluate_criteria(
    specs: tuple[CriterionSpec, ...], situation: Situation
) -> list[CriterionResult]:
    results = []
    for spec in specs:
        outcome = evaluate(spec.check, situation)
        results.append(
            CriterionResult(
                id=spec.id,
                text=spec.text,
                met=outcome.value,
                required=spec.required,
                finding=outcome.finding,
                evidence=_evidence(outcome),
            )
        )
    return results


def cite_text(citation: GuidelineCitation) -> str:
    """A short human name for a citation used inside a rationale."""
    parts = [citation.title or citation.family.value]
    if citation.edition and citation.edition not in (citation.title or ""):
        parts[0] += f" ({citation.edition})"
    if citation.chapter:
        parts.append(citation.chapter)
    if citation.sections:
        parts.append(", ".join(citation.sections))
    if citation.pages:
        pages = citation.pages
        parts.append(("pages " if "-" in pages or "," in pages else "page ") + pages)
    return ", ".join(parts)


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def _quote(result: CriterionResult) -> str:
    if not result.evidence:
        return ""
    quote = result.evidence[0].quote
    if len(quote) > 140:
        quote = quote[:137].rsplit(" ", 1)[0] + "..."
    return f' (the records state: "{quote}")'


def _criterion_sentence(result: CriterionResult, spec: CriterionSpec) -> str:
    finding = f" ({result.finding})" if result.finding else ""
    if result.met is True:
        base = spec.met or f"The records show this criterion met: {spec.text.rstrip('.').lower()}"
        return _sentence(base + _quote(result) if spec.met else base + finding + _quote(result))
    if result.met is False:
        base = spec.not_met or f"Not met: {spec.text.rstrip('.').lower()}"
        return _sentence(base + finding + _quote(result))
    base = spec.unknown or f"The records do not document that {spec.text.rstrip('.').lower()}"
    return _sentence(base + finding)


def judge(
    selection: Selection,
    situation: Situation,
    request_label: str,
) -> Judgement:
    specs = selection.guidance.criteria
    results = evaluate_criteria(specs, situation)
    required = [(r, s) for r, s in zip(results, specs, strict=True) if r.required]
    flags: list[Flag] = []
    if not required:
        met_all = selection.guidance.recommendation in {"recommended"}
        unknown: list[tuple[CriterionResult, CriterionSpec]] = []
        failed: list[tuple[CriterionResult, CriterionSpec]] = []
    else:
        failed = [(r, s) for r, s in required if r.met is False]
        unknown = [(r, s) for r, s in required if r.met is None]
        met_all = not failed and not unknown
    decision = Decision.OVERTURNED if met_all else Decision.UPHELD
    for result, _spec in unknown:
        flags.append(
            Flag(
                code="not_documented",
                message=f"Records are silent on: {result.text} Check the records before signing.",
            )
        )
    if not selection.mtus_addresses:
        flags.append(Flag(code="non_mtus_guideline", message=selection.search_note))

    # rationale: the guideline, what it requires, what the records show, the conclusion
    lines = [
        _sentence(f"{cite_text(selection.citation)}: {selection.guidance.summary}"),
    ]
    if not selection.mtus_addresses:
        lines.insert(0, _sentence(selection.search_note))
    ordered = (
        failed + unknown + [(r, s) for r, s in zip(results, specs, strict=True) if r.met is True]
    )
    lines += [_criterion_sentence(result, spec) for result, spec in ordered[:4]]
    if decision is Decision.OVERTURNED:
        lines.append(
            _sentence(
                f"The guideline's criteria are met, so the request for {request_label} is "
                "medically necessary"
            )
        )
    else:
        if failed:
            reason = "the records show that the guideline's criteria are not met"
        elif unknown:
            reason = "the records do not document what the guideline requires"
        else:
            reason = "the guideline does not recommend this treatment"
        lines.append(
            _sentence(
                f"Because {reason}, the request for {request_label} is not medically necessary"
            )
        )
    return Judgement(decision, results, " ".join(lines), flags)
