"""Helpers of the workbench tests: a reviewer's working day in Feb. 2014 to seed a store with,
the app with a fixed session key, and signing in through the form as a browser does."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from openimr.casefile import parse_case_data
from openimr.server import create_app
from openimr.web.security import Signer
from openimr.workflow import Actor, Application, Role, Workflow
from openimr.workflow.schemas import AssignmentRequest, ReviewerIn

FIXTURES = Path(__file__).parent / "fixtures"
#: "Now" for the workbench tests: 10:00 in California on Thursday, Feb. 20, 2014.
NOW = datetime(2014, 2, 20, 18, 0, tzinfo=UTC)
ADMIN = Actor(name="cli:test", role=Role.ADMIN)

#: A value planted in every field of a fuzzed form: it must never reach a log.
PLANTED = "Zebulon Quixote 1961-04-17"
#: Values that broke a form once, or could: the form tests and the forms benchmark post them.
HOSTILE_VALUES = (
    "",
    "9" * 25,
    "-1",
    "0",
    "²",
    "١٢",
    "9999-12-31",
    "0001-01-01",
    " 2016-01-04",
    "2016-02-30",
    "on",
    "off",
    "true",
    "\x00",
    "\ud800",
    "\ufffe",
    "a" * 5000,
    PLANTED,
)
SECRET = b"workbench-test-key-0123456789abcdef-0123456789"


class Clock:
    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, day: str) -> None:
        self.now = datetime.fromisoformat(f"{day}T18:00:00+00:00")


def case_file(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return data


def reviewer(code: str, **overrides: Any) -> ReviewerIn:
    data: dict[str, Any] = {
        "code": code,
        "name": f"Dr. {code}",
        "license_states": ["CA"],
        "board_certifications": ["American Board of Physical Medicine and Rehabilitation"],
        "specialties": ["physical medicine and rehabilitation"],
        "years_active_practice": 14,
        "weekly_clinical_hours": 32,
        "affiliations": [],
    }
    data.update(overrides)
    return ReviewerIn.model_validate(data)


@dataclass
class Seeded:
    """Tokens of each user and the ids of the seeded cases."""

    tokens: dict[str, str] = field(default_factory=dict)
    cases: dict[str, str] = field(default_factory=dict)


def _ready(
    workflow: Workflow, clock: Clock, name: str, days: tuple[str, str, str], code: str
) -> str:
    """A case received, assigned to ``code`` and with its records complete on ``days``."""
    clock.set(days[0])
    detail = workflow.create_case(
        ADMIN,
        parse_case_data(case_file(name)),
        Application(signed=True, received_on=datetime.fromisoformat(days[0]).date()),
    )
    clock.set(days[1])
    choice = AssignmentRequest(reviewer=code, override_reason="the seeded reviewer's queue")
    workflow.assign(ADMIN, detail.id, choice)
    clock.set(days[2])
    workflow.mark_records_complete(ADMIN, detail.id)
    return detail.id


def seed(workflow: Workflow, clock: Clock) -> Seeded:
    """Two reviewers' queues and some intake work, as they stand on Feb. 20, 2014."""
    seeded = Seeded()
    clock.set("2014-01-06")
    for code in ("R-A", "R-B"):
        workflow.add_reviewer(ADMIN, reviewer(code))
    for name, role, code in (
        ("admin", Role.ADMIN, None),
        ("intake", Role.INTAKE, None),
        ("dr-a", Role.REVIEWER, "R-A"),
        ("dr-b", Role.REVIEWER, "R-B"),
    ):
        _, token = workflow.create_user(ADMIN, name, role, reviewer_code=code)
        seeded.tokens[name] = token
    seeded.cases["overdue"] = _ready(
        workflow, clock, "neck-medications.json", ("2014-01-06", "2014-01-07", "2014-01-10"), "R-A"
    )
    seeded.cases["main"] = _ready(
        workflow, clock, "low-back.json", ("2014-02-10", "2014-02-11", "2014-02-12"), "R-A"
    )
    seeded.cases["other"] = _ready(
        workflow, clock, "shoulder-mri.json", ("2014-02-12", "2014-02-13", "2014-02-14"), "R-B"
    )
    clock.set("2014-02-18")
    seeded.cases["intake"] = workflow.create_case(
        ADMIN, parse_case_data(case_file("knee-brace.json")), Application(signed=True)
    ).id
    clock.now = NOW
    return seeded


def workbench_app(workflow: Workflow) -> FastAPI:
    app = create_app(workflow=workflow)
    app.state.workbench_signer = Signer(SECRET)
    return app


def sign_in(client: TestClient, token: str) -> None:
    """Sign in through the form, as a browser does (the form's guard cookie included)."""
    page = client.get("/workbench/login")
    csrf = _hidden(page.text, "csrf")
    response = client.post("/workbench/login", data={"csrf": csrf, "token": token, "next": ""})
    assert response.status_code == 303, response.text


def _hidden(html: str, name: str) -> str:
    import re

    found = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', html)
    assert found, f"no hidden field {name}"
    return found.group(1)


def csrf_of(html: str) -> str:
    return _hidden(html, "csrf")


def day(offset: int) -> str:
    return (NOW.date() + timedelta(days=offset)).isoformat()


#: Names for a crowded queue (not people: combinations of common given and family names).
GIVEN = ("Ana", "Luis", "Mei", "Omar", "Rosa", "Tuan", "Grace", "Ivan", "Nia", "Pedro")
FAMILY = ("García", "Nguyen", "Smith", "Okafor", "Kim", "Haddad", "Lopez", "Novak", "Patel")


def crowd(workflow: Workflow, count: int) -> list[str]:
    """``count`` more applications received between Feb. 4 and 19, 2014, each with its own
    case number (QX-0000...), claimant and claim number (ADJ-000 0000...); every seventh is
    expedited. They wait for intake (eligible) or, for a few, for information."""
    base = case_file("low-back.json")
    ids = []
    for n in range(count):
        name = f"{GIVEN[n % len(GIVEN)]} {FAMILY[(n // len(GIVEN)) % len(FAMILY)]}-{n}"
        data = {
            **base,
            "case_id": f"QX-{n:04d}",
            "review_type": "expedited" if n % 7 == 3 else "regular",
            "parties": {"claimant": {"name": name}},
        }
        received = datetime(2014, 2, 4 + n % 16).date()
        application = Application(
            signed=True, received_on=received, claim_number=f"ADJ-{n:03d} {n * 7 % 10000:04d}"
        )
        ids.append(workflow.create_case(ADMIN, parse_case_data(data), application).id)
    return ids
