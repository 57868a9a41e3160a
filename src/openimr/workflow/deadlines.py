"""Deadlines of a case, computed from ``rules/imr.yaml`` (imr-process.md §3.2).

Pure: the case's dates and traits go in, every deadline with its due date, whether it is met
or overdue, and the basis of the computation come out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from openimr.workflow.rules import BusinessDays, DeadlineRule, DeadlineVariant, WorkflowRules
from openimr.workflow.schemas import DeadlineView


@dataclass(frozen=True)
class CaseClock:
    """The dates and traits of a case that deadlines depend on."""

    review_type: str
    notice_method: str
    ur_service_method: str | None
    formulary_dispute: bool
    eligible: bool
    closed: bool
    ur_decision_served: date | None
    received: date
    screened: date | None = None
    assigned: date | None = None
    records_complete: date | None = None
    letter_issued: date | None = None

    def date_of(self, name: str) -> date | None:
        value: date | None = getattr(self, name)
        return value

    def trait(self, name: str) -> str | bool | None:
        value: str | bool | None = getattr(self, name)
        return value


def add_business_days(start: date, amount: int, calendar: BusinessDays) -> date:
    """``amount`` business days after ``start`` (weekends and listed holidays skipped)."""
    holidays = set(calendar.holidays)
    current = start
    remaining = amount
    while remaining > 0:
        current += timedelta(days=1)
        if calendar.weekdays_only and current.weekday() >= 5:
            continue
        if current in holidays:
            continue
        remaining -= 1
    return current


def _variant(rule: DeadlineRule, clock: CaseClock) -> DeadlineVariant:
    for variant in rule.variants:
        if any(clock.trait(key) != value for key, value in variant.when.items()):
            continue
        if variant.applies and not variant.applies.covers(clock.received):
            continue
        return variant
    return rule.variants[-1]  # unreachable: the last variant is unconditional (validated)


def compute(rules: WorkflowRules, clock: CaseClock, *, today: date) -> list[DeadlineView]:
    """Every deadline that can be dated for this case."""
    computed: dict[str, DeadlineView] = {}
    for rule in rules.deadlines:
        if rule.requires_eligible and not clock.eligible:
            continue
        start = clock.date_of(rule.starts)
        provisional = False
        if start is None and rule.provisional_from and rule.provisional_from in computed:
            start = computed[rule.provisional_from].due_on
            provisional = True
        if start is None:
            continue
        variant = _variant(rule, clock)
        if variant.unit == "business_days":
            due = add_business_days(start, variant.amount, rules.business_days)
        else:
            due = start + timedelta(days=variant.amount)
        met = clock.date_of(rule.met_by)
        unit = variant.unit.replace("_", " ")
        anchor = f"the due date of {rule.provisional_from}" if provisional else rule.starts
        basis = f"{variant.amount} {unit} from {anchor} ({start})"
        if variant.note:
            basis += f"; {variant.note}"
        computed[rule.id] = DeadlineView(
            name=rule.id,
            title=rule.title,
            due_on=due,
            met_on=met,
            provisional=provisional,
            overdue=met is None and not clock.closed and today > due,
            late=met is not None and met > due,
            days_left=None if met is not None else (due - today).days,
            source=rule.source,
            basis=basis,
        )
    return list(computed.values())
