"""What the store, workflow and API tests share besides fixtures: a fixed clock, the command
line's actor, and small valid case files and reviewer entries to vary."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, settings

from openimr.workflow import Actor, Role

#: A fixed "now" for the tests: deadlines and eligibility depend on the date.
NOW = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
ADMIN = Actor(name="cli:test", role=Role.ADMIN)

CaseFactory = Callable[..., dict[str, Any]]


class Clock:
    """A settable clock, so a test can move time forward past a deadline."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, days: int) -> None:
        self.now += timedelta(days=days)


def today() -> date:
    return NOW.date()


def case_data(**overrides: Any) -> dict[str, Any]:
    """A small, valid case file (UR decision ten days before the test's today)."""
    data: dict[str, Any] = {
        "case_id": "CM26-0001",
        "review_type": "regular",
        "claimant": {"age": 44, "sex": "female", "date_of_injury": "2025-03-04"},
        "claims_administrator": "Golden State Insurance Co.",
        "ur_decision_date": (NOW.date() - timedelta(days=10)).isoformat(),
        "disputed_items": [
            {
                "request": "Physical therapy 2 times a week for 6 weeks, lumbar spine",
                "ur_decision": "denied",
            }
        ],
        "records": [
            {
                "kind": "progress_report",
                "date": "2026-10-01",
                "author": "Dana Lee, MD",
                "specialty": "orthopedic surgery",
                "text": "Low back pain radiating to the left leg. Request physical therapy.",
            },
            {"kind": "ur_determination", "date": "2026-11-10", "text": "Request denied by UR."},
        ],
    }
    data.update(overrides)
    return data


def reviewer_data(code: str, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": code,
        "license_states": ["CA"],
        "board_certifications": ["American Board of Physical Medicine and Rehabilitation"],
        "specialties": ["physical medicine and rehabilitation"],
        "years_active_practice": 12,
        "weekly_clinical_hours": 30,
        "affiliations": [],
    }
    data.update(overrides)
    return data


#: Hypothesis profiles of the property and fuzz tests: ``small`` by default (CI), ``long`` for
#: a longer local run (``OPENIMR_FUZZ_PROFILE=long``); tests with counts of their own keep them.
settings.register_profile(
    "small", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "long", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
FUZZ = settings.get_profile(os.environ.get("OPENIMR_FUZZ_PROFILE", "small"))
