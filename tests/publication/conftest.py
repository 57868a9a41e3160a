"""Shared material for the publication tests: one case's parties and a determination to fill."""

from __future__ import annotations

from pathlib import Path

import pytest

from openimr.casefile.model import Parties
from openimr.domain import Determination
from openimr.publication import Redactor, redactor_for

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "letters" / "openimr-determination.json"
SHARED = ROOT.parent / "shared"

PARTIES = {
    "claimant": {
        "name": "María José García-Hernández",
        "aliases": ["Lupe Garcia"],
        "date_of_birth": "1971-03-14",
        "phones": ["(559) 555-0134"],
        "emails": ["mgarcia71@example.com"],
        "addresses": ["1234 West Shaw Avenue, Apt 5, Fresno, CA 93721"],
        "identifiers": ["MRN 00123456"],
    },
    "claim_numbers": ["05-123456-789"],
    "employer": {"name": "Acme Roofing Inc."},
    "claims_administrator": {"name": "Golden State Mutual Insurance Company"},
    "providers": [
        {"name": "Oluwaseun Adeyemi, MD"},
        {"name": "Valley Orthopedic Group"},
        {"name": "Nguyen Thi Hoa"},
    ],
    "ur_physicians": [{"name": "Chen, Lee"}],
    "reviewer": {"name": "William Phalen"},
    "others": [{"name": "Siobhan O'Connor"}],
}


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
