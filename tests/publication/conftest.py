"""Shared material for the publication tests: one case's parties and a determination to fill."""

from __future__ import annotations

import pytest
from tests.publication.support import FIXTURE, PARTIES

from openimr.casefile.model import Parties
from openimr.domain import Determination
from openimr.publication import Redactor, redactor_for


@pytest.fixture(scope="session")
def parties() -> Parties:
    return Parties.model_validate(PARTIES)


@pytest.fixture(scope="session")
def redactor(parties: Parties) -> Redactor:
    return redactor_for(parties)


@pytest.fixture(scope="session")
def bare_redactor() -> Redactor:
    """Detectors only: nothing listed."""
    return redactor_for(None)


@pytest.fixture
def determination() -> Determination:
    return Determination.model_validate_json(FIXTURE.read_text("utf-8"))
