"""Eligibility screening of an IMR application (imr-process.md §3.4).

Pure: the case file, the application facts, the dates and the ids of earlier filings of the
same dispute go in; every rule's outcome and the overall decision come out. Which rules apply,
their numbers and their sources come from ``rules/imr.yaml``; the functions here only say how
each named check reads the facts.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

from openimr.casefile import CaseFile, RecordKind
from openimr.store.audit_log import canonical_json
from openimr.workflow.rules import EligibilityRule, WorkflowRules
from openimr.workflow.schemas import Application, EligibilityResult, RuleOutcome

Outcome = Literal["pass", "fail", "unknown"]


@dataclass(frozen=True)
class ScreeningFacts:
    """Everything screening reads, resolved (defaults filled in from the case file)."""

    case_file: CaseFile
    application: Application
    received_on: date
    ur_served_on: date | None
    ur_decision_attached: bool
    duplicates: tuple[str, ...] = field(default_factory=tuple)

    @classmethod
    def resolve(
        cls,
        case_file: CaseFile,
        application: Application,
        *,
        received_on: date,
        duplicates: tuple[str, ...] = (),
    ) -> ScreeningFacts:
        attached = application.ur_decision_attached
        if attached is None:
            attached = any(r.kind is RecordKind.UR_DETERMINATION for r in case_file.records)
        return cls(
            case_file=case_file,
            application=application,
            received_on=received_on,
            ur_served_on=application.ur_decision_served_on or case_file.ur_decision_date,
            ur_decision_attached=attached,
            duplicates=duplicates,
        )

    def reference_date(self, by: str) -> date:
        if by == "ur_decision":
            return self.case_file.ur_decision_date or self.ur_served_on or self.received_on
        return self.received_on


def _within_imr_era(facts: ScreeningFacts, params: dict[str, Any]) -> tuple[Outcome, str]:
    injury = facts.case_file.claimant.date_of_injury
    decided = facts.case_file.ur_decision_date
    injury_from = date.fromisoformat(str(params["injury_on_or_after"]))
    decision_from = date.fromisoformat(str(params["ur_decision_on_or_after"]))
    if decided and decided >= decision_from:
        return "pass", f"UR decision dated {decided}, on or after {decision_from}"
    if injury and injury >= injury_from:
        return "pass", f"injury on {injury}, on or after {injury_from}"
    if decided and injury:
        return "fail", (
            f"injury before {injury_from} and UR decision before {decision_from}: "
            "the dispute is not under IMR"
        )
    return "unknown", "the date of injury or of the UR decision is needed"


def _filed_in_time(facts: ScreeningFacts, params: dict[str, Any]) -> tuple[Outcome, str]:
    served = facts.ur_served_on
    if served is None:
        return "unknown", "the date the UR decision was served is not known"
    days = int(params["days"])
    extra = int(params.get("mail_extension_days", 0))
    method = facts.application.ur_service_method
    late_by = (facts.received_on - served).days
    if method == "mail":
        days += extra
    if late_by <= days:
        return "pass", f"received {late_by} days after service (limit {days})"
    if method is None and late_by <= days + extra:
        return "unknown", (
            f"received {late_by} days after service: in time only if the UR decision was "
            "served by mail; the method of service is needed"
        )
    return "fail", f"received {late_by} days after service of the UR decision (limit {days})"


def _application_signed(facts: ScreeningFacts, _params: dict[str, Any]) -> tuple[Outcome, str]:
    signed = facts.application.signed
    if signed is None:
        return "unknown", "whether the application is signed is not stated"
    if signed:
        return "pass", "signed by the employee or a representative"
    return "fail", "the application is not signed by the employee or a representative"


def _ur_decision_attached(facts: ScreeningFacts, params: dict[str, Any]) -> tuple[Outcome, str]:
    if facts.ur_decision_attached:
        return "pass", "a copy of the UR decision came with the application"
    cure = params.get("cure_days")
    if cure is not None:
        due = facts.received_on + timedelta(days=int(cure))
        return "fail", f"no copy of the UR decision; the employee may send it by {due}"
    return "fail", "no copy of the UR decision came with the application"


def _medical_necessity_dispute(
    facts: ScreeningFacts, params: dict[str, Any]
) -> tuple[Outcome, str]:
    if not facts.application.disputes_medical_necessity:
        return "fail", "the application does not dispute medical necessity"
    delay_until = date.fromisoformat(str(params["delay_counts_until"]))
    decided = facts.reference_date("ur_decision")
    unknown: list[int] = []
    refused: list[int] = []
    for index, item in enumerate(facts.case_file.disputed_items):
        if item.ur_decision is None:
            unknown.append(index)
        elif item.ur_decision.value == "delayed" and decided > delay_until:
            refused.append(index)
    if refused:
        listed = ", ".join(f"disputed_items[{i}]" for i in refused)
        return "fail", f"{listed}: a UR delay after {delay_until} is not a UR decision under IMR"
    if unknown:
        listed = ", ".join(f"disputed_items[{i}]" for i in unknown)
        return "unknown", f"{listed}: whether UR denied or modified the request is not stated"
    return "pass", "every disputed item was denied or modified by UR"


def _no_cnc(facts: ScreeningFacts, _params: dict[str, Any]) -> tuple[Outcome, str]:
    if facts.application.ur_contains_cnc:
        return "fail", "the UR decision is a conditional non-certification"
    return "pass", "no conditional non-certification"


def _not_duplicate(facts: ScreeningFacts, _params: dict[str, Any]) -> tuple[Outcome, str]:
    if facts.duplicates:
        return "fail", "the same dispute is already on file as " + ", ".join(facts.duplicates)
    return "pass", "no earlier application for the same dispute"


CHECKS: dict[str, Callable[[ScreeningFacts, dict[str, Any]], tuple[Outcome, str]]] = {
    "within_imr_era": _within_imr_era,
    "filed_in_time": _filed_in_time,
    "application_signed": _application_signed,
    "ur_decision_attached": _ur_decision_attached,
    "medical_necessity_dispute": _medical_necessity_dispute,
    "no_cnc": _no_cnc,
    "not_duplicate": _not_duplicate,
}


def _evaluate(rule: EligibilityRule, facts: ScreeningFacts) -> RuleOutcome:
    on = facts.reference_date(rule.applies.by)
    base = {"rule": rule.id, "title": rule.title, "source": rule.source}
    if not rule.applies.covers(on):
        return RuleOutcome(**base, outcome="not_applicable", message=f"does not apply on {on}")
    outcome, message = CHECKS[rule.check](facts, rule.params)
    return RuleOutcome(**base, outcome=outcome, message=message)


def screen(facts: ScreeningFacts, rules: WorkflowRules, *, today: date) -> EligibilityResult:
    """Apply every rule; ineligible if any ineligibility rule fails, else ask when unsure.

    An ineligible result is ``correctable`` when every rule that made it so is one the
    applicant cures by sending what was missing: the case may then be corrected and screened
    again instead of being refused for good."""
    outcomes = [_evaluate(rule, facts) for rule in rules.eligibility]
    by_id = {rule.id: rule for rule in rules.eligibility}
    ineligible = [
        o for o in outcomes if o.outcome == "fail" and by_id[o.rule].on_fail == "ineligible"
    ]
    open_questions = [
        o
        for o in outcomes
        if o.outcome == "unknown"
        or (o.outcome == "fail" and by_id[o.rule].on_fail == "needs_information")
    ]
    correctable = bool(ineligible) and all(by_id[o.rule].correctable for o in ineligible)
    if ineligible:
        verdict: Literal["eligible", "ineligible", "needs_information"] = "ineligible"
        reasons = [f"{o.title}: {o.message} ({o.source})" for o in ineligible]
    elif open_questions:
        verdict = "needs_information"
        reasons = [f"{o.title}: {o.message} ({o.source})" for o in open_questions]
    else:
        verdict = "eligible"
        reasons = []
    return EligibilityResult(
        outcome=verdict,
        screened_on=today,
        reasons=reasons,
        rules=outcomes,
        duplicate_of=list(facts.duplicates),
        correctable=correctable,
    )


_SPACES = re.compile(r"\s+")


def dispute_key(case_file: CaseFile, application: Application) -> str:
    """Identifies "the same dispute": injury, UR decision, claim and the disputed requests."""
    requests = sorted(
        _SPACES.sub(" ", item.request.casefold()).strip() for item in case_file.disputed_items
    )
    claim = _SPACES.sub("", (application.claim_number or "").casefold())
    data = {
        "injury": str(case_file.claimant.date_of_injury or ""),
        "ur": str(case_file.ur_decision_date or application.ur_decision_served_on or ""),
        "claim": claim,
        "requests": requests,
    }
    return hashlib.sha256(canonical_json(data).encode()).hexdigest()
