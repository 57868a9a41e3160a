"""Sign-off through the API: the letter checker's errors block signing, warnings need a
written reason (kept in the audit log), flagged items are acknowledged, and the letter
signing would produce is previewed marked DRAFT. On every database backend."""

from __future__ import annotations

from typing import Any

CITATION = {"family": "MTUS-CPMTG", "sections": ["Physical medicine"], "pages": "98-99"}
#: The reviewer's item: upheld, and a rationale that concludes so.
UPHELD = {
    "action": "edit",
    "decision": "upheld",
    "guideline": CITATION,
    "rationale": "No functional improvement is documented. The request is not medically necessary.",
}


def _ready_case(client: Any, users: Any, make_case: Any) -> str:
    """A case assigned to R-A with its records complete."""
    created = client.post(
        "/api/v1/cases",
        json={"case": make_case(), "application": {"signed": True}},
        headers=users.intake,
    )
    case_id = created.json()["id"]
    assert client.post(f"/api/v1/cases/{case_id}/assignment", headers=users.intake).is_success
    assert client.post(f"/api/v1/cases/{case_id}/records-complete", headers=users.intake).is_success
    return case_id


def _save(client: Any, users: Any, case_id: str, version: int, item: dict[str, Any]) -> Any:
    saved = client.put(
        f"/api/v1/cases/{case_id}/determination",
        json={"version": version, "items": [item]},
        headers=users.reviewer_a,
    )
    assert saved.status_code == 200, saved.text
    return saved.json()


def _audit(client: Any, users: Any, case_id: str, action: str) -> list[dict[str, Any]]:
    entries = client.get(f"/api/v1/audit?case={case_id}", headers=users.admin).json()
    return [e for e in entries if e["action"] == action]


def test_a_decision_its_rationale_contradicts_cannot_be_signed(client, users, make_case):
    case_id = _ready_case(client, users, make_case)
    wrong = dict(UPHELD, decision="overturned")
    view = _save(client, users, case_id, 0, wrong)
    (finding,) = [f for f in view["findings"] if f["severity"] == "error"]
    assert finding["item"] == 1 and finding["code"] == "decision-contradicts-rationale"
    assert finding["quote"] == "The request is not medically necessary."
    signed = client.post(
        f"/api/v1/cases/{case_id}/determination/sign", json={"version": 1}, headers=users.reviewer_a
    )
    assert signed.status_code == 409
    message = signed.json()["error"]["message"]
    assert "item 1 (Physical therapy" in message and "[decision-contradicts-rationale]" in message
    assert "The request is not medically necessary." in message
    assert _audit(client, users, case_id, "determination.sign") == []
    # corrected, it signs
    view = _save(client, users, case_id, 1, UPHELD)
    assert [f for f in view["findings"] if f["severity"] == "error"] == []
    assert view["signs_as_version"] == 3
    signed = client.post(
        f"/api/v1/cases/{case_id}/determination/sign", json={"version": 2}, headers=users.reviewer_a
    )
    assert signed.status_code == 200, signed.text
    assert signed.json()["version"] == 3 and signed.json()["findings"] == []


def test_an_item_without_a_rationale_cannot_be_signed(client, users, make_case):
    case_id = _ready_case(client, users, make_case)
    _save(client, users, case_id, 0, dict(UPHELD, rationale="   "))
    signed = client.post(
        f"/api/v1/cases/{case_id}/determination/sign", json={"version": 1}, headers=users.reviewer_a
    )
    assert signed.status_code == 409
    assert "item 1 (Physical therapy" in signed.json()["error"]["message"]
    assert "[missing-rationale]" in signed.json()["error"]["message"]


def test_a_warning_is_signed_past_only_with_a_reason_kept_in_the_audit_log(
    client, users, make_case
):
    case_id = _ready_case(client, users, make_case)
    old_edition = dict(UPHELD, guideline=dict(CITATION, edition="2009"))
    view = _save(client, users, case_id, 0, old_edition)
    assert [(f["severity"], f["code"], f["item"]) for f in view["findings"]] == [
        ("warning", "not-in-force", 1)
    ]
    url = f"/api/v1/cases/{case_id}/determination/sign"
    for body in ({"version": 1}, {"version": 1, "reason": "   "}):
        refused = client.post(url, json=body, headers=users.reviewer_a)
        assert refused.status_code == 422
        error = refused.json()["error"]
        assert error["field"] == "reason"
        assert "item 1" in error["message"] and "[not-in-force]" in error["message"]
    reason = "The 2009 edition is the one the UR cited; I checked that the 2016 text agrees."
    signed = client.post(url, json={"version": 1, "reason": reason}, headers=users.reviewer_a)
    assert signed.status_code == 200, signed.text
    (entry,) = _audit(client, users, case_id, "determination.sign")
    assert entry["detail"]["reason"] == reason
    assert entry["detail"]["warnings_overridden"] == [{"item": 1, "code": "not-in-force"}]


def test_flags_the_engine_raised_are_acknowledged_item_by_item(client, users, make_case):
    case_id = _ready_case(client, users, make_case)
    proposal = client.get(f"/api/v1/cases/{case_id}/proposal", headers=users.reviewer_a).json()
    codes = [flag["code"] for flag in proposal["items"][0]["flags"]]
    assert codes, "the example case's proposal carries a flag"
    _save(client, users, case_id, 0, {"action": "accept"})
    url = f"/api/v1/cases/{case_id}/determination/sign"
    refused = client.post(url, json={"version": 1}, headers=users.reviewer_a)
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["field"] == "acknowledged_flags"
    assert f"item 1 ({codes[0]}" in error["message"]
    unknown = client.post(
        url, json={"version": 1, "acknowledged_flags": [1, 7]}, headers=users.reviewer_a
    )
    assert unknown.status_code == 422
    assert unknown.json()["error"]["field"] == "acknowledged_flags"
    assert "no item 7" in unknown.json()["error"]["message"]
    signed = client.post(
        url, json={"version": 1, "acknowledged_flags": [1]}, headers=users.reviewer_a
    )
    assert signed.status_code == 200, signed.text
    (entry,) = _audit(client, users, case_id, "determination.sign")
    assert entry["detail"]["flags_acknowledged"] == [1]


def test_the_letter_signing_would_produce_is_previewed_as_a_draft(client, users, make_case):
    case_id = _ready_case(client, users, make_case)
    preview_url = f"/api/v1/cases/{case_id}/determination/letter"
    nothing = client.get(f"{preview_url}?format=text", headers=users.reviewer_a)
    assert nothing.status_code == 409
    _save(client, users, case_id, 0, UPHELD)
    preview = client.get(f"{preview_url}?format=text", headers=users.reviewer_a)
    assert preview.status_code == 200, preview.text
    assert preview.headers["X-Determination-Version"] == "1"
    text = preview.text
    assert "DRAFT DETERMINATION LETTER" in text and "FINAL DETERMINATION LETTER" not in text
    assert "State(s) of Licensure: CA" in text  # as the signing reviewer signs it
    html = client.get(f"{preview_url}?format=html", headers=users.reviewer_a)
    assert html.status_code == 200 and "draft-watermark" in html.text
    assert _audit(client, users, case_id, "letter.preview")[0]["detail"]["version"] == 1
    client.post(
        f"/api/v1/cases/{case_id}/determination/sign", json={"version": 1}, headers=users.reviewer_a
    )
    final = client.get(f"/api/v1/cases/{case_id}/letter?format=text", headers=users.reviewer_a)
    assert "FINAL DETERMINATION LETTER" in final.text and "DRAFT" not in final.text
    # the preview was the letter signing produced, with its DRAFT marks
    marked = [p for p in text.split("\n\n") if "DRAFT" not in p]
    kept = [p for p in final.text.split("\n\n") if "FINAL DETERMINATION LETTER" not in p]
    assert [p.strip() for p in marked] == [p.strip() for p in kept]
    after = client.get(f"{preview_url}?format=text", headers=users.reviewer_a)
    assert after.status_code == 409
