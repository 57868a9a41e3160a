"""Database URLs, engines and transactions.

One :class:`Database` per process. Every unit of work is one transaction: committed when the
block ends normally, rolled back on any exception, so a failure in the middle of a request
leaves nothing half-written. On SQLite every writing transaction starts with
``BEGIN IMMEDIATE``: SQLite allows one writer, and taking the write lock up front turns
read-then-write races into a short wait instead of a ``database is locked`` failure.

Engines hide SQL parameters from their errors (the values are health information, and error
messages reach logs), and a SQLite file and the folder made for it are private to their owner.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from openimr.errors import InputError, StoreError
from openimr.settings import Settings

#: File name of the embedded database inside ``$OPENIMR_HOME``.
SQLITE_FILE_NAME = "openimr.sqlite3"
#: Seconds a SQLite writer waits for the write lock before giving up.
SQLITE_BUSY_SECONDS = 30
#: Bytes of a SQLite file read through a memory map (address space, not memory used).
SQLITE_MMAP_BYTES = 1 << 30


def openimr_home() -> Path:
    """Where OpenIMR keeps its data: ``$OPENIMR_HOME``, else ``$XDG_DATA_HOME/openimr``.

    ``XDG_DATA_HOME`` defaults to ``~/.local/share`` (XDG base directory convention).
    """
    return Settings.load().data_home()


def default_database_url() -> str:
    """``$OPENIMR_DATABASE_URL`` if set, else the embedded SQLite file in :func:`openimr_home`."""
    settings = Settings.load()
    if settings.database_url:
        return settings.database_url
    return f"sqlite+pysqlite:///{settings.data_home() / SQLITE_FILE_NAME}"


def normalize_url(url: str) -> URL:
    """Parse a database URL; plain ``postgresql://`` URLs use the psycopg 3 driver."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise InputError(
            "not a database URL (expected sqlite:///PATH or postgresql://...)",
            source="--database-url",
        ) from None
    backend = parsed.get_backend_name()
    if backend in {"postgresql", "postgres"}:
        if parsed.drivername in {"postgresql", "postgres"}:
            parsed = parsed.set(drivername="postgresql+psycopg")
        return parsed
    if backend == "sqlite":
        return parsed
    raise InputError(
        f"unsupported database {backend!r}: use SQLite or PostgreSQL", source="--database-url"
    )


class Database:
    """An engine and a session factory for one database URL."""

    def __init__(self, url: str | None = None, *, pool_size: int = 10) -> None:
        self.url = normalize_url(url or default_database_url())
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self.engine = self._create_engine(pool_size)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False, autoflush=True)

    def _create_engine(self, pool_size: int) -> Engine:
        if not self.is_sqlite:
            return create_engine(
                self.url,
                hide_parameters=True,
                pool_size=pool_size,
                max_overflow=pool_size * 2,
                pool_pre_ping=True,
                pool_timeout=60,
            )
        database = self.url.database or ""
        in_memory = database in {"", ":memory:"} or database.startswith("file::memory:")
        kwargs: dict[str, Any] = {
            "hide_parameters": True,
            "connect_args": {"timeout": SQLITE_BUSY_SECONDS, "check_same_thread": False},
        }
        if in_memory:
            kwargs["poolclass"] = StaticPool
        elif not database.startswith("file:"):
            _private_file(Path(database).expanduser())
        engine = create_engine(self.url, **kwargs)

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy's "begin" event below decide how each transaction starts.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
            if not in_memory:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
                # Pages read through a memory map, not a read() call each (several times
                # faster for a search that visits thousands of index and table pages).
                cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(connection: Any) -> None:
            mode = connection.get_execution_options().get("sqlite_begin", "IMMEDIATE")
            connection.exec_driver_sql(f"BEGIN {mode}")

        return engine

    @contextmanager
    def session(self, *, write: bool = True) -> Iterator[Session]:
        """One transaction: commit at the end of the block, roll back on any exception."""
        session = self._sessions()
        try:
            if self.is_sqlite and not write:
                session.connection(execution_options={"sqlite_begin": "DEFERRED"})
            yield session
            session.commit()
        except OperationalError as exc:
            session.rollback()
            raise StoreError(_operational_message(exc)) from None
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        """Close every pooled connection (end of a test, end of the server)."""
        self.engine.dispose()

    def describe(self) -> str:
        """The URL with any password hidden, for messages."""
        return self.url.render_as_string(hide_password=True)


def _private_file(path: Path) -> None:
    """Create the SQLite file 0600 (its folder 0700) before SQLite does, or tighten one that
    exists: the file holds health information. Modes are only ever narrowed; a file the
    process may not change is left as it is."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        return
    except FileExistsError:
        pass
    except OSError:
        return  # SQLite says why it cannot open the file, as before
    # SQLite gives its journal files the database file's mode; older ones may be open still.
    for each in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            mode = each.stat().st_mode & 0o777
            if mode & 0o077:
                each.chmod(mode & 0o700)
        except OSError:  # absent, another account's, or a read-only file system
            pass


def _operational_message(exc: OperationalError) -> str:
    # The driver's message may carry SQL parameters (health information): keep only its
    # first line, which names the failure (locked, connection refused, ...), not the data.
    original = str(getattr(exc, "orig", exc)).strip().splitlines()
    first = original[0] if original else type(exc).__name__
    return f"database unavailable or busy: {first[:200]}"
