"""Small reads the workbench needs that the workflow does not offer (no health information).

The workflow authenticates a raw bearer token; a session cookie holds only the user's id and
the token's hash, so the workbench resolves the actor from those here.
"""

from __future__ import annotations

import hmac

from openimr.store.db import Database
from openimr.store.models import User
from openimr.workflow.schemas import Actor, Role


def actor_for_session(db: Database, user_id: int, token_sha256: str) -> Actor | None:
    """The session's user, if still active and still holding the token they signed in with."""
    with db.session(write=False) as session:
        user = session.get(User, user_id)
        if user is None or not user.active:
            return None
        if not hmac.compare_digest(user.token_sha256.encode(), token_sha256.encode()):
            return None
        return Actor(
            user_id=user.id, name=user.name, role=Role(user.role), reviewer_id=user.reviewer_id
        )
