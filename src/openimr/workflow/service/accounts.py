"""Users of the service: creating them with a bearer token (and, for the workbench, a
password), knowing who a caller is, and the workbench's sessions.

A token is shown once and stored only as its SHA-256 (:mod:`openimr.workflow.auth`); so is a
session's id; a password only as its Argon2id hash. A session lives in the store, not in its
cookie, so that signing out or revoking a user ends it wherever the cookie has been copied.
Failed sign-ins, by token or by password, count against the same per-address and per-account
allowance.
"""

from __future__ import annotations

import math
import re
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from openimr.errors import AccessDenied, ConflictError, InputError, NotFound, TooManyAttempts
from openimr.store import audit_log
from openimr.store.audit_log import PendingEntry
from openimr.store.models import Reviewer, SigninThrottle, User, WebSession
from openimr.workflow.auth import (
    hash_password,
    needs_rehash,
    new_token,
    token_hash,
    verify_password,
)
from openimr.workflow.schemas import Actor, Role, UserOut
from openimr.workflow.service import reviewers
from openimr.workflow.service.unit import Core, Unit

#: Login names: they appear in the workbench's links and the command line's arguments.
_LOGIN_NAME = re.compile(r"[A-Za-z0-9._@-]{1,200}")
#: A live session's last-seen time is written at most this often.
_TOUCH_EVERY = timedelta(minutes=1)
#: Failures older than this no longer count; no lockout lasts longer than a day.
_FORGET_AFTER = timedelta(days=1)
_MAX_LOCKOUT = timedelta(days=1)
#: An ended session's row is kept this long after it ended (``users list``, inquiries), then
#: deleted: without it sign-ins and failures would pile rows up for ever.
_KEEP_ENDED = timedelta(days=1)


def _actor(user: User) -> Actor:
    return Actor(
        user_id=user.id, name=user.name, role=Role(user.role), reviewer_id=user.reviewer_id
    )


def _utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every moment we store is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def token_expires_at(core: Core, user: User) -> datetime:
    issued = _utc(user.token_issued_at or user.created_at)
    return issued + timedelta(days=core.settings.token_days)


def _token_user(core: Core, session: Session, token: str) -> User | None:
    """The active user holding this unexpired token, or ``None``."""
    user = session.execute(
        select(User).where(User.token_sha256 == token_hash(token))
    ).scalar_one_or_none()
    if user is None or not user.active or core.now() >= token_expires_at(core, user):
        return None
    return user


def authenticate(core: Core, token: str) -> Actor:
    """The actor a bearer token belongs to (:class:`AccessDenied` if none, if the user was
    revoked, or if the token has expired)."""
    with core.db.session(write=False) as session:
        user = _token_user(core, session, token)
        if user is None:
            raise AccessDenied("unknown, expired or revoked token")
        return _actor(user)


def _throttle_keys(address: str | None, user_id: int | None) -> list[str]:
    keys = [token_hash(f"address:{address or '-'}")]
    if user_id is not None:
        keys.append(token_hash(f"user:{user_id}"))
    return keys


def _check_throttle(core: Core, session: Session, keys: list[str]) -> None:
    """Refuse while any key is locked out, saying when to try again."""
    now = core.now()
    waits = [
        _utc(row.locked_until) - now
        for row in session.execute(
            select(SigninThrottle).where(SigninThrottle.key_sha256.in_(keys))
        ).scalars()
        if row.locked_until is not None and _utc(row.locked_until) > now
    ]
    if waits:
        seconds = max(1, math.ceil(max(waits).total_seconds()))
        raise TooManyAttempts(
            f"too many failed sign-ins; try again in {seconds} seconds", retry_after=seconds
        )


def purge_ended(core: Core, session: Session) -> None:
    """Delete sessions that ended (signed out, revoked, idle or past their limit) more than
    :data:`_KEEP_ENDED` ago, and throttle rows whose failures are forgotten and that lock
    nothing out. Run with every sign-in, successful or not, so the tables stay the size of
    the sessions and lockouts that matter."""
    now = core.now()
    idle = timedelta(minutes=core.settings.session_idle_minutes)
    before = now - _KEEP_ENDED
    session.execute(
        delete(WebSession)
        .where(
            (WebSession.ended_at < before)
            | (WebSession.expires_at < before)
            | (WebSession.last_seen_at < before - idle)
        )
        .execution_options(synchronize_session=False)
    )
    session.execute(
        delete(SigninThrottle)
        .where(
            SigninThrottle.last_failure_at < now - _FORGET_AFTER,
            SigninThrottle.locked_until.is_(None) | (SigninThrottle.locked_until <= now),
        )
        .execution_options(synchronize_session=False)
    )


def _record_failure(core: Core, keys: list[str], user_id: int | None) -> None:
    """Count a failure against each key, lock out past the allowance (doubling each time), and
    audit it: the account by id when the token named one, the address hashed, never the token."""
    now = core.now()
    allowed = core.settings.signin_failures
    first = timedelta(seconds=core.settings.signin_lockout_seconds)
    with core.db.session() as session:
        for key in keys:
            row = session.get(SigninThrottle, key, with_for_update=True)
            if row is None:
                row = SigninThrottle(key_sha256=key, failures=0, last_failure_at=now)
                session.add(row)
            elif now - _utc(row.last_failure_at) > _FORGET_AFTER:
                row.failures = 0
            row.failures += 1
            row.last_failure_at = now
            over = row.failures - allowed
            if over >= 0:
                row.locked_until = now + min(first * 2 ** min(over, 20), _MAX_LOCKOUT)
        purge_ended(core, session)
        detail: dict[str, object] = {"address_sha256": keys[0]}
        if user_id is not None:
            detail["user_id"] = user_id
        audit_log.record(session, [PendingEntry("anonymous", "signin.failed", None, detail)])
    core.audit_written()


def start_session(core: Core, token: str, address: str | None = None) -> tuple[Actor, str]:
    """Sign in with a bearer token: the actor and the new session's id (kept only hashed).

    Failures are counted per client address, and per account when the token is one we know
    (revoked or expired); past the allowance sign-in is refused with :class:`TooManyAttempts`
    for a time that doubles with each further failure, even with a good token, so that
    guessing gains nothing from speed."""
    with core.db.session(write=False) as session:
        known = session.execute(
            select(User.id).where(User.token_sha256 == token_hash(token))
        ).scalar_one_or_none()
        _check_throttle(core, session, _throttle_keys(address, known))
    try:
        actor = authenticate(core, token)
    except AccessDenied:
        _record_failure(core, _throttle_keys(address, known), known)
        raise
    return actor, _open_session(core, actor, address, known, bounded_by_token=True)


def start_password_session(
    core: Core, name: str, password: str, address: str | None = None
) -> tuple[Actor, str]:
    """Sign in with a user's name and password, under the same throttle as tokens: the
    actor and the new session's id. A wrong password, an unknown name, a user without a
    password and a revoked user are refused alike (and take as long)."""
    with core.db.session(write=False) as session:
        row = session.execute(
            select(User.id, User.password_hash, User.active).where(User.name == name)
        ).first()
        known = row.id if row is not None else None
        _check_throttle(core, session, _throttle_keys(address, known))
    stored = row.password_hash if row is not None else None
    good = verify_password(stored, password)
    if not good or row is None or not row.active:
        _record_failure(core, _throttle_keys(address, known), known)
        raise AccessDenied("unknown name or wrong password")
    with core.db.session() as session:
        user = session.get(User, row.id)
        assert user is not None and user.password_hash is not None
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        actor = _actor(user)
    return actor, _open_session(core, actor, address, known, bounded_by_token=False)


def _open_session(
    core: Core, actor: Actor, address: str | None, known: int | None, *, bounded_by_token: bool
) -> str:
    """Forget the failures of this address and account, and open a session (its id)."""
    with core.db.session() as session:
        session.execute(
            delete(SigninThrottle).where(
                SigninThrottle.key_sha256.in_(_throttle_keys(address, known))
            )
        )
        purge_ended(core, session)
    session_id = secrets.token_urlsafe(32)
    now = core.now()
    settings = core.settings
    with core.unit(actor) as unit:
        user = unit.session.get(User, actor.user_id)
        assert user is not None
        expires = now + timedelta(hours=settings.session_hours)
        if bounded_by_token:  # a session never outlives the token it was opened with
            expires = min(expires, token_expires_at(core, user))
        unit.session.add(
            WebSession(
                id_sha256=token_hash(session_id),
                user_id=actor.user_id,
                created_at=now,
                last_seen_at=now,
                expires_at=expires,
            )
        )
        unit.record(
            "session.start",
            None,
            user_id=actor.user_id,
            method="token" if bounded_by_token else "password",
        )
    return session_id


def session_actor(core: Core, session_id: str) -> Actor | None:
    """The user of a live session: not ended, neither idle too long nor past its end, and the
    user still active. Seeing it again moves its idle clock (at most once a minute, so that
    pages do not write on every request); that touch is not audited, its start and end are."""
    if not session_id:
        return None
    now = core.now()
    idle = timedelta(minutes=core.settings.session_idle_minutes)
    with core.db.session() as session:
        row = session.get(WebSession, token_hash(session_id))
        if row is None or row.ended_at is not None:
            return None
        if now >= _utc(row.expires_at) or now - _utc(row.last_seen_at) >= idle:
            return None
        user = session.get(User, row.user_id)
        if user is None or not user.active:
            return None
        if now - _utc(row.last_seen_at) >= _TOUCH_EVERY:
            row.last_seen_at = now
        return _actor(user)


def end_session(core: Core, session_id: str) -> None:
    """Sign out: the session's row is ended, so its cookie is refused wherever it is replayed."""
    actor = session_actor(core, session_id)
    if actor is None:
        return
    with core.unit(actor) as unit:
        row = unit.session.get(WebSession, token_hash(session_id))
        if row is None or row.ended_at is not None:
            return
        row.ended_at = core.now()
        row.end_reason = "signed_out"
        unit.record("session.end", None, user_id=actor.user_id, reason="signed_out")


def end_user_sessions(unit: Unit, user_id: int, reason: str) -> int:
    """End every open session of a user (revocation, a new token); returns how many."""
    result = unit.session.execute(
        update(WebSession)
        .where(WebSession.user_id == user_id, WebSession.ended_at.is_(None))
        .values(ended_at=unit.core.now(), end_reason=reason)
        .execution_options(synchronize_session=False)
    )
    ended = int(result.rowcount or 0)  # type: ignore[attr-defined]
    if ended:
        unit.record("session.end", None, user_id=user_id, reason=reason, sessions=ended)
    return ended


def create_user(
    core: Core,
    actor: Actor,
    name: str,
    role: Role,
    *,
    reviewer_code: str | None = None,
    password: str | None = None,
) -> tuple[int, str]:
    """Create a user; returns the id and the token (shown once, stored only as a hash). A
    password, if given, lets them sign in to the workbench without the token."""
    if not _LOGIN_NAME.fullmatch(name):
        raise InputError(
            "a login name has 1 to 200 letters, digits, '.', '_', '-' or '@'", location="name"
        )
    hashed = hash_password(password) if password else None
    token = new_token()
    with core.unit(actor) as unit:
        unit.allow("user.manage")
        reviewer_id = None
        if reviewer_code is not None:
            reviewer_id = reviewers.by_code(unit.session, reviewer_code).id
        elif role is Role.REVIEWER:
            raise InputError(
                "a reviewer user must name their registry entry (--reviewer CODE)",
                location="reviewer",
            )
        if unit.session.execute(select(User.id).where(User.name == name)).first():
            raise ConflictError(f"a user named {name!r} already exists")
        user = User(
            name=name,
            role=role.value,
            token_sha256=token_hash(token),
            reviewer_id=reviewer_id,
            active=True,
            created_at=core.now(),
            token_issued_at=core.now(),
            password_hash=hashed,
        )
        unit.session.add(user)
        unit.session.flush()
        unit.record(
            "user.create", None, user_id=user.id, role=role.value, password=hashed is not None
        )
        return user.id, token


def _by_name(unit: Unit, name: str) -> User:
    user = unit.session.execute(select(User).where(User.name == name)).scalar_one_or_none()
    if user is None:
        raise NotFound(f"no user named {name!r}")
    return user


def list_users(core: Core, actor: Actor) -> list[UserOut]:
    """Every user, with their token's expiry and how many workbench sessions are open."""
    now = core.now()
    with core.unit(actor, write=False) as unit:
        unit.allow("user.manage")
        rows = unit.session.execute(
            select(User, Reviewer.code)
            .join(Reviewer, Reviewer.id == User.reviewer_id, isouter=True)
            .order_by(User.name)
        ).all()
        open_by_user: dict[int, int] = {}
        for user_id, expires, last_seen in unit.session.execute(
            select(WebSession.user_id, WebSession.expires_at, WebSession.last_seen_at).where(
                WebSession.ended_at.is_(None)
            )
        ):
            idle = timedelta(minutes=core.settings.session_idle_minutes)
            if now < _utc(expires) and now - _utc(last_seen) < idle:
                open_by_user[user_id] = open_by_user.get(user_id, 0) + 1
        return [
            UserOut(
                id=user.id,
                name=user.name,
                role=Role(user.role),
                reviewer=code,
                active=user.active,
                created_at=_utc(user.created_at),
                token_expires_at=token_expires_at(core, user),
                open_sessions=open_by_user.get(user.id, 0),
                has_password=user.password_hash is not None,
            )
            for user, code in rows
        ]


def revoke_user(core: Core, actor: Actor, name: str) -> None:
    """Deactivate a user: their token is refused and their sessions end at once."""
    with core.unit(actor) as unit:
        unit.allow("user.manage")
        user = _by_name(unit, name)
        user.active = False
        unit.record("user.revoke", None, user_id=user.id)
        end_user_sessions(unit, user.id, "revoked")


def rotate_token(core: Core, actor: Actor, name: str) -> str:
    """Issue a new token for an active user; the old one and its sessions end at once."""
    token = new_token()
    with core.unit(actor) as unit:
        unit.allow("user.manage")
        user = _by_name(unit, name)
        if not user.active:
            raise ConflictError(f"user {name!r} was revoked; create a new user instead")
        user.token_sha256 = token_hash(token)
        user.token_issued_at = core.now()
        unit.record("user.token_rotate", None, user_id=user.id)
        end_user_sessions(unit, user.id, "rotated")
    return token


def set_password(core: Core, actor: Actor, name: str, password: str) -> None:
    """Give an active user a new workbench password; their open sessions end."""
    hashed = hash_password(password)
    with core.unit(actor) as unit:
        unit.allow("user.manage")
        user = _by_name(unit, name)
        if not user.active:
            raise ConflictError(f"user {name!r} was revoked; create a new user instead")
        user.password_hash = hashed
        unit.record("user.password_set", None, user_id=user.id)
        end_user_sessions(unit, user.id, "password")
