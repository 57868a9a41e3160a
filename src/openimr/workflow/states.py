"""The case lifecycle as an explicit state machine (imr-process.md §3.1).

Every status change goes through :func:`check_transition`, so a transition the table does not
list is refused with a message naming both states and what is allowed instead.
"""

from __future__ import annotations

from enum import StrEnum

from openimr.errors import IllegalTransition


class CaseStatus(StrEnum):
    APPLICATION_RECEIVED = "application_received"
    NEEDS_INFORMATION = "needs_information"
    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"
    ASSIGNED = "assigned"
    RECORDS_COMPLETE = "records_complete"
    IN_REVIEW = "in_review"
    DETERMINATION_SIGNED = "determination_signed"
    LETTER_ISSUED = "letter_issued"
    WITHDRAWN = "withdrawn"
    TERMINATED = "terminated"


S = CaseStatus

#: Before a determination is signed the employee may withdraw (8 CCR 9792.10.6(a) for
#: termination by the claims administrator authorizing the treatment).
_OPEN_BEFORE_SIGNING = (
    S.APPLICATION_RECEIVED,
    S.NEEDS_INFORMATION,
    S.ELIGIBLE,
    S.ASSIGNED,
    S.RECORDS_COMPLETE,
    S.IN_REVIEW,
)

TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    S.APPLICATION_RECEIVED: frozenset({S.ELIGIBLE, S.INELIGIBLE, S.NEEDS_INFORMATION, S.WITHDRAWN}),
    S.NEEDS_INFORMATION: frozenset({S.ELIGIBLE, S.INELIGIBLE, S.NEEDS_INFORMATION, S.WITHDRAWN}),
    S.ELIGIBLE: frozenset({S.ASSIGNED, S.WITHDRAWN, S.TERMINATED}),
    S.ASSIGNED: frozenset({S.ASSIGNED, S.RECORDS_COMPLETE, S.WITHDRAWN, S.TERMINATED}),
    S.RECORDS_COMPLETE: frozenset({S.RECORDS_COMPLETE, S.IN_REVIEW, S.WITHDRAWN, S.TERMINATED}),
    S.IN_REVIEW: frozenset({S.DETERMINATION_SIGNED, S.WITHDRAWN, S.TERMINATED}),
    S.DETERMINATION_SIGNED: frozenset({S.LETTER_ISSUED}),
    S.LETTER_ISSUED: frozenset(),
    # Screened again once corrected, when every reason was one the applicant can cure (the
    # service checks the rules' ``correctable``); otherwise nothing more happens to it.
    S.INELIGIBLE: frozenset({S.ELIGIBLE, S.INELIGIBLE, S.NEEDS_INFORMATION}),
    S.WITHDRAWN: frozenset(),
    S.TERMINATED: frozenset(),
}

#: States in which nothing more happens to the case (an ineligible one may be corrected).
CLOSED = frozenset({S.INELIGIBLE, S.LETTER_ISSUED, S.WITHDRAWN, S.TERMINATED})
#: States in which a reviewer is on the case and carries its load.
REVIEWER_LOAD = frozenset({S.ASSIGNED, S.RECORDS_COMPLETE, S.IN_REVIEW})
#: States in which the assigned reviewer may work on the determination.
REVIEWABLE = frozenset({S.RECORDS_COMPLETE, S.IN_REVIEW})
#: States a case may be screened (again) in; an ineligible case only when correctable.
SCREENABLE = frozenset({S.APPLICATION_RECEIVED, S.NEEDS_INFORMATION, S.INELIGIBLE})
#: Cases that do not make a later filing of the same dispute a duplicate.
NOT_ON_FILE = frozenset({S.INELIGIBLE, S.WITHDRAWN})
#: States in which a new assignment (or a reassignment) may be made.
ASSIGNABLE = frozenset({S.ELIGIBLE, S.ASSIGNED, S.RECORDS_COMPLETE})


def check_transition(current: str, target: str) -> None:
    """Raise :class:`IllegalTransition` unless ``current -> target`` is in the table."""
    try:
        source, goal = CaseStatus(current), CaseStatus(target)
    except ValueError as exc:
        raise IllegalTransition(f"unknown case status: {exc}") from None
    allowed = TRANSITIONS[source]
    if goal in allowed:
        return
    if not allowed:
        raise IllegalTransition(
            f"the case is {source.value}, a final state; it cannot become {goal}"
        )
    names = ", ".join(sorted(state.value for state in allowed))
    raise IllegalTransition(
        f"a case that is {source.value} cannot become {goal.value}; it can become: {names}"
    )
