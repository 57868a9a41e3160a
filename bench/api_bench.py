"""Load benchmark of the case API on PostgreSQL (a measurement, not a test).

Starts the real server (uvicorn in a subprocess) on loopback against a fresh PostgreSQL
database, then runs concurrent httpx clients; each creates cases made from a generated
30-page case file, then fetches every proposal once (the engine runs and the proposal is
stored), then fetches the stored proposals again for several rounds. Each phase runs on its
own so that engine CPU time does not hide in the other figures. Prints throughput and
p50/p99 latency per kind of request.

    .venv/bin/python bench/api_bench.py --postgres-url postgresql://postgres@127.0.0.1:5433/postgres

The URL names a server and a maintenance database; the benchmark creates and drops its own
database ``openimr_bench_<random>``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).parent))

from casegen import PAGE_CHARS
from casegen import thirty_page_case as _generated_case


def thirty_page_case(seed: int) -> dict[str, Any]:
    """A generated 30-page case file whose UR decision is a week old today."""
    return _generated_case(seed, today=date.today())


@dataclass
class Timings:
    samples: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, seconds: float, ok: bool) -> None:
        self.samples.setdefault(kind, []).append(seconds)
        if not ok:
            self.errors[kind] = self.errors.get(kind, 0) + 1


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


async def create_cases(
    http: httpx.AsyncClient, headers: dict[str, str], bodies: list[bytes], timings: Timings
) -> list[str]:
    ids = []
    for body in bodies:
        start = time.perf_counter()
        created = await http.post(
            "/api/v1/cases", content=body, headers={**headers, "Content-Type": "application/json"}
        )
        timings.add("create case", time.perf_counter() - start, created.status_code == 201)
        if created.status_code == 201:
            ids.append(created.json()["id"])
    return ids


async def fetch_proposals(
    http: httpx.AsyncClient, headers: dict[str, str], ids: list[str], kind: str, timings: Timings
) -> None:
    for case_id in ids:
        start = time.perf_counter()
        response = await http.get(f"/api/v1/cases/{case_id}/proposal", headers=headers)
        timings.add(kind, time.perf_counter() - start, response.status_code == 200)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres-url", default=os.environ.get("OPENIMR_TEST_POSTGRES_URL"))
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--cases-per-client", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--rounds", type=int, default=5, help="stored-proposal fetch rounds")
    args = parser.parse_args()
    if not args.postgres_url:
        parser.error("give --postgres-url or set OPENIMR_TEST_POSTGRES_URL")

    from openimr.store.db import Database, normalize_url
    from openimr.store.migrate import upgrade
    from openimr.workflow import Actor, Role, Workflow

    server = normalize_url(args.postgres_url)
    name = f"openimr_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    process: subprocess.Popen[bytes] | None = None
    try:
        database = Database(url)
        upgrade(database)
        _, token = Workflow(database).create_user(
            Actor(name="bench", role=Role.ADMIN), "bench", Role.ADMIN
        )
        database.dispose()
        port = free_port()
        env = {**os.environ, "OPENIMR_DATABASE_URL": url}
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "openimr.api.app:create_app_from_env",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(args.workers),
                "--no-access-log",
                "--log-level",
                "warning",
            ],
            env=env,
        )
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        else:
            raise SystemExit("server did not start")
        headers = {"Authorization": f"Bearer {token}"}
        sample = json.dumps({"case": thirty_page_case(0), "application": {"signed": True}})
        chars = sum(len(r["text"]) for r in thirty_page_case(0)["records"])
        print(
            f"case file: {len(sample) / 1024:.0f} KiB, {chars} characters of records "
            f"(~{chars / PAGE_CHARS:.0f} pages), 3 disputed items"
        )
        bodies = [
            [
                json.dumps(
                    {
                        "case": thirty_page_case(c * 1000 + k + 1),
                        "application": {"signed": True, "claim_number": f"BENCH-{c}-{k}"},
                    }
                ).encode()
                for k in range(args.cases_per_client)
            ]
            for c in range(args.clients)
        ]
        timings = Timings()

        phases: dict[str, float] = {}

        async def run() -> None:
            limits = httpx.Limits(
                max_connections=args.clients, max_keepalive_connections=args.clients
            )
            async with httpx.AsyncClient(base_url=base, timeout=300, limits=limits) as http:
                # Warm-up: load the engine's knowledge in every worker before measuring.
                warm_body = {"case": thirty_page_case(999_999), "application": {"signed": True}}
                warm = await http.post(
                    "/api/v1/cases",
                    content=json.dumps(warm_body).encode(),
                    headers={**headers, "Content-Type": "application/json"},
                )
                for _ in range(args.workers * 2):
                    await http.get(f"/api/v1/cases/{warm.json()['id']}/proposal", headers=headers)
                started = time.perf_counter()
                ids = await asyncio.gather(
                    *(create_cases(http, headers, b, timings) for b in bodies)
                )
                phases["1. create cases"] = time.perf_counter() - started
                started = time.perf_counter()
                await asyncio.gather(
                    *(
                        fetch_proposals(http, headers, i, "proposal, first fetch (engine)", timings)
                        for i in ids
                    )
                )
                phases["2. first proposal fetch (engine runs)"] = time.perf_counter() - started
                started = time.perf_counter()
                for _ in range(args.rounds):
                    await asyncio.gather(
                        *(
                            fetch_proposals(http, headers, i, "proposal, stored", timings)
                            for i in ids
                        )
                    )
                phases["3. proposal fetches (stored)"] = time.perf_counter() - started

        asyncio.run(run())
        print(f"{args.clients} concurrent clients, {args.workers} server worker(s)")
        kinds = ["create case", "proposal, first fetch (engine)", "proposal, stored"]
        for (phase, seconds), kind in zip(phases.items(), kinds, strict=True):
            count = len(timings.samples.get(kind, []))
            print(f"  {phase}: {count} requests in {seconds:.1f} s = {count / seconds:.1f} req/s")
        for kind, values in timings.samples.items():
            print(
                f"  {kind:32s} n={len(values):4d}  p50 {percentile(values, 0.5) * 1000:7.1f} ms  "
                f"p99 {percentile(values, 0.99) * 1000:7.1f} ms  mean "
                f"{statistics.mean(values) * 1000:7.1f} ms  errors {timings.errors.get(kind, 0)}"
            )
        return 0
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=30)
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    sys.exit(main())
