"""API fixtures: the app over each database backend, users with tokens, a reviewer registry.

The backend fixtures are the store's (``tests/store/conftest.py``), loaded by path because
test directories are not packages on ``sys.path``.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from openimr.server import create_app
from openimr.workflow import Role, Workflow
from openimr.workflow.schemas import ReviewerIn

_spec = importlib.util.spec_from_file_location(
    "openimr_test_backends", Path(__file__).parents[1] / "store" / "conftest.py"
)
assert _spec and _spec.loader
backends = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(backends)

database_url = backends.database_url
database = backends.database
clock = backends.clock
workflow = backends.workflow
make_case = backends.make_case
make_reviewer = backends.make_reviewer
ADMIN = backends.ADMIN


@dataclass
class Users:
    admin: dict[str, str]
    intake: dict[str, str]
    reviewer_a: dict[str, str]
    reviewer_b: dict[str, str]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def users(workflow: Workflow) -> Users:
    """Two PM&R reviewers (R-A, R-B) in the registry, each with a user, plus admin and intake."""
    for code in ("R-A", "R-B"):
        workflow.add_reviewer(ADMIN, ReviewerIn.model_validate(backends.reviewer_data(code)))
    _, admin = workflow.create_user(ADMIN, "admin", Role.ADMIN)
    _, intake = workflow.create_user(ADMIN, "intake", Role.INTAKE)
    _, rev_a = workflow.create_user(ADMIN, "rev-a", Role.REVIEWER, reviewer_code="R-A")
    _, rev_b = workflow.create_user(ADMIN, "rev-b", Role.REVIEWER, reviewer_code="R-B")
    return Users(bearer(admin), bearer(intake), bearer(rev_a), bearer(rev_b))


@pytest.fixture
def client(workflow: Workflow) -> Iterator[TestClient]:
    with TestClient(create_app(workflow=workflow), raise_server_exceptions=False) as test_client:
        yield test_client
