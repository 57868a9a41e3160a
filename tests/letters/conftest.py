"""Shared helpers for the letters tests: fixture paths, the shared reference set, the CLI."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import typer

from openimr.domain import Determination

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "letters"
SHARED = ROOT.parent / "shared"


def letter_view(determination: Determination) -> dict[str, Any]:
    """What a letter states, for comparing a determination with its letter read back.

    Compared: case number, priority, the five dates, reviewer credentials, clinical case
    summary (whitespace normalized), documents reviewed, and per item the request, UR
    modification, decision, every citation (family, title, chapter, sections, pages, edition,
    clause grouping), the claims administrator's guideline text and the rationale (whitespace
    normalized). Not compared, because a letter does not print them: ``source`` (a parsed
    letter says "letter"), ``program``, ``guideline_edition``, ``engine_version`` and per item
    ``normalized``, ``criteria``, ``confidence``, ``flags`` and ``claims_administrator_audit``.
    """
    engine_only = {"normalized", "criteria", "confidence", "flags", "claims_administrator_audit"}
    data = determination.model_dump(
        mode="json",
        exclude={
            "source": True,
            "program": True,
            "guideline_edition": True,
            "engine_version": True,
            "items": {"__all__": {*engine_only, "medically_necessary"}},
        },
    )
    data["clinical_case_summary"] = " ".join(data["clinical_case_summary"].split())
    for item in data["items"]:
        item["rationale"] = " ".join(item["rationale"].split())
        item["request"] = " ".join(item["request"].split())
    return data


@pytest.fixture(scope="session")
def view() -> Callable[[Determination], dict[str, Any]]:
    return letter_view


@pytest.fixture(scope="session")
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared (reference letters) is not present on this machine")
    return SHARED


@pytest.fixture
def cli() -> typer.Typer:
    """A command line with only the letters' commands registered, as ``openimr`` does."""
    from openimr.cli import letter_cmds

    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    letter_cmds.register(app)
    return app
