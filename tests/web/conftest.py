"""Workbench fixtures: a SQLite case store seeded with a reviewer's working day in Feb. 2014.

The clock is fixed (deadlines, "days left" and the screenshots do not move), the engine and
the letter renderer are the real ones, and the session key is fixed per test so that no key
file is written under the user's home.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.web.support import Clock, Seeded, seed, workbench_app

from openimr.store.db import Database
from openimr.store.migrate import upgrade
from openimr.workflow import Workflow


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def workflow(tmp_path: Path, clock: Clock) -> Iterator[Workflow]:
    database = Database(f"sqlite+pysqlite:///{tmp_path / 'openimr.sqlite3'}")
    upgrade(database)
    yield Workflow(database, clock=clock)
    database.dispose()


@pytest.fixture
def seeded(workflow: Workflow, clock: Clock) -> Seeded:
    return seed(workflow, clock)


@pytest.fixture
def client(workflow: Workflow) -> Iterator[TestClient]:
    with TestClient(
        workbench_app(workflow), base_url="http://testserver", follow_redirects=False
    ) as test_client:
        yield test_client
