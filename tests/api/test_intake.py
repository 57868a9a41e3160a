"""Intake through the API: case creation, screening, listing, documents, errors."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from sqlalchemy import event, func, select

from openimr.store.models import AuditEntry, Case, CaseEvent, Document


def _post(
    client: Any, headers: dict[str, str], data: dict[str, Any], application: dict | None = None
):
    body = {"case": data, "application": application} if application is not None else data
    return client.post("/api/v1/cases", json=body, headers=headers)


def test_create_case_returns_id_status_and_deadlines(client, users, make_case):
    response = _post(client, users.intake, make_case(), {"signed": True})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["id"].startswith("imr-")
    assert body["status"] == "eligible"
    names = [d["name"] for d in body["deadlines"]]
    assert names == ["application", "assignment", "records", "determination"]
    assert all(d["source"] for d in body["deadlines"])


def test_unsigned_application_waits_for_information_then_is_rescreened(client, users, make_case):
    created = _post(client, users.intake, make_case()).json()
    assert created["status"] == "needs_information"
    assert any("signed" in reason for reason in created["eligibility"]["reasons"])
    again = client.post(
        f"/api/v1/cases/{created['id']}/screening", json={"signed": True}, headers=users.intake
    )
    assert again.status_code == 200, again.text
    assert again.json()["status"] == "eligible"


def test_late_application_is_ineligible_with_the_reason(client, users, make_case):
    data = make_case(ur_decision_date="2026-09-01")
    body = _post(client, users.intake, data, {"signed": True, "ur_service_method": "mail"}).json()
    assert body["status"] == "ineligible"
    assert any("Application filed in time" in r for r in body["eligibility"]["reasons"])


def test_duplicate_filing_is_ineligible(client, users, make_case):
    first = _post(client, users.intake, make_case(), {"signed": True}).json()
    second = _post(client, users.intake, make_case(), {"signed": True}).json()
    assert second["status"] == "ineligible"
    assert second["eligibility"]["duplicate_of"] == [first["id"]]


def test_yaml_and_multipart_uploads_are_accepted(client, users, make_case):
    text = yaml.safe_dump(make_case(case_id="Y-1"))
    response = client.post(
        "/api/v1/cases",
        content=text.encode(),
        headers={**users.intake, "Content-Type": "application/yaml"},
    )
    assert response.status_code == 201, response.text
    multipart = client.post(
        "/api/v1/cases",
        files={
            "file": (
                "case.json",
                json.dumps(make_case(case_id="M-1", claimant={"date_of_injury": "2024-05-06"})),
                "application/json",
            )
        },
        data={"application": json.dumps({"signed": True})},
        headers=users.intake,
    )
    assert multipart.status_code == 201, multipart.text
    assert multipart.json()["status"] == "eligible"


def test_invalid_case_file_names_the_field(client, users, make_case):
    data = make_case()
    data["disputed_items"][0]["request"] = "  "
    response = _post(client, users.intake, data)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "disputed_items[0].request"
    envelope = _post(client, users.intake, data, {"signed": True})
    assert envelope.json()["error"]["field"] == "case.disputed_items[0].request"
    bad_app = _post(client, users.intake, make_case(), {"signed": "perhaps"})
    assert bad_app.status_code == 422
    assert bad_app.json()["error"]["field"] == "application.signed"


def test_unsupported_media_type_and_missing_token(client, users, make_case):
    assert client.post("/api/v1/cases", json=make_case()).status_code == 401
    response = client.post(
        "/api/v1/cases", content=b"x", headers={**users.intake, "Content-Type": "text/csv"}
    )
    assert response.status_code == 415
    assert set(response.json()) == {"error"}


def test_reviewer_may_not_create_cases_and_the_refusal_is_audited(
    client, users, make_case, database
):
    response = _post(client, users.reviewer_a, make_case(), {"signed": True})
    assert response.status_code == 403
    with database.session(write=False) as session:
        actions = session.execute(select(AuditEntry.action)).scalars().all()
    assert "access.denied" in actions


def test_list_filters_by_status_and_overdue(client, users, make_case, clock):
    eligible = _post(client, users.intake, make_case(case_id="A"), {"signed": True}).json()
    waiting = _post(
        client, users.intake, make_case(case_id="B", claimant={"date_of_injury": "2024-05-06"})
    ).json()
    listed = client.get("/api/v1/cases", params={"status": "eligible"}, headers=users.intake).json()
    assert [c["id"] for c in listed] == [eligible["id"]]
    assert client.get("/api/v1/cases?overdue=true", headers=users.intake).json() == []
    clock.advance(5)  # the one-business-day assignment deadline has passed
    overdue = client.get("/api/v1/cases?overdue=true", headers=users.intake).json()
    assert [c["id"] for c in overdue] == [eligible["id"]]
    assert overdue[0]["overdue"] is True
    assert waiting["id"] not in [c["id"] for c in overdue]
    bad = client.get("/api/v1/cases?status=nonsense", headers=users.intake)
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "status"


def test_documents_are_stored_with_hash_and_never_overwritten(client, users, make_case):
    case_id = _post(client, users.intake, make_case(), {"signed": True}).json()["id"]
    url = f"/api/v1/cases/{case_id}/documents"
    text = b"Orthopedic consultation. Lumbar strain, improving with therapy."
    first = client.post(
        url,
        files={"file": ("consult.txt", text, "text/plain")},
        data={"record_kind": "consultation", "record_date": "2026-10-15"},
        headers=users.intake,
    )
    assert first.status_code == 201, first.text
    assert first.json()["sha256"] == __import__("hashlib").sha256(text).hexdigest()
    again = client.post(url, files={"file": ("copy.txt", text, "text/plain")}, headers=users.intake)
    assert again.status_code == 409
    binary = client.post(
        url,
        files={"file": ("x.bin", b"\x00\x01\x02", "application/octet-stream")},
        headers=users.intake,
    )
    assert binary.status_code == 422 and binary.json()["error"]["field"] == "file"
    blank = client.post(
        url, files={"file": ("scan.pdf", _blank_pdf(), "application/pdf")}, headers=users.intake
    )
    assert blank.status_code == 422, blank.text
    assert "no readable text" in blank.json()["error"]["message"]
    pdf = _text_pdf()
    stored = client.post(
        url, files={"file": ("report.pdf", pdf, "application/pdf")}, headers=users.intake
    )
    assert stored.status_code == 201, stored.text
    assert stored.json()["media_type"] == "application/pdf"
    fetched = client.get(f"{url}/{stored.json()['id']}", headers=users.intake)
    assert fetched.content == pdf
    detail = client.get(f"/api/v1/cases/{case_id}", headers=users.intake).json()
    texts = [r["text"] for r in detail["case_file"]["records"]]
    assert any(t.startswith("Orthopedic consultation") for t in texts)
    assert any("radiating to the left leg" in t for t in texts)


def _text_pdf() -> bytes:
    from weasyprint import HTML

    return HTML(
        string="<h1>PROGRESS REPORT</h1><p>Date of service: 10/20/2016</p>"
        "<p>Low back pain radiating to the left leg, worse with sitting. Straight leg raise "
        "positive on the left.</p><p>John Smith, M.D.</p>"
    ).write_pdf()


def _blank_pdf() -> bytes:
    import io

    import pypdfium2 as pdfium

    document = pdfium.PdfDocument.new()
    document.new_page(612, 792)
    buffer = io.BytesIO()
    document.save(buffer)
    document.close()
    return buffer.getvalue()


def test_failure_mid_request_leaves_no_half_written_case(client, users, make_case, database):
    """The database driver fails on the document insert after the case row was written."""

    def fail_on_documents(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO DOCUMENTS"):
            raise RuntimeError("disk unplugged")

    with database.session(write=False) as session:
        audit_before = session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    event.listen(database.engine, "before_cursor_execute", fail_on_documents)
    try:
        response = _post(client, users.intake, make_case(), {"signed": True})
    finally:
        event.remove(database.engine, "before_cursor_execute", fail_on_documents)
    assert response.status_code == 500
    assert response.json()["error"]["message"].startswith("internal error")
    with database.session(write=False) as session:
        for model in (Case, CaseEvent, Document):
            assert session.execute(select(func.count()).select_from(model)).scalar_one() == 0
        audit_after = session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    assert audit_after == audit_before
    assert _post(client, users.intake, make_case(), {"signed": True}).status_code == 201


@pytest.mark.parametrize("path", ["/api/v1/cases/nope", "/api/v1/cases/nope/proposal"])
def test_unknown_case_is_404_json(client, users, path):
    response = client.get(path, headers=users.admin)
    assert response.status_code == 404
    assert response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b'{"records": [], "records": []}', "body"),
        (b'{"x": ' + b"9" * 5000 + b"}", "body"),
        (b"[" * 1000 + b"]" * 1000, "body"),
        (b'{"case_id": "\\ud800", "disputed_items": [], "records": []}', "case_id"),
    ],
)
def test_hostile_json_is_a_4xx_naming_the_field(client, users, body: bytes, field: str) -> None:
    response = client.post(
        "/api/v1/cases",
        content=body,
        headers={**users.intake, "Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == field


def test_a_refusal_for_a_case_id_no_case_can_have_is_audited_without_the_id(
    client, users, database
):
    long_id = "𝓣𝓱𝓮 𝓺𝓾𝓲𝓬𝓴 " * 8
    response = client.post(f"/api/v1/cases/{long_id}/screening", headers=users.reviewer_a)
    assert response.status_code in {403, 404}
    with database.session(write=False) as session:
        rows = session.execute(select(AuditEntry.case_id, AuditEntry.detail)).all()
    refused = [row for row in rows if "case_id_length" in row.detail]
    assert refused and all(row.case_id is None for row in refused)
