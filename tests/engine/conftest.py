from __future__ import annotations

import pytest

from openimr.engine import ReviewEngine


@pytest.fixture(scope="session")
def engine() -> ReviewEngine:
    """One engine for the session: building the pipeline costs about a second."""
    return ReviewEngine()
