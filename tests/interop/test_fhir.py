"""FHIR R4 export: valid resources, PAS review actions, round trip, determinism, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.claimresponse import ClaimResponse
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from openimr.casefile import load_case_file
from openimr.cli import app
from openimr.domain import Decision, Determination
from openimr.interop.fhir import (
    EXT_REVIEW_ACTION,
    X12_306,
    FhirError,
    case_bundle,
    claim,
    claim_response,
    determination_from_fhir,
)

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "letters" / "openimr-determination.json"
EXAMPLE = ROOT / "examples" / "chronic-low-back-2014.json"


@pytest.fixture
def determination() -> Determination:
    return Determination.model_validate_json(FIXTURE.read_text("utf-8"))


def _review_actions(resource: dict) -> list[str]:
    codes = []
    for item in resource["item"]:
        for adjudication in item["adjudication"]:
            assert adjudication["category"]["coding"][0]["code"] == "submitted"
            for ext in adjudication["extension"]:
                assert ext["url"] == EXT_REVIEW_ACTION
                for part in ext["extension"]:
                    coding = part["valueCodeableConcept"]["coding"][0]
                    assert coding["system"] == X12_306
                    codes.append(coding["code"])
    return codes


def test_one_adjudication_per_item_with_the_pas_review_action(
    determination: Determination,
) -> None:
    resource = claim_response(determination)
    ClaimResponse.model_validate(resource)
    assert resource["use"] == "preauthorization" and resource["outcome"] == "complete"
    assert len(resource["item"]) == len(determination.items)
    expected = ["A1" if i.decision is Decision.OVERTURNED else "A3" for i in determination.items]
    assert _review_actions(resource) == expected
    assert resource["created"] == determination.decision_date.isoformat()  # type: ignore[union-attr]


def test_a_claim_response_reads_back_into_the_same_determination(
    determination: Determination,
) -> None:
    back = determination_from_fhir(claim_response(determination))
    assert back.case_id == determination.case_id
    assert back.priority == determination.priority
    for name in (
        "date_of_injury",
        "ur_decision_date",
        "date_assigned",
        "application_received",
        "decision_date",
        "clinical_case_summary",
    ):
        assert getattr(back, name) == getattr(determination, name), name
    for got, item in zip(back.items, determination.items, strict=True):
        assert got.decision == item.decision
        assert got.citations == item.citations
        assert got.rationale == item.rationale


def test_the_case_bundle_holds_the_claim_records_and_response(determination: Determination):
    case = load_case_file(EXAMPLE)
    bundle = case_bundle(case, determination)
    Bundle.model_validate(bundle)
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds == ["Patient", "Claim"] + ["DocumentReference"] * len(case.records) + [
        "ClaimResponse"
    ]
    claim_json = bundle["entry"][1]["resource"]
    assert [i["productOrService"]["text"] for i in claim_json["item"]] == [
        i.request for i in case.disputed_items
    ]
    assert claim_json["accident"]["date"] == case.claimant.date_of_injury.isoformat()  # type: ignore[union-attr]
    response = bundle["entry"][-1]["resource"]
    assert response["request"]["reference"] == bundle["entry"][1]["fullUrl"]
    patient = bundle["entry"][0]["resource"]
    assert set(patient) <= {"resourceType", "id", "gender"}  # no identity is exported


def test_requests_come_back_from_the_claim() -> None:
    case = load_case_file(EXAMPLE)
    determination = Determination.model_validate(
        {
            "case_id": case.case_id,
            "decision_date": "2014-04-20",
            "items": [
                {"request": i.request, "decision": "upheld", "guideline": {"family": "ODG"}}
                for i in case.disputed_items
            ],
        }
    )
    back = determination_from_fhir(claim_response(determination), claim(case))
    assert [i.request for i in back.items] == [i.request for i in case.disputed_items]
    assert [i.claims_administrator_guideline for i in back.items] == [
        i.claims_administrator_guideline for i in case.disputed_items
    ]


@settings(max_examples=40, deadline=None)
@given(
    decisions=st.lists(st.sampled_from(list(Decision)), min_size=1, max_size=6),
    rationale=st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=80),
)
def test_decisions_and_rationales_round_trip(decisions: list[Decision], rationale: str) -> None:
    determination = Determination.model_validate(
        {
            "case_id": "CM16-0000001",
            "decision_date": "2016-12-19",
            "items": [
                {
                    "request": f"Item {n}",
                    "decision": d.value,
                    "guideline": {"family": "MTUS-CPMTG"},
                    "rationale": rationale,
                }
                for n, d in enumerate(decisions)
            ],
        }
    )
    back = determination_from_fhir(claim_response(determination))
    assert [i.decision for i in back.items] == decisions
    if rationale.strip():
        assert {i.rationale for i in back.items} == {rationale}


def test_the_same_determination_gives_the_same_bytes(determination: Determination) -> None:
    first = json.dumps(claim_response(determination))
    assert json.dumps(claim_response(determination)) == first


def test_a_response_needs_a_date(determination: Determination) -> None:
    undated = determination.model_copy(update={"decision_date": None, "ur_decision_date": None})
    with pytest.raises(FhirError) as caught:
        claim_response(undated)
    assert caught.value.location == "decision_date"


def test_not_a_claim_response_is_refused() -> None:
    with pytest.raises(FhirError):
        determination_from_fhir({"resourceType": "ClaimResponse", "status": "active"})


def test_export_fhir_command(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "response.json"
    result = runner.invoke(app, ["export", "fhir", str(FIXTURE), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["resourceType"] == "ClaimResponse"
    result = runner.invoke(
        app, ["export", "fhir", str(FIXTURE), "--kind", "bundle", "--case-file", str(EXAMPLE)]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["resourceType"] == "Bundle"
    result = runner.invoke(app, ["export", "fhir", "--kind", "bundle"])
    assert result.exit_code == 2 and "--case-file" in result.stderr
