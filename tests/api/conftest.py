"""API fixtures: the app over each database backend (the root conftest's), users with tokens,
a reviewer registry."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from tests.api.support import Users, bearer
from tests.support import ADMIN, reviewer_data

from openimr.server import create_app
from openimr.workflow import Role, Workflow
from openimr.workflow.schemas import ReviewerIn


@pytest.fixture
def users(workflow: Workflow) -> Users:
    """Two PM&R reviewers (R-A, R-B) in the registry, each with a user, plus admin and intake."""
    for code in ("R-A", "R-B"):
        workflow.add_reviewer(ADMIN, ReviewerIn.model_validate(reviewer_data(code)))
    _, admin = workflow.create_user(ADMIN, "admin", Role.ADMIN)
    _, intake = workflow.create_user(ADMIN, "intake", Role.INTAKE)
    _, rev_a = workflow.create_user(ADMIN, "rev-a", Role.REVIEWER, reviewer_code="R-A")
    _, rev_b = workflow.create_user(ADMIN, "rev-b", Role.REVIEWER, reviewer_code="R-B")
    return Users(bearer(admin), bearer(intake), bearer(rev_a), bearer(rev_b))


@pytest.fixture
def client(workflow: Workflow) -> Iterator[TestClient]:
    with TestClient(create_app(workflow=workflow), raise_server_exceptions=False) as test_client:
        yield test_client
