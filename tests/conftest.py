"""Fixtures every test folder may use: the database backends and a workflow over them.

Each test gets a clean database: a new SQLite file, or a new PostgreSQL schema (dropped at the
end) on the server named by ``OPENIMR_TEST_POSTGRES_URL``. Folders with needs of their own
(the workbench's seeded day, its own clock) override these in their own conftest.py.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from tests.support import CaseFactory, Clock, case_data, reviewer_data

from openimr.store.db import Database, normalize_url
from openimr.store.migrate import upgrade
from openimr.workflow import Workflow

POSTGRES_URL = os.environ.get("OPENIMR_TEST_POSTGRES_URL")


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


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def workflow(database: Database, clock: Clock) -> Workflow:
    return Workflow(database, clock=clock)


@pytest.fixture
def make_case() -> CaseFactory:
    return case_data


@pytest.fixture
def make_reviewer() -> CaseFactory:
    return reviewer_data
