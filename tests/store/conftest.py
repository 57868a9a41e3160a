"""Database backends for the store and API tests: SQLite always, PostgreSQL when configured.

Each test gets a clean database: a new SQLite file, or a new PostgreSQL schema (dropped at the
end) on the server named by ``OPENIMR_TEST_POSTGRES_URL``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from openimr.store.db import Database, normalize_url
from openimr.store.migrate import upgrade
from openimr.workflow import Actor, Role, Workflow

POSTGRES_URL = os.environ.get("OPENIMR_TEST_POSTGRES_URL")
#: A fixed "now" for the tests: deadlines and eligibility depend on the date.
NOW = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+pysqlite:///{tmp_path / 'openimr.sqlite3'}"
        return
    if not POSTGRES_URL:
        pytest.skip("OPENIMR_TEST_POSTGRES_URL is not set")
    schema = f"t_{uuid.uuid4().hex[:16]}"
    server = normalize_url(POSTGRES_URL)
    admin = create_engine(server)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = server.update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    db = Database(database_url)
    upgrade(db)
    yield db
    db.dispose()


class Clock:
    """A settable clock, so a test can move time forward past a deadline."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, days: int) -> None:
        self.now += timedelta(days=days)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def workflow(database: Database, clock: Clock) -> Workflow:
    return Workflow(database, clock=clock)


ADMIN = Actor(name="cli:test", role=Role.ADMIN)


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


def today() -> date:
    return NOW.date()


CaseFactory = Callable[..., dict[str, Any]]


@pytest.fixture
def make_case() -> CaseFactory:
    return case_data


@pytest.fixture
def make_reviewer() -> CaseFactory:
    return reviewer_data
