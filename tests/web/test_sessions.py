"""Workbench sessions kept in the store: sign-out, revocation and expiry end them for good."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from tests.web.support import ADMIN, SECRET, Clock, csrf_of, sign_in

from openimr.store.models import User, WebSession
from openimr.web.security import Signer


def test_a_cookie_replayed_after_sign_out_is_refused(client, seeded, workflow) -> None:
    sign_in(client, seeded.tokens["dr-a"])
    page = client.get("/workbench/")
    assert page.status_code == 200
    copied = client.cookies.get("openimr_session")
    assert seeded.tokens["dr-a"] not in copied
    out = client.post("/workbench/logout", data={"csrf": csrf_of(page.text)})
    assert out.status_code == 303
    client.cookies.set("openimr_session", copied, path="/workbench")
    assert client.get("/workbench/").status_code == 303
    with workflow.db.session(write=False) as session:
        row = session.execute(select(WebSession)).scalar_one()
    assert row.ended_at is not None and row.end_reason == "signed_out"
    assert len(row.id_sha256) == 64 and row.id_sha256 not in copied
    workflow.seal_audit()
    actions = [e.action for e in workflow.audit_entries(ADMIN)]
    assert "session.start" in actions and "session.end" in actions


def test_sessions_end_when_idle_and_at_their_absolute_limit(client, seeded, clock: Clock) -> None:
    sign_in(client, seeded.tokens["dr-a"])
    for _ in range(28):  # busy for 11 h 40 min: each request keeps it alive
        clock.now += timedelta(minutes=25)
        assert client.get("/workbench/").status_code == 200
    clock.now += timedelta(minutes=25)
    assert client.get("/workbench/").status_code == 303
    sign_in(client, seeded.tokens["dr-a"])
    clock.now += timedelta(minutes=29)
    assert client.get("/workbench/").status_code == 200
    clock.now += timedelta(minutes=30)
    assert client.get("/workbench/").status_code == 303


def test_a_deactivated_users_sessions_stop_at_once(client, seeded, workflow) -> None:
    sign_in(client, seeded.tokens["dr-a"])
    assert client.get("/workbench/").status_code == 200
    with workflow.db.session() as session:
        session.execute(update(User).where(User.name == "dr-a").values(active=False))
    assert client.get("/workbench/").status_code == 303


def test_a_forged_session_id_is_refused(client, seeded) -> None:
    forged = Signer(SECRET).dumps("session", {"s": "made-up"})
    client.cookies.set("openimr_session", forged, path="/workbench")
    assert client.get("/workbench/").status_code == 303


def test_repeated_failed_sign_ins_are_answered_429_with_retry_after(client, seeded) -> None:
    for attempt in range(6):
        login = client.get("/workbench/login")
        answer = client.post(
            "/workbench/login",
            data={"csrf": csrf_of(login.text), "token": "oimr_guess", "next": ""},
        )
        assert answer.status_code == (401 if attempt < 5 else 429)
    assert answer.headers["retry-after"] == "30" and "Too many failed sign-ins" in answer.text
    login = client.get("/workbench/login")
    right = client.post(
        "/workbench/login",
        data={"csrf": csrf_of(login.text), "token": seeded.tokens["dr-a"], "next": ""},
    )
    assert right.status_code == 429 and "openimr_session" not in right.headers.get("set-cookie", "")
