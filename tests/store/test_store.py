"""Schema, append-only protection, audit hash chain and the command line, on both backends."""

from __future__ import annotations

import stat
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
import typer
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError
from typer.testing import CliRunner

from openimr.errors import InputError
from openimr.store import audit_log
from openimr.store.corpus_models import outside_metadata
from openimr.store.db import Database, default_database_url, normalize_url
from openimr.store.migrate import current_revision, head_revision, upgrade
from openimr.store.models import Base


def _context(connection):  # type: ignore[no-untyped-def]
    """A migration context comparing only what the ORM maps (not the full-text index)."""
    return MigrationContext.configure(connection, opts={"include_name": outside_metadata})


def test_migrations_create_exactly_the_models(database):
    assert current_revision(database) == head_revision()
    with database.engine.connect() as connection:
        diff = compare_metadata(_context(connection), Base.metadata)
    assert diff == []


@pytest.mark.parametrize("previous", ["0002", "0003", "0004", "0005", "0006_corpus"])
def test_upgrade_from_an_earlier_head_keeps_its_rows(database_url, previous):
    """``openimr db upgrade`` over a store at an earlier revision, with users in it."""
    database = Database(database_url)
    try:
        upgrade(database, previous)
        with database.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO users (name, role, token_sha256, active, created_at) "
                    "VALUES ('dr-a', 'reviewer', :key, true, '2026-11-20 18:00:00+00:00')"
                ),
                {"key": "a" * 64},
            )
        assert upgrade(database) == head_revision()
        with database.engine.connect() as connection:
            assert connection.execute(text("SELECT name FROM users")).scalar_one() == "dr-a"
            diff = compare_metadata(_context(connection), Base.metadata)
        assert diff == []
    finally:
        database.dispose()


@pytest.mark.parametrize("statement", ["UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"])
def test_audit_rows_cannot_be_changed(database, statement):
    with database.session() as session:
        audit_log.record(session, [audit_log.PendingEntry("tester", "test.event")])
        audit_log.seal(session)
    with pytest.raises(DBAPIError), database.session() as session:
        session.execute(text(statement))


def _disable_protection(database: Database) -> None:
    with database.engine.begin() as connection:
        if database.is_sqlite:
            connection.exec_driver_sql("DROP TRIGGER audit_log_no_update")
            connection.exec_driver_sql("DROP TRIGGER audit_log_no_delete")
        else:
            connection.exec_driver_sql("ALTER TABLE audit_log DISABLE TRIGGER USER")


def test_hash_chain_detects_edits_and_removals(database):
    with database.session() as session:
        audit_log.record(
            session,
            [audit_log.PendingEntry("tester", "case.read", f"c{n}", {"n": n}) for n in range(5)],
        )
        audit_log.seal(session)
    with database.session(write=False) as session:
        report = audit_log.verify(session)
    assert report.ok and report.entries == 5
    _disable_protection(database)
    with database.engine.begin() as connection:
        connection.execute(text("UPDATE audit_log SET actor = 'someone else' WHERE seq = 2"))
        connection.execute(text("DELETE FROM audit_log WHERE seq = 4"))
    with database.session(write=False) as session:
        report = audit_log.verify(session)
    assert not report.ok
    joined = " ".join(report.problems)
    assert "entry 2: content does not match its hash" in joined
    assert "entry 5: expected sequence number 4" in joined


def test_concurrent_chaining_keeps_one_chain(database):
    def worker(n: int) -> None:
        for i in range(5):
            with database.session() as session:
                audit_log.record(
                    session, [audit_log.PendingEntry(f"w{n}", "case.read", None, {"i": i})]
                )
                audit_log.seal(session)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with database.session(write=False) as session:
        report = audit_log.verify(session)
    assert report.ok and report.entries == 20


def test_default_location_and_url_forms(monkeypatch, tmp_path):
    monkeypatch.delenv("OPENIMR_DATABASE_URL", raising=False)
    monkeypatch.setenv("OPENIMR_HOME", str(tmp_path / "home"))
    assert default_database_url() == f"sqlite+pysqlite:///{tmp_path / 'home' / 'openimr.sqlite3'}"
    monkeypatch.setenv("OPENIMR_DATABASE_URL", "postgresql://u@h/db")
    assert default_database_url() == "postgresql://u@h/db"
    assert normalize_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    with pytest.raises(InputError):
        normalize_url("mysql://u@h/db")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_sqlite_file_and_its_folder_are_private(tmp_path):
    path = tmp_path / "home" / "openimr.sqlite3"
    database = Database(f"sqlite+pysqlite:///{path}")
    try:
        upgrade(database)
        with database.engine.connect():
            written = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
            assert written[1].exists()
            assert [_mode(each) & 0o077 for each in written] == [0, 0, 0]
    finally:
        database.dispose()
    assert _mode(path.parent) & 0o077 == 0


@pytest.mark.parametrize(("before", "after"), [(0o644, 0o600), (0o660, 0o600), (0o400, 0o400)])
def test_an_existing_sqlite_file_is_tightened_never_loosened(tmp_path, before, after):
    folder = tmp_path / "shared"
    folder.mkdir(mode=0o755)
    path = folder / "old.sqlite3"
    path.touch()
    path.chmod(before)
    Database(f"sqlite+pysqlite:///{path}").dispose()
    assert _mode(path) == after
    assert _mode(folder) == 0o755  # a folder that exists is not the store's to change


def test_errors_do_not_carry_sql_parameters(database):
    """Values of a failed statement are health information: SQLAlchemy leaves its parameters
    out, and the first line of the driver's message (the only part the store ever quotes;
    logs name an error by its class) names the failure, not the data. PostgreSQL's own DETAIL
    line may still repeat the row, which is why nothing logs a database error's text."""
    insert = text(
        "INSERT INTO users (name, role, token_sha256, active, created_at) "
        "VALUES (:name, NULL, :token, :active, :born)"
    )
    values = {"name": "Zebulon Quixote", "token": "1961-04-17", "active": True, "born": None}
    with pytest.raises(IntegrityError) as failure, database.session() as session:
        session.execute(insert, values)
    assert "SQL parameters hidden" in str(failure.value)
    first_line = str(failure.value.orig).strip().splitlines()[0]
    assert "Zebulon" not in first_line and "1961-04-17" not in first_line
    statement_part = str(failure.value).split("[SQL:", 1)[1]
    assert "Zebulon" not in statement_part and "1961-04-17" not in statement_part


def _cli() -> typer.Typer:
    from openimr.cli import service_cmds

    app = typer.Typer()
    service_cmds.register(app)
    return app


def test_command_line_db_users_reviewers_audit(database_url):
    app, runner = _cli(), CliRunner()
    url = ["--database-url", database_url]
    assert runner.invoke(app, ["db", "upgrade", *url]).exit_code == 0
    added = runner.invoke(
        app,
        [
            "reviewers",
            "add",
            "R-1",
            "--specialty",
            "PM&R",
            "--years",
            "9",
            "--hours",
            "30",
            "--license",
            "CA",
            "--certification",
            "ABPMR",
            *url,
        ],
    )
    assert added.exit_code == 0, added.output
    created = runner.invoke(
        app, ["users", "create", "dr-a", "--role", "reviewer", "--reviewer", "R-1", *url]
    )
    assert created.exit_code == 0, created.output
    token = created.output.strip()
    assert token.startswith("oimr_")
    database = Database(database_url)
    try:
        with database.engine.connect() as connection:
            stored = connection.execute(text("SELECT token_sha256 FROM users")).scalar_one()
        assert stored != token and len(stored) == 64
    finally:
        database.dispose()
    listed = runner.invoke(app, ["reviewers", "list", *url])
    assert "R-1" in listed.output
    verified = runner.invoke(app, ["audit", "verify", *url])
    assert verified.exit_code == 0 and "intact: 2 entries" in verified.output


def test_command_line_lists_revokes_and_rotates_users(database_url):
    app, runner = _cli(), CliRunner()
    url = ["--database-url", database_url]
    first = runner.invoke(app, ["users", "create", "intake-1", "--role", "intake", *url])
    assert first.exit_code == 0, first.output
    listed = runner.invoke(app, ["users", "list", *url])
    assert listed.exit_code == 0 and "intake-1\tintake\t-\tactive\ttoken expires" in listed.output
    assert first.output.strip() not in listed.output
    rotated = runner.invoke(app, ["users", "rotate", "intake-1", *url])
    assert rotated.exit_code == 0 and rotated.output.strip().startswith("oimr_")
    assert rotated.output.strip() != first.output.strip()
    revoked = runner.invoke(app, ["users", "revoke", "intake-1", *url])
    assert revoked.exit_code == 0, revoked.output
    assert "\trevoked\t" in runner.invoke(app, ["users", "list", *url]).output
    database = Database(database_url)
    try:
        with database.engine.connect() as connection:
            active = connection.execute(text("SELECT active FROM users")).scalar_one()
        assert not active
    finally:
        database.dispose()


def test_command_line_says_what_assignment_requires_and_edits_reviewers(database_url):
    app, runner = _cli(), CliRunner()
    url = ["--database-url", database_url]
    base = ["--specialty", "chiropractic", "--years", "9", "--hours", "30", "--license", "CA"]
    added = runner.invoke(app, ["reviewers", "add", "R-DC", "--profession", "dc", *base, *url])
    assert added.exit_code == 0, added.output
    assert "assignment will require:" in added.output
    assert "no board certification" in added.output
    assert "R-DC meets the qualification rules now." in added.output
    md = runner.invoke(app, ["reviewers", "add", "R-MD", *base, *url])
    assert "cannot be assigned until:" in md.output and "board certification" in md.output
    edited = runner.invoke(app, ["reviewers", "edit", "R-MD", "--certification", "ABPMR", *url])
    assert edited.exit_code == 0 and "R-MD meets the qualification rules now." in edited.output
    off = runner.invoke(app, ["reviewers", "deactivate", "R-MD", *url])
    assert off.exit_code == 0 and "deactivated R-MD" in off.output
    assert "R-MD (inactive)" in runner.invoke(app, ["reviewers", "list", *url]).output
    bad = runner.invoke(app, ["reviewers", "edit", "R-MD", "--years", "-3", *url])
    assert isinstance(bad.exception, InputError)  # `openimr` exits 2 with this one line
    assert bad.exception.location == "years_active_practice"


def test_command_line_sets_passwords_typed_twice(database_url):
    app, runner = _cli(), CliRunner()
    url = ["--database-url", database_url]
    secret = "correct horse battery staple"
    created = runner.invoke(
        app,
        ["users", "create", "desk", "--role", "intake", "--password", *url],
        input=f"{secret}\n{secret}\n",
    )
    assert created.exit_code == 0, created.output
    assert secret not in created.output
    differ = runner.invoke(app, ["users", "password", "desk", *url], input="a" * 12 + "\nb\n")
    assert isinstance(differ.exception, InputError) and "differ" in str(differ.exception)
    short = runner.invoke(app, ["users", "password", "desk", *url], input="short\nshort\n")
    assert isinstance(short.exception, InputError) and "12 characters" in str(short.exception)
    assert "\tsessions 0\tpassword set" in runner.invoke(app, ["users", "list", *url]).output


def _entries(database: Database, actions: list[str]) -> None:
    with database.session() as session:
        audit_log.record(session, [audit_log.PendingEntry("tester", a) for a in actions])
        audit_log.seal(session)


def _checked(database: Database, key: bytes, checkpoint: dict) -> list[str]:  # type: ignore[type-arg]
    with database.session(write=False) as session:
        report = audit_log.verify(session)
        audit_log.check_against(session, key, checkpoint, report)
    return report.problems


def test_a_checkpoint_shows_a_log_cut_short_or_rewritten(database):
    """A chain rebuilt after entries were removed or changed verifies on its own; the head
    signed into a checkpoint outside the database does not match it any more."""
    key, at = b"k" * 32, datetime(2026, 12, 1, tzinfo=UTC)
    _entries(database, [f"event.{i}" for i in range(5)])
    with database.session(write=False) as session:
        head = audit_log.verify(session)
    checkpoint = audit_log.sign_checkpoint(key, head.entries, head.head_hash, at)
    _entries(database, ["event.later"])
    assert _checked(database, key, checkpoint) == []  # a log that grew still holds the head
    forged = {**checkpoint, "entries": 3}
    assert any("signature does not match" in p for p in _checked(database, key, forged))
    assert any("signature does not match" in p for p in _checked(database, b"x" * 32, checkpoint))

    _disable_protection(database)
    with database.engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM audit_log WHERE seq >= 4")
    with database.session(write=False) as session:
        assert audit_log.verify(session).ok  # the shorter chain is intact on its own
    problems = _checked(database, key, checkpoint)
    assert any("ends before entry 5" in p for p in problems), problems

    with database.engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM audit_log")
    _entries(database, [f"rewritten.{i}" for i in range(6)])
    with database.session(write=False) as session:
        assert audit_log.verify(session).ok  # rebuilt from the start: intact on its own
    problems = _checked(database, key, checkpoint)
    assert any("rewritten" in p for p in problems), problems


def test_command_line_checkpoint_and_verify_against(database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("OPENIMR_HOME", str(tmp_path / "home"))
    app, runner = _cli(), CliRunner()
    url = ["--database-url", database_url]
    assert (
        runner.invoke(app, ["users", "create", "intake-1", "--role", "intake", *url]).exit_code == 0
    )
    path = tmp_path / "checkpoint.json"
    written = runner.invoke(app, ["audit", "checkpoint", "--out", str(path), *url])
    assert written.exit_code == 0, written.output
    key_file = tmp_path / "home" / "audit-checkpoint.key"
    assert key_file.exists() and (key_file.stat().st_mode & 0o777) == 0o600
    verified = runner.invoke(app, ["audit", "verify", "--against", str(path), *url])
    assert verified.exit_code == 0 and "intact" in verified.output
    path.write_text(path.read_text().replace('"entries": 1', '"entries": 2'))
    forged = runner.invoke(app, ["audit", "verify", "--against", str(path), *url])
    assert forged.exit_code == 1 and "signature does not match" in forged.output
