"""Bearer tokens, workbench passwords and roles.

Tokens are 256-bit random strings shown once; the store keeps only their SHA-256 (a fast hash
is enough for secrets of this entropy, and it lets a token be looked up directly). Passwords,
chosen by people and so guessable, are kept only as Argon2id hashes (argon2-cffi's defaults,
the RFC 9106 low-memory profile), which make each guess slow.
"""

from __future__ import annotations

import hashlib
import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from openimr.errors import InputError
from openimr.workflow.schemas import Role

TOKEN_PREFIX = "oimr_"


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


#: Shortest password accepted; longest (a passphrase is welcome, a megabyte is not).
MIN_PASSWORD = 12
MAX_PASSWORD = 1024


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()


def check_password_rules(password: str) -> None:
    """Refuse a password too short or too long to be one (naming the field)."""
    if len(password) < MIN_PASSWORD:
        raise InputError(f"a password has at least {MIN_PASSWORD} characters", location="password")
    if len(password) > MAX_PASSWORD:
        raise InputError(f"a password has at most {MAX_PASSWORD} characters", location="password")


def hash_password(password: str) -> str:
    """An Argon2id hash (with its salt and parameters) of a password that meets the rules."""
    check_password_rules(password)
    return _hasher().hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored``; without a stored hash a dummy one is checked,
    so an unknown name takes as long to refuse as a wrong password."""
    if len(password) > MAX_PASSWORD:
        return False
    try:
        return _hasher().verify(stored or _dummy_hash(), password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """The hash was made with weaker parameters than today's: rehash on the next sign-in."""
    return _hasher().check_needs_rehash(stored)


@cache
def _dummy_hash() -> str:
    return _hasher().hash(secrets.token_urlsafe(16))


#: What each role may do. Reviewers are further limited to the cases assigned to them.
#: The medical director reads every case and its determination, and releases signed ones
#: after their quality review; they change nothing else.
PERMISSIONS: dict[str, frozenset[Role]] = {
    "case.create": frozenset({Role.INTAKE, Role.ADMIN}),
    "case.read": frozenset({Role.INTAKE, Role.ADMIN, Role.REVIEWER, Role.MEDICAL_DIRECTOR}),
    "case.list": frozenset({Role.INTAKE, Role.ADMIN, Role.REVIEWER, Role.MEDICAL_DIRECTOR}),
    "case.screen": frozenset({Role.INTAKE, Role.ADMIN}),
    "case.assign": frozenset({Role.INTAKE, Role.ADMIN}),
    "case.records_complete": frozenset({Role.INTAKE, Role.ADMIN}),
    "case.close": frozenset({Role.INTAKE, Role.ADMIN}),
    "document.add": frozenset({Role.INTAKE, Role.ADMIN}),
    "document.read": frozenset({Role.INTAKE, Role.ADMIN, Role.REVIEWER, Role.MEDICAL_DIRECTOR}),
    "proposal.read": frozenset({Role.INTAKE, Role.ADMIN, Role.REVIEWER, Role.MEDICAL_DIRECTOR}),
    "determination.read": frozenset(
        {Role.INTAKE, Role.ADMIN, Role.REVIEWER, Role.MEDICAL_DIRECTOR}
    ),
    "determination.edit": frozenset({Role.REVIEWER}),
    "determination.sign": frozenset({Role.REVIEWER}),
    "determination.quality_review": frozenset({Role.MEDICAL_DIRECTOR}),
    "letter.read": frozenset({Role.INTAKE, Role.ADMIN, Role.REVIEWER, Role.MEDICAL_DIRECTOR}),
    "letter.issue": frozenset({Role.INTAKE, Role.ADMIN}),
    "letter.publish": frozenset({Role.INTAKE, Role.ADMIN}),
    "audit.read": frozenset({Role.ADMIN}),
    "reviewer.manage": frozenset({Role.ADMIN}),
    "reviewer.list": frozenset({Role.INTAKE, Role.ADMIN}),
    "user.manage": frozenset({Role.ADMIN}),
    # Published decisions are de-identified public data: every role may read them.
    "corpus.read": frozenset(Role),
}
