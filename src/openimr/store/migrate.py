"""Schema migrations run from code, so ``openimr db upgrade`` works from an installed package.

There is no ``alembic.ini`` to find: the configuration is built here and points Alembic at the
``migrations`` folder inside this package.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from openimr.store.db import Database

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic configuration for this package, optionally bound to an open connection."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest schema revision this code knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships revisions
        raise RuntimeError("no schema revisions found")
    return head


def current_revision(database: Database) -> str | None:
    """The revision the database is at (``None`` for an empty database)."""
    with database.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(database: Database, revision: str = "head") -> str | None:
    """Bring the schema to ``revision`` in one transaction; returns the revision reached."""
    with database.engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)
    return current_revision(database)
