"""Workbench sessions kept in the store: sign-out, revocation and expiry end them for good."""

from __future__ import annotations

import re
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


def _client_with(workflow, **settings):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient
    from tests.web.support import workbench_app

    from openimr.settings import Settings

    workflow.core.settings = workflow.settings = Settings(**settings)
    return TestClient(workbench_app(workflow), follow_redirects=False)


def _signin_cookie(client, token: str, headers: dict[str, str] | None = None) -> str:  # type: ignore[no-untyped-def]
    login = client.get("/workbench/login", headers=headers)
    # A client on http:// keeps a Secure cookie to itself; send the form's guard by hand.
    guard = re.search(r"openimr_signin=([^;]+)", login.headers["set-cookie"])
    assert guard is not None
    answer = client.post(
        "/workbench/login",
        data={"csrf": csrf_of(login.text), "token": token, "next": ""},
        headers={**(headers or {}), "Cookie": f"openimr_signin={guard.group(1)}"},
    )
    assert answer.status_code == 303, answer.text
    return answer.headers["set-cookie"]


def test_cookies_are_secure_when_the_deployment_says_so(workflow, seeded) -> None:
    with _client_with(workflow) as plain:
        assert "Secure" not in _signin_cookie(plain, seeded.tokens["dr-a"])
    with _client_with(workflow, secure_cookies=True) as behind_tls:
        login = behind_tls.get("/workbench/login")
        assert "Secure" in login.headers["set-cookie"]
        assert "Secure" in _signin_cookie(behind_tls, seeded.tokens["dr-a"])


def test_a_trusted_proxys_forwarded_scheme_and_address_are_used(workflow, seeded) -> None:
    forwarded = {
        "X-Forwarded-Proto": "https",
        "X-Forwarded-For": "203.0.113.9",
        "Origin": "https://testserver",
    }
    with _client_with(workflow) as untrusted:
        login = untrusted.get("/workbench/login")
        refused = untrusted.post(
            "/workbench/login",
            data={"csrf": csrf_of(login.text), "token": seeded.tokens["dr-a"], "next": ""},
            headers=forwarded,
        )
        assert refused.status_code == 403  # https origin, but the server saw http
    with _client_with(workflow, trusted_proxies="*") as trusted:
        cookie = _signin_cookie(trusted, seeded.tokens["dr-a"], forwarded)
        assert "Secure" in cookie
