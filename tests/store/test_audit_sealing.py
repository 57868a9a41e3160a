"""Audit entries are written without a lock and chained later, in order, on both backends."""

from __future__ import annotations

import threading
import time

import pytest
from alembic import command
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from openimr.store import audit_log
from openimr.store.migrate import alembic_config, current_revision, head_revision
from openimr.store.models import AuditEntry


def _entries(count: int, actor: str = "tester") -> list[audit_log.PendingEntry]:
    return [audit_log.PendingEntry(actor, "case.read", f"c{n}", {"n": n}) for n in range(count)]


def test_recorded_entries_wait_until_sealed_then_chain_in_order(database):
    with database.session() as session:
        audit_log.record(session, _entries(3))
    with database.session() as session:
        audit_log.record(session, _entries(2, actor="second"))
    with database.session(write=False) as session:
        assert audit_log.pending_count(session) == 5
        assert audit_log.count(session) == 0
    with database.session() as session:
        assert audit_log.seal(session) == 5
    with database.session(write=False) as session:
        rows = session.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars().all()
        report = audit_log.verify(session)
        assert audit_log.pending_count(session) == 0
    assert [(r.seq, r.actor, r.case_id) for r in rows] == [
        (1, "tester", "c0"),
        (2, "tester", "c1"),
        (3, "tester", "c2"),
        (4, "second", "c0"),
        (5, "second", "c1"),
    ]
    assert report.ok and report.entries == 5
    with database.session() as session:
        assert audit_log.seal(session) == 0


def test_a_rolled_back_unit_leaves_no_pending_entry(database):
    with pytest.raises(RuntimeError), database.session() as session:
        audit_log.record(session, _entries(2))
        raise RuntimeError("the change failed")
    with database.session(write=False) as session:
        assert audit_log.pending_count(session) == 0


def test_pending_entries_cannot_be_edited(database):
    with database.session() as session:
        audit_log.record(session, _entries(1))
    with pytest.raises(DBAPIError), database.session() as session:
        session.execute(text("UPDATE audit_pending SET actor = 'someone else'"))


def test_recorders_and_sealers_at_once_keep_one_chain(database):
    def recorder(n: int) -> None:
        for i in range(10):
            with database.session() as session:
                audit_log.record(
                    session, [audit_log.PendingEntry(f"w{n}", "case.read", None, {"i": i})]
                )

    def sealer() -> None:
        for _ in range(10):
            with database.session() as session:
                audit_log.seal(session, wait=False)

    threads = [threading.Thread(target=recorder, args=(n,)) for n in range(4)]
    threads += [threading.Thread(target=sealer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with database.session() as session:
        audit_log.seal(session)
    with database.session(write=False) as session:
        report = audit_log.verify(session)
        assert audit_log.pending_count(session) == 0
    assert report.ok and report.entries == 40


@pytest.mark.postgres
def test_a_sealer_that_will_not_wait_gives_way(database):
    if database.is_sqlite:
        pytest.skip("SQLite has a single writer: sealers cannot overlap")
    with database.session() as session:
        audit_log.record(session, _entries(1))
    with database.session() as holder:
        assert audit_log.seal(holder) == 1  # holds the chain's lock until this block ends
        with database.session() as other:
            assert audit_log.seal(other, wait=False) is None


def test_background_sealer_chains_soon_and_everything_on_stop(database):
    def run_seal() -> int | None:
        with database.session() as session:
            return audit_log.seal(session, wait=False)

    sealer = audit_log.BackgroundSealer(run_seal, delay=0.01, interval=0.2)
    sealer.start()
    try:
        with database.session() as session:
            audit_log.record(session, _entries(3))
        sealer.poke()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with database.session(write=False) as session:
                if audit_log.pending_count(session) == 0:
                    break
            time.sleep(0.02)
        with database.session(write=False) as session:
            assert audit_log.count(session) == 3
        with database.session() as session:
            audit_log.record(session, _entries(2, actor="late"))
    finally:
        sealer.stop()
    with database.session(write=False) as session:
        assert audit_log.pending_count(session) == 0
        assert audit_log.verify(session).entries == 5


def test_going_back_a_revision_refuses_to_drop_pending_entries(database):
    with database.session() as session:
        audit_log.record(session, _entries(1))
    with pytest.raises(RuntimeError, match="not chained yet"), database.engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0001")
    assert current_revision(database) == head_revision()
    with database.session() as session:
        audit_log.seal(session)
    with database.engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0001")
    assert current_revision(database) == "0001"
