"""Helpers of the API tests: the users' authorization headers."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Users:
    admin: dict[str, str]
    intake: dict[str, str]
    reviewer_a: dict[str, str]
    reviewer_b: dict[str, str]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
