"""Load benchmark of the case API on PostgreSQL (a measurement, not a test).

Starts the real server (uvicorn in a subprocess, as ``openimr serve --workers`` does) on
loopback against a fresh PostgreSQL database, then runs concurrent clients in three phases:

1. each client creates cases made from a generated 30-page case file (the server's engine
   thread starts preparing their proposals meanwhile);
2. each client fetches every proposal once, right away: prepared ones are read from the store,
   the others wait for the engine;
3. each client fetches the stored proposals again for several rounds.

For each phase it prints throughput, p50/p99 latency and the CPU time per request spent by
the server processes, PostgreSQL and the load generator itself (all share the machine's
cores, so the load generator's cost is reported rather than hidden).

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


class Client:
    """The two requests the benchmark makes, over aiohttp (default) or httpx.

    The load generator shares the machine's cores with the server and PostgreSQL, so its own
    cost shows in every figure; aiohttp parses HTTP in C and costs a fraction of httpx.
    """

    def __init__(self, kind: str, base: str, token: str, connections: int) -> None:
        self.kind = kind
        self.base = base
        self.headers = {"Authorization": f"Bearer {token}"}
        self.connections = connections

    async def __aenter__(self) -> Client:
        if self.kind == "aiohttp":
            import aiohttp

            self._aiohttp = aiohttp.ClientSession(
                self.base,
                headers=self.headers,
                connector=aiohttp.TCPConnector(limit=self.connections),
                timeout=aiohttp.ClientTimeout(total=300),
            )
        else:
            limits = httpx.Limits(
                max_connections=self.connections, max_keepalive_connections=self.connections
            )
            self._httpx = httpx.AsyncClient(
                base_url=self.base, headers=self.headers, timeout=300, limits=limits
            )
        return self

    async def __aexit__(self, *_: object) -> None:
        if self.kind == "aiohttp":
            await self._aiohttp.close()
        else:
            await self._httpx.aclose()

    async def post_case(self, body: bytes) -> tuple[int, str | None]:
        """Status and new case id of ``POST /api/v1/cases``."""
        headers = {"Content-Type": "application/json"}
        if self.kind == "aiohttp":
            async with self._aiohttp.post("/api/v1/cases", data=body, headers=headers) as r:
                payload = await r.json() if r.status == 201 else None
                status = r.status
        else:
            response = await self._httpx.post("/api/v1/cases", content=body, headers=headers)
            status = response.status_code
            payload = response.json() if status == 201 else None
        return status, (payload or {}).get("id")

    async def get(self, path: str) -> int:
        """Status of a GET, after reading the whole body."""
        if self.kind == "aiohttp":
            async with self._aiohttp.get(path) as r:
                await r.read()
                return r.status
        response = await self._httpx.get(path)
        return response.status_code


async def create_cases(client: Client, bodies: list[bytes], timings: Timings) -> list[str]:
    ids = []
    for body in bodies:
        start = time.perf_counter()
        status, case_id = await client.post_case(body)
        timings.add("create case", time.perf_counter() - start, status == 201)
        if status == 201 and case_id:
            ids.append(case_id)
    return ids


async def fetch_proposals(client: Client, ids: list[str], kind: str, timings: Timings) -> None:
    for case_id in ids:
        start = time.perf_counter()
        status = await client.get(f"/api/v1/cases/{case_id}/proposal")
        timings.add(kind, time.perf_counter() - start, status == 200)


def _proc_cpu(pid: int) -> float:
    """CPU seconds of a process and its reaped children, from /proc (Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def _processes() -> list[tuple[int, int, str]]:
    """(pid, parent pid, command name) of every process."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            name = stat[stat.index("(") + 1 : stat.rindex(")")]
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            found.append((int(entry.name), ppid, name))
    return found


def cpu_snapshot(server_pid: int) -> dict[str, float]:
    """CPU seconds used so far by the server's processes, PostgreSQL's and this client."""
    processes = _processes()
    children: dict[int, list[int]] = {}
    for pid, ppid, _ in processes:
        children.setdefault(ppid, []).append(pid)
    tree, stack = [], [server_pid]
    while stack:
        pid = stack.pop()
        tree.append(pid)
        stack.extend(children.get(pid, []))
    postgres = [pid for pid, _, name in processes if name in {"postgres", "postmaster"}]
    return {
        "server": sum(_proc_cpu(pid) for pid in tree),
        "postgres": sum(_proc_cpu(pid) for pid in postgres),
        "client": time.process_time(),
    }


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
    parser.add_argument("--client", choices=["aiohttp", "httpx"], default="aiohttp")
    parser.add_argument(
        "--threads", type=int, default=None, help="request threads per worker (server default)"
    )
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
        if args.threads:
            env["OPENIMR_REQUEST_THREADS"] = str(args.threads)
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "openimr.server:create_app_from_env",
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
        cpu: dict[str, dict[str, float]] = {}
        server_pid = process.pid

        def mark() -> tuple[float, dict[str, float]]:
            return time.perf_counter(), cpu_snapshot(server_pid)

        def finish(phase: str, begun: tuple[float, dict[str, float]]) -> None:
            phases[phase] = time.perf_counter() - begun[0]
            after = cpu_snapshot(server_pid)
            cpu[phase] = {who: after[who] - begun[1][who] for who in after}

        async def run() -> None:
            async with Client(args.client, base, token, args.clients) as client:
                # Warm-up: every worker loads the engine when it starts; wait for that, then
                # exercise both routes once per worker.
                for k in range(args.workers * 2):
                    warm_body = {
                        "case": thirty_page_case(900_000 + k),
                        "application": {"signed": True, "claim_number": f"WARM-{k}"},
                    }
                    _, warm_id = await client.post_case(json.dumps(warm_body).encode())
                    await client.get(f"/api/v1/cases/{warm_id}/proposal")
                started = mark()
                ids = await asyncio.gather(*(create_cases(client, b, timings) for b in bodies))
                finish("1. create cases", started)
                started = mark()
                await asyncio.gather(
                    *(fetch_proposals(client, i, "proposal, first fetch", timings) for i in ids)
                )
                finish("2. first proposal fetch (prepared, or engine runs)", started)
                started = mark()
                for _ in range(args.rounds):
                    await asyncio.gather(
                        *(fetch_proposals(client, i, "proposal, stored", timings) for i in ids)
                    )
                finish("3. proposal fetches (stored)", started)

        asyncio.run(run())
        print(f"{args.clients} concurrent clients ({args.client}), {args.workers} server worker(s)")
        kinds = ["create case", "proposal, first fetch", "proposal, stored"]
        for (phase, seconds), kind in zip(phases.items(), kinds, strict=True):
            count = len(timings.samples.get(kind, []))
            print(f"  {phase}: {count} requests in {seconds:.1f} s = {count / seconds:.1f} req/s")
            used = cpu[phase]
            print(
                "     CPU per request: "
                + ", ".join(f"{who} {used[who] / max(count, 1) * 1000:.1f} ms" for who in used)
                + f"  (busy {sum(used.values()) / seconds:.2f} of {os.cpu_count()} cores)"
            )
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
