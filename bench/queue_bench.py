"""Benchmark of the queue with 10,000 cases: server time of a page (a measurement, not a test).

Builds a store on SQLite (a new file) or PostgreSQL (``--postgres-url``: a new database,
dropped at the end). ``--real`` cases go through the workflow as intake and review make them
(received and screened, assigned to one of three reviewers, records complete, the engine's
proposal stored); the store is then filled to ``--cases`` with copies of their rows under new
case numbers, claimants, claim numbers and receipt dates (the queue's index rows, deadlines
and assignments included), so the queue has the real shape at that size.

Each query is then asked ``--rounds`` times, as ``openimr serve`` answers it (the audit log
chained by the background sealer), in the workbench (the whole page: session, query, audit
entry, template) and in the API (``GET /api/v1/cases``, 50 a page), in process with the
server's own app; the time is the server's, from the request to the last byte, with no
network. p50 and p95 per query, and over all.

    .venv/bin/python bench/queue_bench.py                       # SQLite
    .venv/bin/python bench/queue_bench.py --postgres-url postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url

from openimr.casefile import parse_case_data
from openimr.server import create_app
from openimr.store.db import Database, normalize_url
from openimr.store.migrate import upgrade
from openimr.store.models import Assignment, Case, CaseDeadline, CaseItem, CaseQueue
from openimr.web.security import Signer
from openimr.workflow import Actor, Application, Role, Workflow
from openimr.workflow.schemas import AssignmentRequest, ReviewerIn
from openimr.workflow.service.queue_index import NO_DEADLINE, search_text

FIXTURES = Path(__file__).parent.parent / "tests" / "web" / "fixtures"
CASE_FILES = ("low-back.json", "neck-medications.json", "shoulder-mri.json", "knee-brace.json")
NOW = datetime(2014, 3, 3, 18, 0, tzinfo=UTC)
ADMIN = Actor(name="cli:bench", role=Role.ADMIN)
GIVEN = ("Ana", "Luis", "Mei", "Omar", "Rosa", "Tuan", "Grace", "Ivan", "Nia", "Pedro", "Ada")
FAMILY = ("García", "Nguyen", "Smith", "Okafor", "Kim", "Haddad", "Lopez", "Novak", "Patel")
REVIEWERS = ("R-A", "R-B", "R-C")


def reviewer(code: str) -> ReviewerIn:
    return ReviewerIn.model_validate(
        {
            "code": code,
            "license_states": ["CA"],
            "board_certifications": ["American Board of Physical Medicine and Rehabilitation"],
            "specialties": ["physical medicine and rehabilitation"],
            "years_active_practice": 14,
            "weekly_clinical_hours": 32,
            "affiliations": [],
        }
    )


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def real_cases(workflow: Workflow, clock: Clock, count: int) -> list[str]:
    """Cases made as intake and review make them, with their proposals stored."""
    ids = []
    for n in range(count):
        data = json.loads((FIXTURES / CASE_FILES[n % len(CASE_FILES)]).read_text())
        data["case_id"] = f"RB-{n:05d}"
        received = date(2014, 2, 4) + timedelta(days=n % 20)
        clock.now = datetime.combine(received, NOW.timetz())
        detail = workflow.create_case(
            ADMIN,
            parse_case_data(data),
            Application(signed=True, received_on=received, claim_number=f"ADJ{n:07d}"),
        )
        if n % 5 != 4 and detail.status == "eligible":  # a fifth wait for intake
            clock.now += timedelta(days=1)
            code = REVIEWERS[n % len(REVIEWERS)]
            workflow.assign(ADMIN, detail.id, AssignmentRequest(reviewer=code))
            if n % 5 != 3:
                clock.now += timedelta(days=2)
                workflow.mark_records_complete(ADMIN, detail.id)
                workflow.get_proposal(ADMIN, detail.id)
        ids.append(detail.id)
    clock.now = NOW
    return ids


def fill(database: Database, total: int) -> None:
    """Copies of the real cases' rows (case, index, items, deadlines, assignments) until the
    store holds ``total`` cases, each under its own numbers, claimant and receipt date."""
    with database.session() as session:
        cases = list(session.execute(select(Case)).scalars())
        queue = {row.case_id: row for row in session.execute(select(CaseQueue)).scalars()}
        items = session.execute(select(CaseItem)).scalars().all()
        deadlines = session.execute(select(CaseDeadline)).scalars().all()
        assignments = session.execute(select(Assignment)).scalars().all()
        columns = [c.key for c in Case.__table__.columns]
        rows: dict[str, list[dict[str, Any]]] = {k: [] for k in ("c", "q", "i", "d", "a")}
        for n in range(total - len(cases)):
            source = cases[n % len(cases)]
            shift = timedelta(days=-(n % 45))
            new_id = f"imr-b{n:015d}"
            external = f"QB-{n:06d}"
            name = f"{GIVEN[n % len(GIVEN)]} {FAMILY[n // len(GIVEN) % len(FAMILY)]} {n}"
            claim = f"ADJ-{n % 1000:03d} {n:05d}"
            case = {key: getattr(source, key) for key in columns}
            case.update(
                id=new_id,
                external_id=external,
                dispute_key=uuid.uuid4().hex,
                application={**source.application, "claim_number": claim},
            )
            for key in ("received_on", "screened_on", "assigned_on", "records_complete_on"):
                if case[key] is not None:
                    case[key] = case[key] + shift
            rows["c"].append(case)
            index = queue[source.id]
            due = index.next_due_on + shift if index.next_due_on else None
            rows["q"].append(
                {
                    **_values(index, CaseQueue),
                    "case_id": new_id,
                    "received_on": case["received_on"],
                    "case_key": external,
                    "search_text": search_text([new_id, external, claim, name]),
                    "next_due_on": due,
                    "due_key": due or NO_DEADLINE,
                }
            )
            rows["i"] += [
                {**_values(item, CaseItem), "case_id": new_id}
                for item in items
                if item.case_id == source.id
            ]
            rows["d"] += [
                {
                    **_values(d, CaseDeadline, skip="id"),
                    "case_id": new_id,
                    "due_on": d.due_on + shift,
                    "met_on": d.met_on + shift if d.met_on else None,
                }
                for d in deadlines
                if d.case_id == source.id
            ]
            rows["a"] += [
                {**_values(a, Assignment, skip="id"), "case_id": new_id}
                for a in assignments
                if a.case_id == source.id
            ]
        for model, key in ((Case, "c"), (CaseQueue, "q"), (CaseItem, "i")):
            _insert(session, model, rows[key])
        _insert(session, CaseDeadline, rows["d"])
        _insert(session, Assignment, rows["a"])


def _values(row: Any, model: Any, skip: str | None = None) -> dict[str, Any]:
    return {c.key: getattr(row, c.key) for c in model.__table__.columns if c.key != skip}


def _insert(session: Any, model: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), 2000):
        session.execute(insert(model), rows[start : start + 2000])


def signed_in(app: Any, workflow: Workflow, name: str, role: Role, code: str | None) -> TestClient:
    _, token = workflow.create_user(ADMIN, name, role, reviewer_code=code)
    client = TestClient(app, base_url="http://testserver", follow_redirects=False)
    login = client.get("/workbench/login").text
    found = re.search(r'name="csrf" value="([^"]*)"', login)
    assert found is not None
    client.post("/workbench/login", data={"csrf": found.group(1), "token": token, "next": ""})
    client.headers["Authorization"] = f"Bearer {token}"
    return client


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def measure(client: TestClient, url: str, rounds: int) -> tuple[list[float], list[float]]:
    """Wall time and the process's CPU time (every thread: client, server, sealer; SQLite
    runs in process, PostgreSQL's own CPU is not counted) of each request."""
    client.get(url)  # warm
    wall, cpu = [], []
    for _ in range(rounds):
        start, used = time.perf_counter(), time.process_time()
        response = client.get(url)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - used)
        if response.status_code != 200:
            raise SystemExit(f"{url}: {response.status_code} {response.text[:300]}")
    return wall, cpu


def _row(label: str, wall: list[float], cpu: list[float]) -> str:
    figures = [
        statistics.median(wall),
        percentile(wall, 0.95),
        statistics.median(cpu),
        percentile(cpu, 0.95),
    ]
    return f"{label:40}" + "".join(f"{f * 1000:9.1f}" for f in figures)


def run(url: str, args: argparse.Namespace) -> None:
    database = Database(url)
    upgrade(database)
    clock = Clock()
    workflow = Workflow(database, clock=clock)
    for code in REVIEWERS:
        workflow.add_reviewer(ADMIN, reviewer(code))
    started = time.perf_counter()
    real_cases(workflow, clock, args.real)
    made = time.perf_counter() - started
    fill(database, args.cases)
    if database.engine.dialect.name == "postgresql":  # the statistics autovacuum keeps
        with database.engine.connect() as connection:
            connection.execute(text("ANALYZE"))
            connection.commit()
    with database.session(write=False) as session:
        count = session.execute(text("SELECT count(*) FROM cases")).scalar_one()
        topic = session.execute(
            text("SELECT topic FROM case_items WHERE topic IS NOT NULL LIMIT 1")
        ).scalar()
    workflow.close()  # as `openimr serve` runs: audit entries chained by the background sealer
    workflow = Workflow(Database(url), clock=clock, seal_audit_in_background=True)
    workflow.start_background()
    app = create_app(workflow=workflow)
    app.state.workbench_signer = Signer(b"queue-bench-key-0123456789abcdef-0123456789ab")
    admin = signed_in(app, workflow, "bench-admin", Role.ADMIN, None)
    doctor = signed_in(app, workflow, "bench-dr-a", Role.REVIEWER, "R-A")
    queries = [
        ("workbench reviewer, to do", doctor, "/workbench/"),
        ("workbench reviewer, least sure first", doctor, "/workbench/?show=all&sort=confidence"),
        ("workbench admin, open", admin, "/workbench/?show=open"),
        ("workbench admin, all, page 100", admin, "/workbench/?show=all&page=100"),
        ("workbench admin, claimant search", admin, "/workbench/?show=all&q=rosa+kim"),
        ("workbench admin, claim number", admin, "/workbench/?show=all&q=adj+123-04"),
        ("workbench admin, topic + overdue", admin, f"/workbench/?show=all&topic={topic}"),
        ("workbench admin, overdue", admin, "/workbench/?show=all&overdue=yes&sort=-received"),
        ("api, newest first", admin, "/api/v1/cases?limit=50"),
        ("api, search + status", admin, "/api/v1/cases?q=garcia&status=in_review&limit=50"),
        ("api, offset 9000 by case", admin, "/api/v1/cases?sort=case&limit=50&offset=9000"),
    ]
    print(
        f"{workflow.db.engine.dialect.name}: {count} cases, {args.real} of them made through "
        f"the workflow in {made:.0f} s, the rest copies; {args.rounds} requests per query"
    )
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())} ")
    print(f"{'query (ms)':40}{'p50':>9}{'p95':>9}{'cpu p50':>9}{'cpu p95':>9}")
    every: tuple[list[float], list[float]] = ([], [])
    for label, client, path in queries:
        wall, cpu = measure(client, path, args.rounds)
        every[0].extend(wall)
        every[1].extend(cpu)
        print(_row(label, wall, cpu))
    print(_row("all queries", *every))
    print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())} ")
    workflow.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--real", type=int, default=60, help="cases made through the workflow")
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--postgres-url", default=None)
    args = parser.parse_args()
    if args.postgres_url is None:
        with tempfile.TemporaryDirectory() as folder:
            run(f"sqlite+pysqlite:///{folder}/queue.sqlite3", args)
        return 0
    server = normalize_url(args.postgres_url)
    name = f"openimr_queue_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        run(make_url(server).set(database=name).render_as_string(hide_password=False), args)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
