"""Eligibility, deadlines, assignment and the state machine, as pure functions."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openimr.casefile import parse_case_data
from openimr.errors import IllegalTransition, WorkflowError
from openimr.workflow.assignment import (
    Candidate,
    Parties,
    choose,
    names_match,
    qualification_problems,
    requirements,
)
from openimr.workflow.deadlines import CaseClock, add_business_days, compute
from openimr.workflow.eligibility import ScreeningFacts, screen
from openimr.workflow.rules import BusinessDays, specialty_rules, workflow_rules
from openimr.workflow.schemas import Application
from openimr.workflow.states import TRANSITIONS, CaseStatus, check_transition

TODAY = date(2026, 11, 20)


def _case(**overrides):
    data = {
        "claimant": {"date_of_injury": "2025-03-04"},
        "claims_administrator": "Golden State Insurance Co.",
        "ur_decision_date": "2026-11-10",
        "disputed_items": [
            {"request": "Lumbar epidural steroid injection L4-5", "ur_decision": "denied"}
        ],
        "records": [
            {"kind": "progress_report", "text": "Radicular pain.", "author": "Dana Lee, MD"},
            {"kind": "ur_determination", "text": "Denied."},
        ],
    }
    data.update(overrides)
    return parse_case_data(data, today=TODAY)


def _screen(case=None, received=TODAY, duplicates=(), **application):
    facts = ScreeningFacts.resolve(
        case or _case(), Application(**application), received_on=received, duplicates=duplicates
    )
    return screen(facts, workflow_rules(), today=TODAY)


def _failed(result):
    return {r.rule for r in result.rules if r.outcome == "fail"}


def test_every_rule_names_its_source_and_dates():
    rules = workflow_rules()
    for rule in rules.eligibility:
        assert rule.source and rule.applies.from_ is not None
    for deadline in rules.deadlines:
        assert deadline.source


def test_complete_application_is_eligible():
    assert _screen(signed=True).outcome == "eligible"


def test_filing_window_and_mail_extension():
    late = _screen(received=date(2026, 12, 12), signed=True, ur_service_method="electronic")
    assert late.outcome == "ineligible" and "timely_application" in _failed(late)
    by_mail = _screen(received=date(2026, 12, 12), signed=True, ur_service_method="mail")
    assert by_mail.outcome == "eligible"
    unknown = _screen(received=date(2026, 12, 12), signed=True)
    assert unknown.outcome == "needs_information"


def test_signature_missing_or_unknown():
    assert _screen(signed=False).outcome == "ineligible"
    assert _screen().outcome == "needs_information"


def test_missing_ur_decision_depends_on_the_date():
    without = _case(records=[{"kind": "progress_report", "text": "Pain."}])
    assert "ur_decision_attached" in _failed(_screen(without, signed=True))
    old = _case(
        records=[{"kind": "progress_report", "text": "Pain."}],
        ur_decision_date="2014-02-10",
        claimant={"date_of_injury": "2013-02-01"},
    )
    result = _screen(old, received=date(2014, 2, 20), signed=True)
    assert result.outcome == "needs_information"
    assert "ur_decision_attached_reminder" in _failed(result)


def test_not_a_medical_necessity_dispute_cnc_and_duplicates():
    delayed = _case(disputed_items=[{"request": "MRI lumbar spine", "ur_decision": "delayed"}])
    assert "medical_necessity_dispute" in _failed(_screen(delayed, signed=True))
    assert _screen(signed=True, disputes_medical_necessity=False).outcome == "ineligible"
    assert "no_conditional_non_certification" in _failed(_screen(signed=True, ur_contains_cnc=True))
    duplicate = _screen(signed=True, duplicates=("imr-1",))
    assert duplicate.outcome == "ineligible" and duplicate.duplicate_of == ["imr-1"]


def _clock(**overrides):
    values = {
        "review_type": "regular",
        "notice_method": "electronic",
        "ur_service_method": None,
        "formulary_dispute": False,
        "eligible": True,
        "closed": False,
        "ur_decision_served": date(2026, 11, 10),
        "received": date(2026, 11, 18),
        "screened": date(2026, 11, 20),  # a Friday
    }
    values.update(overrides)
    return CaseClock(**values)


def test_deadlines_regular_expedited_and_mail():
    regular = {
        d.name: d
        for d in compute(workflow_rules(), _clock(assigned=date(2026, 11, 23)), today=TODAY)
    }
    assert regular["assignment"].due_on == date(2026, 11, 23)  # next business day
    assert regular["records"].due_on == date(2026, 12, 5) and not regular["records"].provisional
    assert (
        regular["determination"].due_on == date(2027, 1, 4) and regular["determination"].provisional
    )
    mailed = {
        d.name: d
        for d in compute(
            workflow_rules(), _clock(assigned=date(2026, 11, 23), notice_method="mail"), today=TODAY
        )
    }
    assert mailed["records"].due_on == date(2026, 12, 8)
    fast = {
        d.name: d
        for d in compute(
            workflow_rules(),
            _clock(
                review_type="expedited",
                assigned=date(2026, 11, 23),
                records_complete=date(2026, 11, 24),
            ),
            today=TODAY,
        )
    }
    assert fast["records"].due_on == date(2026, 11, 24)
    assert fast["determination"].due_on == date(2026, 11, 27)
    formulary = {
        d.name: d
        for d in compute(
            workflow_rules(),
            _clock(formulary_dispute=True, records_complete=date(2026, 11, 20)),
            today=TODAY,
        )
    }
    assert formulary["determination"].due_on == date(2026, 11, 27)


def test_overdue_only_while_open():
    late = compute(workflow_rules(), _clock(), today=TODAY + timedelta(days=60))
    assert {d.name for d in late if d.overdue} == {"assignment", "records", "determination"}
    closed = compute(workflow_rules(), _clock(closed=True), today=TODAY + timedelta(days=60))
    assert not any(d.overdue for d in closed)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)), st.integers(0, 40))
def test_business_days_skip_weekends(start, amount):
    due = add_business_days(start, amount, BusinessDays())
    if amount:
        assert due.weekday() < 5
    weekdays = sum(
        1 for n in range(1, (due - start).days + 1) if (start + timedelta(n)).weekday() < 5
    )
    assert weekdays == amount


@given(st.text(max_size=40), st.text(max_size=40))
def test_name_matching_is_symmetric(a, b):
    assert names_match(a, b) == names_match(b, a)


def _candidate(code, **overrides):
    values = {
        "id": hash(code) % 10_000,
        "code": code,
        "license_states": ("CA",),
        "license_unrestricted": True,
        "board_certifications": ("ABA",),
        "specialties": ("pain medicine",),
        "years_active_practice": 10.0,
        "weekly_clinical_hours": 30.0,
        "affiliations": (),
        "max_open_cases": None,
        "active": True,
        "open_cases": 0,
    }
    values.update(overrides)
    return Candidate(**values)


def test_assignment_balances_load_and_explains_exclusions():
    case = _case()
    candidates = [
        _candidate("A", open_cases=3),
        _candidate("B", open_cases=1),
        _candidate("C", specialties=("psychiatry",)),
        _candidate("D", affiliations=("Dana Lee MD",)),
        _candidate("E", years_active_practice=5.0),
        _candidate("F", weekly_clinical_hours=10.0, license_states=()),
    ]
    choice = choose(
        case,
        Parties.of(case, Application()),
        candidates,
        workflow_rules().reviewer_qualifications,
        specialty_rules(),
    )
    assert choice.chosen.code == "B"
    reasons = {e.reviewer: " ".join(e.reasons) for e in choice.excluded}
    assert "3 open case(s) against 1" in reasons["A"]
    assert "does not evaluate or treat" in reasons["C"]
    assert "affiliated with the providers" in reasons["D"]
    assert "more than 5 required" in reasons["E"]
    assert "licence" in reasons["F"] and "hours" in reasons["F"]
    with pytest.raises(WorkflowError, match="cannot take this case"):
        choose(
            case,
            Parties.of(case, Application()),
            candidates,
            workflow_rules().reviewer_qualifications,
            specialty_rules(),
            wanted="C",
        )


def test_state_machine_refuses_unlisted_transitions():
    check_transition("eligible", "assigned")
    with pytest.raises(IllegalTransition, match="cannot become determination_signed"):
        check_transition("assigned", "determination_signed")
    with pytest.raises(IllegalTransition, match="final state"):
        check_transition("letter_issued", "in_review")
    reachable = {CaseStatus.APPLICATION_RECEIVED}
    frontier = [CaseStatus.APPLICATION_RECEIVED]
    while frontier:
        for nxt in TRANSITIONS[frontier.pop()]:
            if nxt not in reachable:
                reachable.add(nxt)
                frontier.append(nxt)
    assert reachable == set(CaseStatus)


def test_board_certification_is_asked_only_where_the_rules_say() -> None:
    rules = workflow_rules().reviewer_qualifications
    assert set(rules.board_certification.required_for) == {"md", "do"}
    for profession in rules.professions:
        candidate = _candidate(
            "X", profession=profession, board_certifications=(), specialties=("chiropractic",)
        )
        problems = qualification_problems(candidate, rules)
        asked = profession in rules.board_certification.required_for
        assert any("board certification" in p for p in problems) is asked, profession
        said = " ".join(requirements(rules, profession))
        assert ("no board certification" in said) is not asked


def test_an_override_chooses_past_a_case_limit_never_past_a_rule() -> None:
    case = _case()
    rules = workflow_rules().reviewer_qualifications

    def pick(candidates, **kw):  # type: ignore[no-untyped-def]
        return choose(
            case, Parties.of(case, Application()), candidates, rules, specialty_rules(), **kw
        )

    full = _candidate("A", max_open_cases=2, open_cases=2)
    free = _candidate("B", open_cases=5)
    unqualified = _candidate("C", years_active_practice=2.0)
    assert pick([full, free, unqualified]).chosen.code == "B"
    with pytest.raises(WorkflowError, match="at capacity"):
        pick([full, free], wanted="A")
    chosen = pick([full, free], wanted="A", override=True)
    assert chosen.chosen.code == "A" and chosen.automatic is not None
    assert chosen.automatic.code == "B"
    assert "the automatic choice" in " ".join(
        " ".join(e.reasons) for e in chosen.excluded if e.reviewer == "B"
    )
    with pytest.raises(WorkflowError, match="more than 5 required"):
        pick([full, free, unqualified], wanted="C", override=True)
    with pytest.raises(WorkflowError, match="override"):
        pick([_candidate("D"), _candidate("E")], wanted="E")
    assert pick([_candidate("D"), _candidate("E")], wanted="D").chosen.code == "D"


def test_every_specialty_row_gives_its_source() -> None:
    rules = specialty_rules()
    assert all(row.source.strip() for row in rules.coverage)
    spine = rules.specialties_for("Spine surgery evaluation for the lumbar spine")
    assert {"orthopedic surgery", "neurosurgery"} <= spine
    assert "orthopedic surgery" in rules.specialties_for("Orthopedic consultation, left knee")
    assert "occupational medicine" in rules.specialties_for("EMG of the left upper extremity")


@given(st.sampled_from(["md", "do", "dc", "dpm", "psychologist", "dds", "od", "lac"]))
def test_requirements_are_said_for_every_profession(profession: str) -> None:
    lines = requirements(workflow_rules().reviewer_qualifications, profession)
    assert any("years in active practice" in line for line in lines)
    assert any("specialty" in line for line in lines)
