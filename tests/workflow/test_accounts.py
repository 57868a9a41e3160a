"""Users, tokens and workbench sessions in the store, on both backends: tokens expire, revoking
a user or rotating their token ends the token and every session at once, all audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text
from tests.support import ADMIN, Clock, reviewer_data

from openimr.errors import AccessDenied, ConflictError, InputError, NotFound, TooManyAttempts
from openimr.settings import Settings
from openimr.store.db import Database
from openimr.workflow import Role, Workflow
from openimr.workflow.schemas import ReviewerIn


@pytest.fixture
def short_lived(database, clock: Clock) -> Workflow:  # type: ignore[no-untyped-def]
    settings = Settings(token_days=10, session_hours=12, session_idle_minutes=600)
    return Workflow(database, clock=clock, settings=settings)


def _actions(workflow: Workflow) -> list[str]:
    workflow.seal_audit()
    return [entry.action for entry in workflow.audit_entries(ADMIN)]


def test_tokens_expire_and_sessions_never_outlive_them(short_lived: Workflow, clock: Clock):
    _, token = short_lived.create_user(ADMIN, "intake-1", Role.INTAKE)
    clock.advance(9)
    assert short_lived.authenticate(token).name == "intake-1"
    clock.now += timedelta(hours=20)
    _, session_id = short_lived.start_session(token)
    clock.now += timedelta(hours=3, minutes=59)
    assert short_lived.session_actor(session_id) is not None
    clock.now += timedelta(minutes=1)  # ten days after issue: token and session both end
    assert short_lived.session_actor(session_id) is None
    with pytest.raises(AccessDenied):
        short_lived.authenticate(token)
    (listed,) = short_lived.list_users(ADMIN)
    assert listed.token_expires_at is not None and listed.open_sessions == 0


def test_revoking_a_user_ends_their_token_and_sessions(workflow: Workflow) -> None:
    workflow.add_reviewer(ADMIN, ReviewerIn.model_validate(reviewer_data("R-1")))
    _, token = workflow.create_user(ADMIN, "dr-a", Role.REVIEWER, reviewer_code="R-1")
    _, first = workflow.start_session(token)
    _, second = workflow.start_session(token)
    assert [u.open_sessions for u in workflow.list_users(ADMIN)] == [2]
    workflow.revoke_user(ADMIN, "dr-a")
    assert workflow.session_actor(first) is None and workflow.session_actor(second) is None
    with pytest.raises(AccessDenied):
        workflow.authenticate(token)
    with pytest.raises(AccessDenied):
        workflow.start_session(token)
    (listed,) = workflow.list_users(ADMIN)
    assert not listed.active and listed.reviewer == "R-1" and listed.open_sessions == 0
    with pytest.raises(ConflictError):
        workflow.rotate_token(ADMIN, "dr-a")
    assert {"user.revoke", "session.end"} <= set(_actions(workflow))


def test_rotating_issues_a_new_token_and_ends_the_old_one(workflow: Workflow) -> None:
    _, old = workflow.create_user(ADMIN, "intake-1", Role.INTAKE)
    _, session_id = workflow.start_session(old)
    new = workflow.rotate_token(ADMIN, "intake-1")
    assert new != old and workflow.authenticate(new).name == "intake-1"
    with pytest.raises(AccessDenied):
        workflow.authenticate(old)
    assert workflow.session_actor(session_id) is None
    assert "user.token_rotate" in _actions(workflow)


def test_only_administrators_manage_users(workflow: Workflow) -> None:
    _, token = workflow.create_user(ADMIN, "intake-1", Role.INTAKE)
    intake = workflow.authenticate(token)
    with pytest.raises(AccessDenied):
        workflow.revoke_user(intake, "intake-1")
    with pytest.raises(AccessDenied):
        workflow.list_users(intake)
    with pytest.raises(NotFound):
        workflow.revoke_user(ADMIN, "nobody")
    assert workflow.authenticate(token).name == "intake-1"


def test_failed_sign_ins_are_audited_and_back_off_per_address_and_account(
    workflow: Workflow, clock: Clock
) -> None:
    _, token = workflow.create_user(ADMIN, "intake-1", Role.INTAKE)
    for _ in range(4):
        with pytest.raises(AccessDenied) as refused:
            workflow.start_session("oimr_guess", "203.0.113.9")
        assert not isinstance(refused.value, TooManyAttempts)
    with pytest.raises(AccessDenied):
        workflow.start_session("oimr_guess", "203.0.113.9")  # the fifth: locked for 30 s
    with pytest.raises(TooManyAttempts) as locked:
        workflow.start_session(token, "203.0.113.9")  # even the right token waits
    assert locked.value.retry_after == 30
    assert workflow.start_session(token, "198.51.100.7")[0].name == "intake-1"
    clock.now += timedelta(seconds=30)
    with pytest.raises(AccessDenied):
        workflow.start_session("oimr_guess", "203.0.113.9")  # the sixth: 60 s
    with pytest.raises(TooManyAttempts) as locked:
        workflow.start_session(token, "203.0.113.9")
    assert locked.value.retry_after == 60
    clock.now += timedelta(seconds=60)
    assert workflow.start_session(token, "203.0.113.9")[0].name == "intake-1"  # count reset
    with pytest.raises(AccessDenied) as again:
        workflow.start_session("oimr_guess", "203.0.113.9")
    assert not isinstance(again.value, TooManyAttempts)
    workflow.seal_audit()
    failed = [e for e in workflow.audit_entries(ADMIN) if e.action == "signin.failed"]
    assert len(failed) == 7
    text = repr([e.model_dump() for e in failed])
    assert "oimr_guess" not in text and "203.0.113.9" not in text


def test_a_revoked_token_counts_against_its_account_from_any_address(
    workflow: Workflow,
) -> None:
    user_id, token = workflow.create_user(ADMIN, "intake-1", Role.INTAKE)
    workflow.revoke_user(ADMIN, "intake-1")
    for number in range(5):
        with pytest.raises(AccessDenied):
            workflow.start_session(token, f"192.0.2.{number}")
    with pytest.raises(TooManyAttempts):
        workflow.start_session(token, "192.0.2.99")
    workflow.seal_audit()
    failed = [e for e in workflow.audit_entries(ADMIN) if e.action == "signin.failed"]
    assert {e.detail.get("user_id") for e in failed} == {user_id}


PASSWORD = "correct horse battery staple"


def test_a_password_signs_in_and_is_kept_only_as_an_argon2id_hash(
    workflow: Workflow, database: Database
) -> None:
    workflow.create_user(ADMIN, "intake-1", Role.INTAKE, password=PASSWORD)
    actor, session_id = workflow.start_password_session("intake-1", PASSWORD, "198.51.100.7")
    assert actor.name == "intake-1" and workflow.session_actor(session_id) is not None
    with database.engine.connect() as connection:
        stored = connection.execute(text("SELECT password_hash FROM users")).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    (listed,) = workflow.list_users(ADMIN)
    assert listed.has_password
    with pytest.raises(InputError) as short:
        workflow.create_user(ADMIN, "intake-2", Role.INTAKE, password="short")
    assert short.value.location == "password"
    starts = [e for e in workflow.audit_entries(ADMIN) if e.action == "session.start"]
    assert starts[-1].detail["method"] == "password"


def test_wrong_passwords_unknown_names_and_revoked_users_are_refused_alike_and_throttled(
    workflow: Workflow, clock: Clock
) -> None:
    workflow.create_user(ADMIN, "intake-1", Role.INTAKE, password=PASSWORD)
    workflow.create_user(ADMIN, "intake-2", Role.INTAKE)  # no password
    for name, password in (("intake-1", "wrong password!"), ("nobody", PASSWORD), ("intake-2", "")):
        with pytest.raises(AccessDenied, match="unknown name or wrong password"):
            workflow.start_password_session(name, password, "203.0.113.9")
    for _ in range(2):
        with pytest.raises(AccessDenied):
            workflow.start_password_session("intake-1", "still wrong!!", "203.0.113.9")
    with pytest.raises(TooManyAttempts):  # the same allowance as tokens, per address
        workflow.start_password_session("intake-1", PASSWORD, "203.0.113.9")
    assert workflow.start_password_session("intake-1", PASSWORD, "198.51.100.7")[0].name
    clock.now += timedelta(seconds=30)
    assert workflow.start_password_session("intake-1", PASSWORD, "203.0.113.9")[0].name
    workflow.revoke_user(ADMIN, "intake-1")
    with pytest.raises(AccessDenied):
        workflow.start_password_session("intake-1", PASSWORD, "198.51.100.7")
    workflow.seal_audit()
    failed = [e for e in workflow.audit_entries(ADMIN) if e.action == "signin.failed"]
    assert PASSWORD not in repr([e.model_dump() for e in failed])


def test_a_new_password_ends_the_users_sessions(workflow: Workflow) -> None:
    workflow.create_user(ADMIN, "intake-1", Role.INTAKE, password=PASSWORD)
    _, session_id = workflow.start_password_session("intake-1", PASSWORD)
    workflow.set_password(ADMIN, "intake-1", "another long passphrase")
    assert workflow.session_actor(session_id) is None
    with pytest.raises(AccessDenied):
        workflow.start_password_session("intake-1", PASSWORD)
    assert workflow.start_password_session("intake-1", "another long passphrase")[0].name
    assert "user.password_set" in _actions(workflow)


@pytest.mark.parametrize("name", ["", " ", "a/b", "dr lee", "x" * 201, "ünï"])
def test_a_login_name_is_refused_unless_it_fits_a_link(workflow: Workflow, name: str) -> None:
    with pytest.raises(InputError) as refused:
        workflow.create_user(ADMIN, name, Role.INTAKE)
    assert refused.value.location == "name"
