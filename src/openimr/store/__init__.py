"""The case store: SQLAlchemy models, sessions, Alembic migrations and the audit log.

SQLite (a file under ``$OPENIMR_HOME``) is the embedded default; a ``postgresql+psycopg://``
URL selects PostgreSQL. Every write happens in one transaction; documents, revisions and the
audit log are append-only.
"""

from openimr.store.db import Database, default_database_url, openimr_home

__all__ = ["Database", "default_database_url", "openimr_home"]
