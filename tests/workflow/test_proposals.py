"""The engine thread: one review at a time, proposals prepared before anyone asks for them."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import pytest
from sqlalchemy import select
from tests.support import ADMIN, case_data

from openimr.casefile import CaseFile, parse_case_data
from openimr.domain import Determination
from openimr.engine import review
from openimr.store.models import AuditEntry, Proposal
from openimr.workflow import Application, Workflow
from openimr.workflow.engine_lane import EngineLane

SIGNED = Application(signed=True)


def test_the_same_job_asked_twice_runs_once():
    lane = EngineLane()
    started, release = threading.Event(), threading.Event()
    runs: list[str] = []

    def job() -> int:
        runs.append("run")
        started.set()
        release.wait(5)
        return 7

    first = lane.submit("case-1", job)
    started.wait(5)
    second = lane.submit("case-1", job)
    release.set()
    assert first is second and first.result(5) == 7 and runs == ["run"]
    lane.join(5)
    assert lane.submit("case-1", lambda: 8).result(5) == 8  # finished jobs are not reused
    lane.shutdown()
    with pytest.raises(RuntimeError):
        lane.submit("case-2", lambda: 1)


def test_jobs_run_one_at_a_time_in_order():
    lane = EngineLane()
    running, most, order = 0, 0, []
    lock = threading.Lock()

    def job(n: int) -> int:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.005)
        order.append(n)
        with lock:
            running -= 1
        return n

    futures = [lane.submit(f"k{n}", lambda n=n: job(n)) for n in range(8)]
    assert [f.result(5) for f in futures] == list(range(8))
    assert most == 1 and order == list(range(8))
    lane.shutdown()


def _counting(calls: list[str]) -> Any:
    def proposer(case_file: CaseFile) -> Determination:
        calls.append(case_file.case_id)
        return review(case_file)

    return proposer


def _proposal_entries(database: Any) -> list[tuple[str, str]]:
    with database.session(write=False) as session:
        rows = session.execute(
            select(AuditEntry.actor, AuditEntry.action)
            .where(AuditEntry.action.like("proposal.%"))
            .order_by(AuditEntry.seq)
        ).all()
    return [(row.actor, row.action) for row in rows]


def test_a_new_case_gets_its_proposal_before_anyone_asks(database, clock):
    calls: list[str] = []
    workflow = Workflow(database, clock=clock, proposer=_counting(calls), prepare_proposals=True)
    case = workflow.create_case(ADMIN, parse_case_data(case_data()), SIGNED)
    assert case.status == "eligible"
    workflow.wait_for_proposals(30)
    with database.session(write=False) as session:
        assert session.execute(select(Proposal.case_id)).scalars().all() == [case.id]
    assert _proposal_entries(database) == [("system:engine", "proposal.create")]

    proposal = Determination.model_validate_json(workflow.get_proposal(ADMIN, case.id))
    assert calls == ["CM26-0001"]  # read from the store, not computed again
    assert proposal == review(parse_case_data(case_data()))
    assert _proposal_entries(database)[-1] == (ADMIN.label, "proposal.read")
    workflow.close()


def test_new_records_prepare_a_new_proposal(database, clock):
    calls: list[str] = []
    workflow = Workflow(database, clock=clock, proposer=_counting(calls), prepare_proposals=True)
    case = workflow.create_case(ADMIN, parse_case_data(case_data()), SIGNED)
    workflow.add_document(
        ADMIN,
        case.id,
        b"Physical therapy helped before: walking tolerance improved from 10 to 30 minutes.",
        filename="note.txt",
        media_type="text/plain",
    )
    workflow.wait_for_proposals(30)
    assert len(calls) == 2
    with database.session(write=False) as session:
        assert len(session.execute(select(Proposal.id)).all()) == 2
    workflow.close()


def test_cases_that_cannot_reach_a_reviewer_are_not_prepared(database, clock):
    calls: list[str] = []
    workflow = Workflow(database, clock=clock, proposer=_counting(calls), prepare_proposals=True)
    unsigned = Application(signed=False)
    case = workflow.create_case(ADMIN, parse_case_data(case_data()), unsigned)
    assert case.status != "eligible"
    workflow.wait_for_proposals(30)
    assert calls == []
    workflow.close()


def test_a_failed_preparation_is_logged_without_health_information_and_retried_on_read(
    database, clock, caplog: pytest.LogCaptureFixture
):
    attempts: list[str] = []

    def flaky(case_file: CaseFile) -> Determination:
        attempts.append(case_file.case_id)
        if len(attempts) == 1:
            raise RuntimeError(f"failed on {case_file.records[0].text}")
        return review(case_file)

    workflow = Workflow(database, clock=clock, proposer=flaky, prepare_proposals=True)
    with caplog.at_level(logging.WARNING, logger="openimr.workflow"):
        case = workflow.create_case(ADMIN, parse_case_data(case_data()), SIGNED)
        workflow.wait_for_proposals(30)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "RuntimeError" in logged and "radiating" not in logged
    Determination.model_validate_json(workflow.get_proposal(ADMIN, case.id))
    assert len(attempts) == 2
    workflow.close()


def test_without_preparation_the_first_read_computes(database, clock):
    calls: list[str] = []
    workflow = Workflow(database, clock=clock, proposer=_counting(calls))
    case = workflow.create_case(ADMIN, parse_case_data(case_data()), SIGNED)
    workflow.wait_for_proposals(30)
    assert calls == []
    first = workflow.get_proposal(ADMIN, case.id)
    assert workflow.get_proposal(ADMIN, case.id) == first and calls == ["CM26-0001"]
    assert [a for _, a in _proposal_entries(database)] == [
        "proposal.create",
        "proposal.read",
        "proposal.read",
    ]
    workflow.close()


def test_background_sealing_chains_every_entry_by_close(database, clock):
    workflow = Workflow(database, clock=clock, seal_audit_in_background=True)
    workflow.start_background()
    for n in range(5):
        workflow.create_case(ADMIN, parse_case_data(case_data(case_id=f"CM26-01{n:02d}")), SIGNED)
    workflow.close()
    report = workflow.verify_audit()
    assert report.ok and report.entries >= 5
