"""Engine benchmark: time per 30-page case file (warm, one core) and cold start of the CLI.

    .venv/bin/python bench/engine_bench.py [--cases 40] [--cold-runs 5]

Targets (issue #2): at least 20 case files per second per core warm, under 1.5 s cold start.
This measures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from casegen import PAGE_CHARS, thirty_page_case

ROOT = Path(__file__).resolve().parents[1]


def warm(cases: int) -> dict[str, float]:
    from openimr.casefile import parse_case_data
    from openimr.engine import ReviewEngine, settle_process

    engine = ReviewEngine()
    settle_process()  # as the CLI and the service do after loading the knowledge
    files = [parse_case_data(thirty_page_case(seed)) for seed in range(cases)]
    chars = statistics.mean(sum(len(r.text) for r in case.records) for case in files)
    engine.review(files[0])  # first call builds lazy caches
    timings = []
    for case in files:
        start = time.perf_counter()
        engine.review(case)
        timings.append(time.perf_counter() - start)
    return {
        "cases": cases,
        "pages_per_case": round(chars / PAGE_CHARS, 1),
        "mean_ms": round(statistics.mean(timings) * 1000, 1),
        "median_ms": round(statistics.median(timings) * 1000, 1),
        "p95_ms": round(sorted(timings)[int(0.95 * (len(timings) - 1))] * 1000, 1),
        "cases_per_second_one_core": round(1 / statistics.mean(timings), 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def cold(runs: int) -> dict[str, float]:
    executable = Path(sys.executable).with_name("openimr")
    example = ROOT / "examples" / "chronic-low-back-2014.json"
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "thirty-pages.json"
        big.write_text(json.dumps(thirty_page_case(7)))
        results = {}
        for label, argv in (
            ("help", [str(executable), "--help"]),
            ("review_example", [str(executable), "review", str(example)]),
            ("review_30_pages", [str(executable), "review", str(big)]),
        ):
            times = []
            for _ in range(runs):
                start = time.perf_counter()
                subprocess.run(argv, check=True, capture_output=True)
                times.append(time.perf_counter() - start)
            results[f"{label}_median_s"] = round(statistics.median(times), 3)
            results[f"{label}_max_s"] = round(max(times), 3)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=40)
    parser.add_argument("--cold-runs", type=int, default=5)
    args = parser.parse_args()
    report = {"warm": warm(args.cases), "cold": cold(args.cold_runs)}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
