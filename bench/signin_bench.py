"""What a workbench sign-in by password costs, and what a guess costs (a measurement, not a
test).

Creates users with passwords in a fresh SQLite store, then times, through the workflow as the
workbench calls it: good sign-ins (Argon2id verify, session opened, audited), wrong passwords
and unknown names (refused alike, each counted by the throttle), and a token sign-in for
comparison. Prints the median and p95 in milliseconds. The throttle's allowance is raised for
the run so that every wrong password reaches the hash check (with the default allowance the
sixth is refused by the lockout before any hashing).

    .venv/bin/python bench/signin_bench.py --rounds 40
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from openimr.errors import AccessDenied
from openimr.settings import Settings
from openimr.store.db import Database
from openimr.store.migrate import upgrade
from openimr.workflow import Actor, Role, Workflow

ADMIN = Actor(name="bench", role=Role.ADMIN)
PASSWORD = "correct horse battery staple"


def _timed(rounds: int, attempt: Callable[[int], object]) -> list[float]:
    spent = []
    for number in range(rounds):
        start = time.perf_counter()
        with contextlib.suppress(AccessDenied):
            attempt(number)
        spent.append((time.perf_counter() - start) * 1000)
    return spent


def _line(label: str, spent: list[float]) -> str:
    ordered = sorted(spent)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"{label:<28} median {statistics.median(spent):7.1f} ms   p95 {p95:7.1f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        database = Database(f"sqlite+pysqlite:///{Path(folder) / 'bench.sqlite3'}")
        upgrade(database)
        workflow = Workflow(database, settings=Settings(signin_failures=1_000_000))
        try:
            start = time.perf_counter()
            workflow.create_user(ADMIN, "desk", Role.INTAKE, password=PASSWORD)
            hashed_ms = (time.perf_counter() - start) * 1000
            _, token = workflow.create_user(ADMIN, "desk-token", Role.INTAKE)
            rounds = args.rounds
            good = _timed(rounds, lambda n: workflow.start_password_session("desk", PASSWORD))
            wrong = _timed(rounds, lambda n: workflow.start_password_session("desk", "wrong"))
            unknown = _timed(rounds, lambda n: workflow.start_password_session("nobody", PASSWORD))
            by_token = _timed(rounds, lambda n: workflow.start_session(token))
        finally:
            workflow.close()
    print(f"user created with a password: {hashed_ms:.1f} ms (Argon2id hash included)")
    print(_line("password sign-in", good))
    print(_line("wrong password (refused)", wrong))
    print(_line("unknown name (refused)", unknown))
    print(_line("token sign-in", by_token))
    return 0


if __name__ == "__main__":
    sys.exit(main())
