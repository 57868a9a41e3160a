"""Session cookies: signed, bound to their purpose, expiring; the key is shared by workers."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from openimr.errors import InputError
from openimr.web.security import (
    SECRET_ENV,
    SECRET_FILE_NAME,
    SessionData,
    Signer,
    csrf_matches,
    load_secret,
)

KEY = b"k" * 32


def test_signed_values_round_trip_and_refuse_tampering() -> None:
    signer = Signer(KEY)
    value = signer.dumps("session", {"u": 1, "c": "x"})
    assert signer.loads("session", value) == {"u": 1, "c": "x"}
    body, mac = value.split(".")
    assert signer.loads("session", f"{body}x.{mac}") is None
    assert signer.loads("session", f"{body}.{mac[:-2]}AA") is None
    assert signer.loads("signin", value) is None  # one kind of cookie never passes as another
    assert Signer(b"o" * 32).loads("session", value) is None
    assert signer.loads("session", None) is None and signer.loads("session", "junk") is None


def test_short_keys_are_refused() -> None:
    with pytest.raises(InputError):
        Signer(b"short")


def test_the_session_cookie_carries_only_the_id_and_its_form_token_is_derived() -> None:
    signer = Signer(KEY)
    data = SessionData.from_payload({"s": "abc"}, signer)
    assert data is not None and data.to_payload() == {"s": "abc"}
    assert data.csrf == signer.derive("csrf", "abc") != Signer(b"o" * 32).derive("csrf", "abc")
    assert SessionData.from_payload({"u": 7, "k": "x", "c": "y"}, signer) is None
    assert SessionData.from_payload({"s": ""}, signer) is None
    assert SessionData.from_payload(None, signer) is None
    assert csrf_matches(data.csrf, data.csrf)
    assert not csrf_matches(data.csrf, None) and not csrf_matches(data.csrf, "")


def test_key_file_is_created_once_private_and_reused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(SECRET_ENV, raising=False)
    home = tmp_path / "home"
    first = load_secret(home)
    assert len(first) >= 32
    assert load_secret(home) == first
    assert stat.S_IMODE((home / SECRET_FILE_NAME).stat().st_mode) == 0o600
    assert stat.S_IMODE(home.stat().st_mode) & 0o077 == 0
    monkeypatch.setenv(SECRET_ENV, "from-the-environment-" + "x" * 20)
    assert load_secret(home) == ("from-the-environment-" + "x" * 20).encode()
