"""The optional ``parties`` object: accepted, strict, and invisible when absent."""

from __future__ import annotations

from datetime import date

import pytest

from openimr.casefile import parse_case_data
from openimr.errors import CaseFileError

TODAY = date(2026, 11, 27)


def _case(**extra: object) -> dict:
    case: dict[str, object] = {
        "case_id": "T-1",
        "claimant": {"date_of_injury": "2016-10-10"},
        "disputed_items": [{"request": "MRI of the lumbar spine"}],
        "records": [{"kind": "progress_report", "text": "Low back pain."}],
    }
    case.update(extra)
    return case


def test_a_case_file_without_parties_dumps_as_before() -> None:
    case = parse_case_data(_case(), today=TODAY)
    assert case.parties is None
    assert "parties" not in case.model_dump(mode="json")
    assert "parties" not in case.model_dump_json()


def test_parties_are_read_with_their_identities() -> None:
    case = parse_case_data(
        _case(
            parties={
                "claimant": {
                    "name": "Maria Garcia",
                    "aliases": ["Mary Garcia"],
                    "date_of_birth": "1971-03-14",
                    "phones": ["(559) 555-0134"],
                },
                "claim_numbers": ["05-123456-789"],
                "employer": {"name": "Acme Roofing Inc."},
                "providers": [{"name": "Oluwaseun Adeyemi", "identifiers": ["1234567893"]}],
                "ur_physicians": [{"name": "Lee Chen"}],
            }
        ),
        today=TODAY,
    )
    assert case.parties is not None and case.parties.claimant is not None
    assert case.parties.claimant.date_of_birth == date(1971, 3, 14)
    assert case.parties.providers[0].identifiers == ["1234567893"]
    assert case.model_dump(mode="json")["parties"]["employer"]["name"] == "Acme Roofing Inc."


@pytest.mark.parametrize(
    ("parties", "where"),
    [
        ({"claimant": {"name": "  "}}, "parties.claimant.name"),
        ({"claimant": {"name": "A B", "nickname": "x"}}, "parties.claimant.nickname"),
        ({"employer": {"name": "X", "date_of_birth": "14/03/1971"}}, "parties.employer"),
        ({"claim_number": "1"}, "parties.claim_number"),
    ],
)
def test_bad_parties_name_the_field(parties: dict, where: str) -> None:
    with pytest.raises(CaseFileError) as caught:
        parse_case_data(_case(parties=parties), source="case.json", today=TODAY)
    assert caught.value.location is not None and caught.value.location.startswith(where)
    assert str(caught.value).startswith("case.json: ")
