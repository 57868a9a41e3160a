from __future__ import annotations

import pytest

from openimr.engine import Reviewer


@pytest.fixture(scope="session")
def reviewer() -> Reviewer:
    """One reviewer for the session: building the pipeline costs about a second."""
    return Reviewer()
