"""Bearer tokens and roles.

Tokens are 256-bit random strings shown once; the store keeps only their SHA-256 (a fast hash
is enough for secrets of this entropy, and it lets a token be looked up directly).
"""

from __future__ import annotations

import hashlib
import secrets

from openimr.workflow.schemas import Role

TOKEN_PREFIX = "oimr_"


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


#: What each role may do. Reviewers are further limited to the cases assigned to them.
PERMISSIONS: dict[str, frozenset[Role]] = {
    "case.create": frozenset({Role.INTAKE, Role.ADMIN}),
    "case.read": frozenset({Role.INTAKE, Role.ADMIN, Role.REVIEWER}),
    "case.list": frozenset({Role.INTAKE, Role.ADMIN, Role.REVIEWER}),
    "case.screen": frozenset({Role.INTAKE, Role.ADMIN}),
    "case.assign": frozenset({Role.INTAKE, Role.ADMIN}),
    "case.records_complete": frozenset({Role.INTAKE, Role.ADMIN}),
    "case.close": frozenset({Role.INTAKE, Role.ADMIN}),
    "document.add": frozenset({Role.INTAKE, Role.ADMIN}),
    "document.read": frozenset({Role.INTAKE, Role.ADMIN, Role.REVIEWER}),
    "proposal.read": frozenset({Role.INTAKE, Role.ADMIN, Role.REVIEWER}),
    "determination.read": frozenset({Role.INTAKE, Role.ADMIN, Role.REVIEWER}),
    "determination.edit": frozenset({Role.REVIEWER}),
    "determination.sign": frozenset({Role.REVIEWER}),
    "letter.read": frozenset({Role.INTAKE, Role.ADMIN, Role.REVIEWER}),
    "letter.issue": frozenset({Role.INTAKE, Role.ADMIN}),
    "letter.publish": frozenset({Role.INTAKE, Role.ADMIN}),
    "audit.read": frozenset({Role.ADMIN}),
    "reviewer.manage": frozenset({Role.ADMIN}),
    "reviewer.list": frozenset({Role.INTAKE, Role.ADMIN}),
    "user.manage": frozenset({Role.ADMIN}),
}
