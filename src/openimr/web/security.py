"""Sessions and CSRF protection for the workbench.

A bearer token is pasted once at sign-in; the browser then holds a signed session cookie
(HttpOnly, SameSite=Strict) carrying only the random id of a session kept in the store, which
sign-out, revocation and expiry end. Every POST form must echo the session's CSRF token,
derived from that id with the signing key. The signing key comes from ``OPENIMR_WEB_SECRET`` or a
key file kept next to the embedded database, so several worker processes agree on it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from pathlib import Path

from openimr.errors import InputError
from openimr.settings import Settings, key_file

#: Name of the session cookie and of the cookie guarding the sign-in form.
SESSION_COOKIE = "openimr_session"
LOGIN_COOKIE = "openimr_signin"
#: The sign-in form must be sent back within this many seconds of being shown.
LOGIN_FORM_SECONDS = 3600
SECRET_ENV = "OPENIMR_WEB_SECRET"
SECRET_FILE_NAME = "web-session.key"
_MIN_SECRET_BYTES = 32


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Signer:
    """HMAC-SHA256 over a JSON payload; ``purpose`` keeps one kind of cookie from passing
    as another."""

    def __init__(self, key: bytes) -> None:
        if len(key) < _MIN_SECRET_BYTES:
            raise InputError(
                f"the workbench session key must be at least {_MIN_SECRET_BYTES} bytes",
                location=SECRET_ENV,
            )
        self._key = key

    def _mac(self, purpose: str, body: str) -> str:
        message = f"{purpose}\n{body}".encode()
        return _b64(hmac.new(self._key, message, hashlib.sha256).digest())

    def derive(self, purpose: str, value: str) -> str:
        """A secret bound to ``value`` (a session's form token from its id)."""
        return self._mac(purpose, value)

    def dumps(self, purpose: str, payload: dict[str, object]) -> str:
        body = _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
        return f"{body}.{self._mac(purpose, body)}"

    def loads(self, purpose: str, value: str | None) -> dict[str, object] | None:
        """The payload if the value is intact and was signed for ``purpose``; else ``None``."""
        if not value or value.count(".") != 1:
            return None
        body, mac = value.split(".")
        if not hmac.compare_digest(mac, self._mac(purpose, body)):
            return None
        try:
            payload = json.loads(_unb64(body))
        except (ValueError, UnicodeDecodeError):
            return None
        return payload if isinstance(payload, dict) else None


@dataclass(frozen=True)
class SessionData:
    """What a session is to the browser: the random id of its row in the store, which the
    cookie carries (signed), and the form token derived from that id (never stored)."""

    session_id: str
    csrf: str

    def to_payload(self) -> dict[str, object]:
        return {"s": self.session_id}

    @classmethod
    def from_payload(cls, payload: dict[str, object] | None, signer: Signer) -> SessionData | None:
        session_id = payload.get("s") if payload else None
        if not isinstance(session_id, str) or not session_id:
            return None
        return cls(session_id=session_id, csrf=signer.derive("csrf", session_id))


def csrf_matches(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), (given or "").encode())


def load_secret(home: Path | None = None) -> bytes:
    """The signing key: ``$OPENIMR_WEB_SECRET``, else a key file created once under ``home``.

    The file is created with ``O_EXCL`` and mode 0600, so worker processes started together
    all end up reading the same key; a home made here is 0700, as the store makes it.
    """
    settings = Settings.load()
    if settings.web_secret is not None:
        return settings.web_secret.get_secret_value().encode()
    if home is None:
        home = settings.data_home()
    return key_file(home / SECRET_FILE_NAME, "workbench session")
