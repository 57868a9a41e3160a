"""Wording benchmark: are the findings the criteria ask about read as clinics write them?

    .venv/bin/python bench/wording_bench.py [--misses]

Each sentence of ``bench/data/wording_batteries.yaml`` (our own wording, none taken from a
letter) is read as the only record of a case, and the finding is asked for (for the body
region the battery names, if any). Printed per finding: the sentences that document it and
are read as present, and the sentences that must not be read as documenting it and are.
With ``--misses`` every sentence read wrongly is listed. The development set is not read.

This measures; it asserts nothing.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import yaml

from openimr.casefile import parse_case_data
from openimr.facts.extract import FactExtractor

BATTERIES = Path(__file__).parent / "data" / "wording_batteries.yaml"


def read(extractor: FactExtractor, concept: str, region: str | None, sentence: str) -> bool:
    """Whether the sentence, as a case's only record, is read as documenting ``concept``."""
    case = parse_case_data(
        {
            "ur_decision_date": "2016-11-15",
            "claimant": {"date_of_injury": "2014-01-10"},
            "disputed_items": [{"request": "Follow-up visit"}],
            "records": [{"kind": "progress_report", "text": sentence}],
        }
    )
    facts = extractor.extract(case, frozenset({concept}))
    return facts.finding(concept, (region,) if region else ()).value is True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="list every sentence misread")
    arguments = parser.parse_args()
    batteries: dict[str, dict[str, Any]] = yaml.safe_load(BATTERIES.read_text())
    extractor = FactExtractor()
    totals = [0, 0, 0, 0]
    misses: list[str] = []
    print(f"{'finding':28} {'present read':>13} {'absent read as present':>23}")
    for concept, battery in batteries.items():
        region = battery.get("region")
        present = [read(extractor, concept, region, s) for s in battery["present"]]
        absent = [read(extractor, concept, region, s) for s in battery.get("absent", [])]
        print(
            f"{concept:28} {sum(present):>6} of {len(present):<4} "
            f"{sum(absent):>14} of {len(absent):<4}"
        )
        totals[0] += sum(present)
        totals[1] += len(present)
        totals[2] += sum(absent)
        totals[3] += len(absent)
        misses += [
            f"  {concept}: not read: {s}"
            for s, ok in zip(battery["present"], present, strict=True)
            if not ok
        ]
        misses += [
            f"  {concept}: read though absent: {s}"
            for s, wrong in zip(battery.get("absent", []), absent, strict=True)
            if wrong
        ]
    print(f"{'all':28} {totals[0]:>6} of {totals[1]:<4} {totals[2]:>14} of {totals[3]:<4}")
    if arguments.misses and misses:
        print("\n".join(["misread:", *misses]))


if __name__ == "__main__":
    main()
