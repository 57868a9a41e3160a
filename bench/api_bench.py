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
import random
import socket
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx
from sqlalchemy import create_engine, text

#: Characters of a typical page of clinical notes.
PAGE_CHARS = 2_800

_FINDINGS = [
    "Patient reports low back pain rated {p}/10 radiating to the {side} lower extremity.",
    "Lumbar range of motion is reduced in flexion to {deg} degrees with pain at end range.",
    "Straight leg raise is positive on the {side} at {deg} degrees.",
    "Sensation is diminished in the {side} L5 dermatome; ankle dorsiflexion strength is 4+/5.",
    "Deep tendon reflexes are 1+ and symmetric at the knees and ankles.",
    "She completed {n} sessions of physical therapy with temporary relief and no lasting gain.",
    "Current medications: naproxen 550 mg twice daily, cyclobenzaprine 7.5 mg at night.",
    "Work status: modified duty with no lifting over {n} pounds and no repetitive bending.",
    "Activities of daily living: difficulty with prolonged sitting beyond {n} minutes.",
    "Lumbar MRI showed a {mm} mm disc protrusion at L4-5 contacting the {side} L5 root.",
    "Plan: continue home exercise program, request authorization as below, follow up in 4 weeks.",
    "The patient denies bowel or bladder changes. No red flags on review of systems.",
    "Pain interferes with sleep; she wakes {n} times a night. Mood is stable.",
    "Functional capacity: walks {n} blocks before stopping; sit-to-stand is slow but independent.",
]


def page(rng: random.Random, visit: date) -> str:
    """One page of a progress note with the usual sections."""
    lines = [
        f"PRIMARY TREATING PHYSICIAN'S PROGRESS REPORT (PR-2)  Date of service: {visit:%m/%d/%Y}",
        "SUBJECTIVE:",
    ]
    while sum(len(line) for line in lines) < PAGE_CHARS:
        template = rng.choice(_FINDINGS)
        lines.append(
            template.format(
                p=rng.randint(3, 9),
                side=rng.choice(["left", "right"]),
                deg=rng.randint(20, 70),
                n=rng.randint(2, 24),
                mm=rng.randint(2, 6),
            )
        )
        if rng.random() < 0.1:
            lines.append(rng.choice(["OBJECTIVE:", "ASSESSMENT:", "PLAN:"]))
    return "\n".join(lines)


def thirty_page_case(seed: int) -> dict[str, Any]:
    """A realistic 30-page case file (about 84,000 characters of records)."""
    rng = random.Random(seed)
    injury = date(2024, 1, 1) + timedelta(days=seed % 600)
    ur = date.today() - timedelta(days=7)
    records: list[dict[str, Any]] = []
    visit = injury + timedelta(days=14)
    for index in range(28):
        records.append(
            {
                "kind": "progress_report",
                "date": visit.isoformat(),
                "author": f"Treating Physician {seed % 97}, MD",
                "specialty": "physical medicine and rehabilitation",
                "text": page(rng, visit),
            }
        )
        visit += timedelta(days=rng.randint(10, 21))
        if visit >= ur:
            visit = ur - timedelta(days=28 - index)
    records.append(
        {
            "kind": "imaging",
            "date": (injury + timedelta(days=60)).isoformat(),
            "text": "MRI LUMBAR SPINE WITHOUT CONTRAST. " + page(rng, injury + timedelta(days=60)),
        }
    )
    records.append(
        {
            "kind": "ur_determination",
            "date": ur.isoformat(),
            "text": "UTILIZATION REVIEW DETERMINATION. The requests below are not certified. "
            + page(rng, ur),
        }
    )
    return {
        "case_id": f"BENCH-{seed}",
        "claimant": {"age": 30 + seed % 30, "sex": "female", "date_of_injury": injury.isoformat()},
        "claims_administrator": "Bench Mutual Insurance",
        "ur_decision_date": ur.isoformat(),
        "disputed_items": [
            {
                "request": "Physical therapy 2 times a week for 6 weeks for the lumbar spine",
                "ur_decision": "denied",
            },
            {"request": "Lumbar epidural steroid injection at left L4-5", "ur_decision": "denied"},
            {"request": "Cyclobenzaprine 7.5 mg #60", "ur_decision": "modified"},
        ],
        "records": records,
    }


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
