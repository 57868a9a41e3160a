"""Users of the service: creating them with a bearer token, and knowing who a caller is.

A token is shown once and stored only as its SHA-256 (:mod:`openimr.workflow.auth`).
"""

from __future__ import annotations

import hmac

from sqlalchemy import select

from openimr.errors import AccessDenied, ConflictError, InputError
from openimr.store.models import User
from openimr.workflow.auth import new_token, token_hash
from openimr.workflow.schemas import Actor, Role
from openimr.workflow.service import reviewers
from openimr.workflow.service.unit import Core


def _actor(user: User) -> Actor:
    return Actor(
        user_id=user.id, name=user.name, role=Role(user.role), reviewer_id=user.reviewer_id
    )


def authenticate(core: Core, token: str) -> Actor:
    """The actor a bearer token belongs to (:class:`AccessDenied` if none)."""
    with core.db.session(write=False) as session:
        user = session.execute(
            select(User).where(User.token_sha256 == token_hash(token))
        ).scalar_one_or_none()
        if user is None or not user.active:
            raise AccessDenied("unknown or revoked token")
        return _actor(user)


def session_actor(core: Core, user_id: int, token_sha256: str) -> Actor | None:
    """A signed-in session's user, if still active and still holding the token they signed in
    with (a session keeps the token's hash, never the token)."""
    with core.db.session(write=False) as session:
        user = session.get(User, user_id)
        if user is None or not user.active:
            return None
        if not hmac.compare_digest(user.token_sha256.encode(), token_sha256.encode()):
            return None
        return _actor(user)


def create_user(
    core: Core, actor: Actor, name: str, role: Role, *, reviewer_code: str | None = None
) -> tuple[int, str]:
    """Create a user; returns the id and the token (shown once, stored only as a hash)."""
    if not name.strip():
        raise InputError("a user needs a name", location="name")
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
        )
        unit.session.add(user)
        unit.session.flush()
        unit.record("user.create", None, user_id=user.id, role=role.value)
        return user.id, token
