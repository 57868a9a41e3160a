"""Alembic environment: runs on the connection :mod:`openimr.store.migrate` hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from openimr.store.corpus_models import outside_metadata
from openimr.store.db import Database
from openimr.store.models import Base


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=outside_metadata,
    )
    with context.begin_transaction():
        context.run_migrations()


def _main() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    database = Database(context.config.get_main_option("sqlalchemy.url") or None)
    try:
        with database.engine.begin() as owned:
            _run(owned)
    finally:
        database.dispose()


if context.is_offline_mode():  # pragma: no cover - we never emit SQL scripts
    raise SystemExit("offline migrations are not supported; use `openimr db upgrade`")
_main()
