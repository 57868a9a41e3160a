"""Scenario benchmark: long-running claims, worded as other years word them, in every edition.

    .venv/bin/python bench/scenarios_bench.py [--scenarios bench/data/long_running_claims.yaml]
        [--show-misses]

The development set's letters are almost all recent injuries of 2016-17. The scenarios in
``bench/data/long_running_claims.yaml`` are claims years old, worded as their records and the
reviewers' summaries of other years are; each carries the decision the guideline in force
gives (``reading``, or ``edition_readings`` where an edition reads it otherwise), as this
project reads it. The engine reviews each scenario at its own
dates and again with every date moved into the 2009, the 2016 and the December 2017 MTUS
editions. Reported: agreement with the readings (all, and without the contested ones), and
the scenarios whose proposal differs. These are readings, not real decisions: this measures
the engine against the project's own reading of the guidelines; it asserts nothing.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
#: A UR decision date inside each MTUS edition the scenarios are moved into.
EDITION_DATES = {
    "mtus-2009": date(2014, 6, 1),
    "mtus-2016": date(2017, 3, 1),
    "mtus-2017": date(2019, 6, 1),
}


def case_data(scenario: dict[str, Any], ur_date: date | None = None) -> dict[str, Any]:
    """The scenario as a case file, its dates moved so that the UR decision falls on ``ur_date``."""
    injury = date.fromisoformat(str(scenario["date_of_injury"]))
    decided = date.fromisoformat(str(scenario["ur_decision_date"]))
    if ur_date is not None:
        injury = injury + (ur_date - decided)
        decided = ur_date
    return {
        "claimant": {"date_of_injury": injury.isoformat()},
        "ur_decision_date": decided.isoformat(),
        "disputed_items": [{"request": scenario["request"]}],
        "records": [{"kind": "progress_report", "text": text} for text in scenario["records"]],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--scenarios", type=Path, default=ROOT / "bench/data/long_running_claims.yaml"
    )
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args()

    from openimr.casefile import parse_case_data
    from openimr.engine import ReviewEngine

    engine = ReviewEngine()
    scenarios = yaml.safe_load(args.scenarios.read_text(encoding="utf-8"))["scenarios"]
    columns: dict[str, date | None] = {"own dates": None, **EDITION_DATES}
    print(
        f"{len(scenarios)} scenarios, {sum(1 for s in scenarios if s.get('contested'))} contested"
    )
    print(f"{'dates':12s} {'agree':>6s} {'of':>4s} {'rate':>6s} {'agree (uncontested)':>20s}")
    for label, ur_date in columns.items():
        agree = agree_firm = firm = 0
        misses = []
        for scenario in scenarios:
            item = engine.review(
                parse_case_data(case_data(scenario, ur_date), source="scenario")
            ).items[0]
            reading = (scenario.get("edition_readings") or {}).get(label, scenario["reading"])
            right = item.decision.value == reading
            agree += right
            if not scenario.get("contested"):
                firm += 1
                agree_firm += right
            if not right:
                misses.append((scenario["name"], reading, item.decision.value))
        print(
            f"{label:12s} {agree:6d} {len(scenarios):4d} {agree / len(scenarios):6.3f} "
            f"{agree_firm:11d} of {firm:3d} ({agree_firm / firm:.3f})"
        )
        if args.show_misses:
            for name, reading, proposed in misses:
                print(f"    {name}: reading {reading}, proposed {proposed}")


if __name__ == "__main__":
    main()
