"""Load with faults: concurrent clients while the server is killed and PostgreSQL restarted
(a measurement, not a test).

Starts the real server (uvicorn, one process) against a fresh database on a PostgreSQL server
this benchmark may restart, then runs ``--clients`` clients for ``--minutes``. Each client
creates cases (a small case file each, one write) and now and then lists cases (a read),
retrying after a failure. A third of the way in the server is killed with SIGKILL and started
again; two thirds of the way in PostgreSQL is restarted (``pg_ctl restart -m fast``).

Afterwards the server is stopped normally and the benchmark checks that every write the
server confirmed (a 201 with the case's id) is in the database, and that ``openimr audit
verify`` passes. It prints requests, confirmed writes, failures by kind and phase, writes
missing, and p50/p99 latency of the successful requests.

    .venv/bin/python bench/load_fault_bench.py --pg-data /tmp/pg.XXXX --minutes 2 \\
        --postgres-url postgresql://postgres@127.0.0.1:5433/postgres

Use a throwaway PostgreSQL server: restarting it drops every session on it. The URL names the
server and a maintenance database; the benchmark creates and drops ``openimr_fault_<random>``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def case_body(client: int, number: int) -> bytes:
    today = date.today()
    case = {
        "case_id": f"FAULT-{client}-{number}",
        "claimant": {"age": 44, "sex": "female", "date_of_injury": "2024-03-04"},
        "ur_decision_date": (today - timedelta(days=10)).isoformat(),
        "disputed_items": [
            {"request": "Physical therapy 2 times a week for 6 weeks, lumbar spine"}
        ],
        "records": [
            {
                "kind": "progress_report",
                "date": (today - timedelta(days=30)).isoformat(),
                "text": "Low back pain radiating to the left leg. Request physical therapy.",
            },
            {"kind": "ur_determination", "text": "Request denied by UR."},
        ],
    }
    return json.dumps({"case": case, "application": {"signed": True}}).encode()


@dataclass
class Results:
    began: float = field(default_factory=time.perf_counter)
    latency: dict[str, list[float]] = field(default_factory=lambda: {"write": [], "read": []})
    failures: Counter[str] = field(default_factory=Counter)
    confirmed: list[str] = field(default_factory=list)
    requests: int = 0
    phase: str = "before faults"


class Server:
    """The service as ``openimr serve`` runs it, in a process this benchmark can kill."""

    def __init__(self, url: str, home: Path) -> None:
        self.port = free_port()
        self.env = {**os.environ, "OPENIMR_DATABASE_URL": url, "OPENIMR_HOME": str(home)}
        self.process: subprocess.Popen[bytes] | None = None
        self.base = f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                *(sys.executable, "-m", "uvicorn", "openimr.server:create_app_from_env"),
                *("--factory", "--host", "127.0.0.1", "--port", str(self.port)),
                *("--no-access-log", "--log-level", "warning"),
            ],
            env=self.env,
            cwd=ROOT,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/api/v1/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise SystemExit("the server did not start")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=120)


def restart_postgres(pg_ctl: str, data: str) -> None:
    """Restart the server; its output goes to its own log (a pipe here would be held open by
    the new postmaster, and reading it would never end)."""
    command = [pg_ctl, "-D", data, "-l", f"{data}/log", "-m", "fast", "-w", "restart"]
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root: as the data folder's owner
        command = ["runuser", "-u", "postgres", "--", *command]
    subprocess.run(
        command,
        check=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def client_loop(
    number: int, server: Server, token: str, results: Results, stop: float
) -> None:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    sent = 0
    async with httpx.AsyncClient(base_url=server.base, timeout=30) as client:
        while time.perf_counter() < stop:
            sent += 1
            read = sent % 4 == 0
            began = time.perf_counter()
            try:
                if read:
                    answer = await client.get("/api/v1/cases?limit=10", headers=headers)
                else:
                    body = case_body(number, sent)
                    answer = await client.post("/api/v1/cases", content=body, headers=headers)
            except httpx.HTTPError as exc:
                results.requests += 1
                results.failures[f"{results.phase}: {type(exc).__name__}"] += 1
                await asyncio.sleep(0.2)
                continue
            results.requests += 1
            seconds = time.perf_counter() - began
            if answer.status_code in (200, 201):
                results.latency["read" if read else "write"].append(seconds)
                if not read:
                    results.confirmed.append(answer.json()["id"])
            else:
                results.failures[f"{results.phase}: HTTP {answer.status_code}"] += 1
                await asyncio.sleep(0.2)


async def faults(server: Server, args: argparse.Namespace, results: Results, span: float) -> None:
    await asyncio.sleep(span / 3)
    results.phase = "server killed"
    began = time.perf_counter()
    server.kill()
    await asyncio.to_thread(server.start)
    print(f"server killed (SIGKILL) and serving again in {time.perf_counter() - began:.1f} s")
    results.phase = "after server restart"
    await asyncio.sleep(span / 3)
    results.phase = "PostgreSQL restarting"
    began = time.perf_counter()
    await asyncio.to_thread(restart_postgres, args.pg_ctl, args.pg_data)
    print(f"PostgreSQL restarted in {time.perf_counter() - began:.1f} s")
    results.phase = "after PostgreSQL restart"


async def run(server: Server, token: str, args: argparse.Namespace) -> Results:
    results = Results()
    span = args.minutes * 60
    stop = time.perf_counter() + span
    await asyncio.gather(
        faults(server, args, results, span),
        *(client_loop(n, server, token, results, stop) for n in range(args.clients)),
    )
    return results


def main() -> int:
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[attr-defined]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres-url", default=os.environ.get("OPENIMR_TEST_POSTGRES_URL"))
    parser.add_argument("--pg-data", required=True, help="data folder of that server")
    parser.add_argument("--pg-ctl", default="/usr/lib/postgresql/15/bin/pg_ctl")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--minutes", type=float, default=10)
    args = parser.parse_args()
    if not args.postgres_url:
        parser.error("give --postgres-url or set OPENIMR_TEST_POSTGRES_URL")

    from openimr.store.db import Database, normalize_url
    from openimr.store.migrate import upgrade
    from openimr.workflow import Actor, Role, Workflow

    admin_url = normalize_url(args.postgres_url)
    name = f"openimr_fault_{uuid.uuid4().hex[:8]}"
    # No pool: a pooled connection would not outlive the restart.
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    home = Path(f"/tmp/{name}")
    home.mkdir(mode=0o700)
    server = Server(url, home)
    try:
        database = Database(url)
        upgrade(database)
        _, token = Workflow(database).create_user(
            Actor(name="bench", role=Role.ADMIN), "intake", Role.INTAKE
        )
        database.dispose()
        server.start()
        print(f"{args.clients} clients for {args.minutes:g} min on {name}")
        results = asyncio.run(run(server, token, args))
        server.stop()

        check = create_engine(url)
        with check.connect() as connection:
            stored = {row[0] for row in connection.execute(text("SELECT id FROM cases"))}
        check.dispose()
        missing = [case_id for case_id in results.confirmed if case_id not in stored]
        verify = subprocess.run(
            [sys.executable, "-m", "openimr", "audit", "verify"],
            env=server.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        elapsed = args.minutes * 60
        print(f"requests: {results.requests} ({results.requests / elapsed:.1f}/s)")
        print(f"confirmed writes: {len(results.confirmed)}; cases stored: {len(stored)}")
        print(f"confirmed writes missing afterwards: {len(missing)}")
        for kind, values in results.latency.items():
            if values:
                print(
                    f"{kind}: {len(values)} ok, p50 {percentile(values, 0.5) * 1000:.0f} ms, "
                    f"p99 {percentile(values, 0.99) * 1000:.0f} ms, "
                    f"mean {statistics.fmean(values) * 1000:.0f} ms"
                )
        print("failed requests:", dict(results.failures) or "none")
        outcome = (verify.stdout + verify.stderr).strip().splitlines()
        print(f"openimr audit verify: exit {verify.returncode}; {outcome[-1] if outcome else ''}")
        return 0 if not missing and verify.returncode == 0 else 1
    finally:
        server.stop()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        subprocess.run(["rm", "-rf", str(home)], check=False)


if __name__ == "__main__":
    sys.exit(main())
