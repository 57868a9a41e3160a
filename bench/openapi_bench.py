"""The API against its OpenAPI document at length (a measurement, not a test).

Runs ``tests/api/test_openapi.py`` (Schemathesis: every operation, each generated request
sent with an intake, a reviewer and an administrator token) with many more generated requests
per operation than CI does, on SQLite and, given ``--postgres-url``, on PostgreSQL too; then
prints the requests sent, their statuses, the failures found and the time taken.

    .venv/bin/python bench/openapi_bench.py --examples 300
    .venv/bin/python bench/openapi_bench.py --examples 300 --postgres-url postgresql://postgres@127.0.0.1:5433/postgres
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--examples", type=int, default=300, help="generated requests per operation"
    )
    parser.add_argument("--postgres-url", help="also run on this PostgreSQL server")
    args = parser.parse_args()
    env = {**os.environ, "OPENIMR_OPENAPI_EXAMPLES": str(args.examples)}
    selection = "sqlite"
    if args.postgres_url:
        env["OPENIMR_TEST_POSTGRES_URL"] = args.postgres_url
        selection = "sqlite or postgresql"
    began = time.perf_counter()
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-s",
            "-p",
            "no:cacheprovider",
            "tests/api/test_openapi.py",
            "-k",
            selection,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - began
    summaries = re.findall(r"openapi: (\d+) requests, (\d+) operations, ([^\n]*)", run.stdout)
    print(f"examples per operation: {args.examples}; backends: {selection}")
    for (requests, operations, statuses), backend in zip(
        summaries, ("sqlite", "postgresql"), strict=False
    ):
        print(f"{backend}: {requests} requests over {operations} operations; statuses {statuses}")
    print(f"time: {seconds:.0f} s")
    outcome = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else run.stderr[-2000:]
    print(f"result: {outcome}")
    if run.returncode != 0:
        print(run.stdout[-20000:])
    return run.returncode


if __name__ == "__main__":
    sys.exit(main())
