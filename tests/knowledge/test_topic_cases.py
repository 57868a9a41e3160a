"""The topic tests a guideline author reads and extends (knowledge/data/topics/tests/)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from openimr.casefile import parse_case_data
from openimr.knowledge.sources import DATA_DIR

CASES_DIR = DATA_DIR / "topics" / "tests"


def _cases() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8"))["tests"]:
            out.append((f"{path.stem}: {case['name']}", case))
    return out


CASES = _cases()


@pytest.fixture(scope="module")
def engine():
    from openimr.engine import ReviewEngine

    return ReviewEngine()


def test_there_are_topic_cases() -> None:
    assert len(CASES) >= 10


@pytest.mark.parametrize(("name", "case"), CASES, ids=[name for name, _ in CASES])
def test_topic_case(engine, name: str, case: dict[str, Any]) -> None:
    injury = case.get("date_of_injury", date(2016, 1, 4))
    data = {
        "claimant": {"date_of_injury": str(injury)},
        "ur_decision_date": str(case.get("ur_decision_date", date(2016, 11, 15))),
        "disputed_items": [{"request": case["request"]}],
        "records": [{"kind": "progress_report", "text": text} for text in case["records"]],
    }
    item = engine.review(parse_case_data(data, source=name)).items[0]
    expect = case["expect"]
    found = {c.id: c.met for c in item.criteria}
    assert item.normalized.topic == expect["topic"], name
    assert item.decision.value == expect["decision"], (name, found)
    if "family" in expect:
        assert item.guideline.family.value == expect["family"], name
    for criterion, met in (expect.get("criteria") or {}).items():
        assert criterion in found, (name, criterion, sorted(found))
        assert found[criterion] is met, (name, criterion, found[criterion], item.criteria)


def test_cases_live_beside_the_topic_files() -> None:
    assert CASES_DIR.parent.name == "topics" and Path(CASES_DIR / "README.md").is_file()
