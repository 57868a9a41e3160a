"""The precedent corpus through the service: what a request to the API or a workbench page costs.

    .venv/bin/python bench/corpus_service_bench.py [--letters 10000] [--keep PATH]
        [--requests 60] [--json]

A corpus of ``--letters`` generated letters is built as ``bench/corpus_bench.py scale`` builds
it (``--keep`` keeps, and reuses, the SQLite file), then each kind of request is made
``--requests`` times through the whole app in process (HTTP parsing, bearer token or session,
the permission check, the query, JSON or the page rendered), and timed: the API's search (half
with words, one to three facets), statistics and similar decisions; the workbench's search
page (which also lists every facet's values with counts: six counts a page), its statistics
page and the chart it shows (matplotlib SVG); and ``Workflow.similar_decisions`` alone, which
the case page calls once per disputed item. Reported: p50, p95 and max per kind.
This measures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from corpus_bench import FAMILIES, REGIONS, WORDS, YEARS, _build_rest, _percentiles

FACTS = (
    "Low back pain radiating to the left leg with numbness; completed twelve sessions of "
    "physical therapy with temporary relief; home exercise program; MRI shows disc protrusion."
)


def _params(rng: random.Random, topics: list[str]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for name in rng.sample(["topic", "decision", "year", "family", "region"], rng.randint(1, 3)):
        params[name] = {
            "topic": lambda: rng.choice(topics),
            "decision": lambda: rng.choice(["upheld", "overturned"]),
            "year": lambda: rng.choice(YEARS),
            "family": lambda: rng.choice(FAMILIES),
            "region": lambda: rng.choice(REGIONS),
        }[name]()
    if rng.random() < 0.5:
        params["q"] = rng.choice(WORDS)
    return params


def _time(count: int, call: Callable[[int], Any]) -> dict[str, float]:
    times = []
    for index in range(count):
        start = time.perf_counter()
        call(index)
        times.append(time.perf_counter() - start)
    return _percentiles(times)


def bench(letters: int, keep: Path | None, requests: int) -> dict[str, Any]:
    from fastapi.testclient import TestClient
    from sqlalchemy import text

    from openimr.server import create_app
    from openimr.store.db import Database
    from openimr.store.migrate import upgrade
    from openimr.web.security import Signer
    from openimr.workflow import Actor, Role, Workflow

    folder = tempfile.TemporaryDirectory()
    path = keep or Path(folder.name) / "service.sqlite3"
    database = Database(f"sqlite+pysqlite:///{path}")
    upgrade(database)
    with database.engine.connect() as connection:
        present = connection.execute(text("SELECT count(*) FROM corpus_letters")).scalar_one()
    build_seconds = _build_rest(database, present, letters) if present < letters else None
    with database.engine.connect() as connection:
        stored = connection.execute(text("SELECT count(*) FROM corpus_letters")).scalar_one()
        items = connection.execute(text("SELECT count(*) FROM corpus_items")).scalar_one()
        topics = sorted(
            connection.execute(text("SELECT DISTINCT topic FROM corpus_items")).scalars()
        )
    workflow = Workflow(database)
    admin = Actor(name="bench", role=Role.ADMIN)
    name = f"bench-{os.getpid()}-{int(time.time())}"
    _, token = workflow.create_user(admin, name, Role.INTAKE)
    reader = Actor(name=name, role=Role.INTAKE)
    headers = {"Authorization": f"Bearer {token}"}
    app = create_app(workflow=workflow)
    app.state.workbench_signer = Signer(os.urandom(32))
    rng = random.Random(20261207)
    results: dict[str, Any] = {}
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as client:
        login = client.get("/workbench/login")
        csrf = re.search(r'name="csrf" value="([^"]*)"', login.text)
        assert csrf, "no sign-in form"
        signed = client.post(
            "/workbench/login", data={"csrf": csrf.group(1), "token": token, "next": ""}
        )
        assert signed.status_code == 303, signed.text

        def get(url: str, params: dict[str, Any], **extra: Any) -> None:
            response = client.get(url, params=params, **extra)
            assert response.status_code == 200, (url, params, response.text[:300])

        searches = [_params(rng, topics) for _ in range(requests)]
        results["api_search"] = _time(
            requests, lambda i: get("/api/v1/decisions", searches[i], headers=headers)
        )
        stats = [
            {"by": rng.choice(["topic", "year", "family", "specialty", "ur_family"])}
            | ({"year": rng.choice(YEARS)} if rng.random() < 0.5 else {})
            for _ in range(requests)
        ]
        results["api_stats"] = _time(
            requests, lambda i: get("/api/v1/decisions/stats", stats[i], headers=headers)
        )
        similar = [
            {"topic": rng.choice(topics), "region": rng.choice(REGIONS), "facts": FACTS}
            for _ in range(requests)
        ]
        results["api_similar"] = _time(
            requests, lambda i: get("/api/v1/decisions/similar", similar[i], headers=headers)
        )
        results["page_search"] = _time(requests, lambda i: get("/workbench/decisions", searches[i]))
        results["page_stats"] = _time(
            requests, lambda i: get("/workbench/decisions/stats", stats[i])
        )
        charts = max(1, requests // 4)
        results["chart_svg"] = _time(
            charts, lambda i: get("/workbench/decisions/chart", {"kind": "rates", **stats[i]})
        )
        results["similar_per_item"] = _time(
            requests,
            lambda i: workflow.similar_decisions(
                reader, similar[i]["topic"], similar[i]["region"], FACTS, 5
            ),
        )
    workflow.close()
    folder.cleanup()
    return {
        "letters": stored,
        "items": items,
        "build_seconds": None if build_seconds is None else round(build_seconds, 1),
        "requests_per_kind": requests,
        "charts": charts,
        **results,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--letters", type=int, default=10_000)
    parser.add_argument("--keep", type=Path)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = bench(args.letters, args.keep, args.requests)
    result["machine"] = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"{result['letters']} letters, {result['items']} items (SQLite)")
    for kind, value in result.items():
        if isinstance(value, dict) and "p50_ms" in value:
            print(
                f"  {kind:18} p50 {value['p50_ms']:8.1f} ms   p95 {value['p95_ms']:8.1f} ms"
                f"   max {value['max_ms']:8.1f} ms"
            )
    print(f"  load average {result['machine']['load_average']}")


if __name__ == "__main__":
    main()
