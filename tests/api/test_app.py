"""The app as ``openimr serve`` builds it: its own workflow, engine thread and audit sealer."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from tests.api.support import bearer
from tests.support import ADMIN

from openimr.domain import Determination
from openimr.errors import InputError
from openimr.server import create_app
from openimr.store.db import Database
from openimr.workflow import Role, Workflow


def test_served_app_prepares_proposals_and_chains_the_audit_log(database_url, make_case):
    setup = Workflow(Database(database_url))
    from openimr.store.migrate import upgrade

    upgrade(setup.db)
    _, token = setup.create_user(ADMIN, "admin", Role.ADMIN)
    setup.close()
    with TestClient(create_app(database_url, request_threads=2)) as client:
        created = client.post(
            "/api/v1/cases",
            json={"case": make_case(), "application": {"signed": True}},
            headers=bearer(token),
        )
        assert created.status_code == 201
        case_id = created.json()["id"]
        proposal = client.get(f"/api/v1/cases/{case_id}/proposal", headers=bearer(token))
        assert proposal.status_code == 200
        Determination.model_validate_json(proposal.text)
        entries = client.get(f"/api/v1/audit?case={case_id}", headers=bearer(token)).json()
    actions = [(e["actor"], e["action"]) for e in entries]
    assert ("system:engine", "proposal.create") in actions
    assert actions[-1][1] == "proposal.read"
    check = Workflow(Database(database_url))
    report = check.verify_audit()
    check.close()
    assert report.ok


@pytest.mark.parametrize("value", ["0", "many", "-3"])
def test_a_bad_thread_count_names_the_setting(monkeypatch, value):
    monkeypatch.setenv("OPENIMR_REQUEST_THREADS", value)
    with pytest.raises(InputError, match="OPENIMR_REQUEST_THREADS"):
        create_app("sqlite+pysqlite:///:memory:")


def test_out_of_range_numbers_and_dates_are_refused_naming_the_field(client, users, make_case):
    """Values past a 64-bit integer or a date no form carries were server errors."""
    huge = "9" * 25
    for url, headers in (
        (f"/api/v1/cases?offset={huge}", users.admin),
        (f"/api/v1/audit?after={huge}", users.admin),
    ):
        response = client.get(url, headers=headers)
        assert response.status_code == 422, (url, response.text)
    body = {
        "case": make_case(),
        "application": {"signed": True, "ur_decision_served_on": "9999-12-31"},
    }
    response = client.post("/api/v1/cases", json=body, headers=users.intake)
    assert response.status_code == 422, response.text
    assert "ur_decision_served_on" in response.text
    created = client.post(
        "/api/v1/cases",
        json={"case": make_case(), "application": {"signed": True}},
        headers=users.intake,
    ).json()
    response = client.put(
        f"/api/v1/cases/{created['id']}/determination",
        json={"version": int(huge), "items": [{"action": "accept"}]},
        headers=users.admin,
    )
    assert response.status_code == 422, response.text
    response = client.post(
        f"/api/v1/cases/{created['id']}/determination/sign",
        headers={**users.admin, "If-Match": f'"{huge}"'},
    )
    assert response.status_code in (400, 422), response.text


def test_nul_and_non_characters_are_refused_in_every_body(client, users, make_case):
    """PostgreSQL cannot store a NUL, and a NUL had reached a signed letter."""
    created = client.post(
        "/api/v1/cases",
        json={"case": make_case(), "application": {"signed": True}},
        headers=users.intake,
    ).json()
    for bad in ("with a \x00 inside", "non-character \ufffe", "bell \x07"):
        response = client.put(
            f"/api/v1/cases/{created['id']}/determination",
            json={
                "version": 0,
                "items": [{"action": "edit", "decision": "upheld", "rationale": bad}],
            },
            headers=users.admin,
        )
        assert response.status_code == 422, response.text
        assert "rationale" in response.text and "forbidden character" in response.text
        response = client.post(
            "/api/v1/cases",
            json={"case": make_case(), "application": {"signed": True, "employer": bad}},
            headers=users.intake,
        )
        assert response.status_code == 422, response.text
        assert "employer" in response.text
