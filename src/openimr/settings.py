"""Every setting OpenIMR reads from the environment, in one place.

Settings are read when asked for (:meth:`Settings.load`), not once at import, so a process
that changes its environment (a test, ``openimr serve --workers``) is seen at once. An empty
variable counts as unset. A value that cannot be used raises :class:`~openimr.errors.InputError`
naming the variable.
"""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from openimr.errors import InputError

PREFIX = "OPENIMR_"
#: Requests worked on at once per process. Work on a request is short and much of it holds
#: the interpreter lock; a few threads keep the database busy, while dozens (Starlette's
#: default is 40) only fight over that lock and PostgreSQL's own: with 50 clients on two
#: cores, 8 threads served stored proposals at about 400 requests/s with a p99 under 200 ms,
#: 40 threads at 240/s with a p99 of 330 ms (``bench/api_bench.py``). Requests waiting for
#: the engine hold no thread.
DEFAULT_REQUEST_THREADS = 8


class Settings(BaseSettings):
    """The environment, read and checked."""

    model_config = SettingsConfigDict(
        env_prefix=PREFIX, env_ignore_empty=True, extra="ignore", frozen=True
    )

    home: Path | None = Field(
        default=None,
        description="Where OpenIMR keeps its data (OPENIMR_HOME; default "
        "$XDG_DATA_HOME/openimr, else ~/.local/share/openimr).",
    )
    xdg_data_home: Path | None = Field(default=None, validation_alias="XDG_DATA_HOME")
    database_url: str | None = Field(
        default=None,
        description="SQLite or PostgreSQL URL (OPENIMR_DATABASE_URL; default the SQLite file "
        "in the home).",
    )
    request_threads: int = Field(
        default=DEFAULT_REQUEST_THREADS,
        ge=1,
        description="Requests worked on at once per server process (OPENIMR_REQUEST_THREADS).",
    )
    web_secret: SecretStr | None = Field(
        default=None,
        description="Key that signs the workbench's session cookies (OPENIMR_WEB_SECRET; "
        "default a key file in the home).",
    )
    audit_key: SecretStr | None = Field(
        default=None,
        description="Key that signs audit checkpoints (OPENIMR_AUDIT_KEY; default a key file "
        "in the home). Kept apart from the database, a checkpoint proves the log's head.",
    )
    session_idle_minutes: int = Field(
        default=30,
        ge=1,
        description="A workbench session ends after this many minutes without a request "
        "(OPENIMR_SESSION_IDLE_MINUTES).",
    )
    session_hours: int = Field(
        default=12,
        ge=1,
        description="A workbench session ends this many hours after sign-in, however busy "
        "(OPENIMR_SESSION_HOURS).",
    )
    token_days: int = Field(
        default=90,
        ge=1,
        description="A bearer token stops working this many days after it was issued; "
        "`openimr users rotate NAME` issues a new one (OPENIMR_TOKEN_DAYS).",
    )
    signin_failures: int = Field(
        default=5,
        ge=1,
        description="Failed workbench sign-ins allowed from one address, or for one account, "
        "before sign-in is refused for a while (OPENIMR_SIGNIN_FAILURES).",
    )
    signin_lockout_seconds: int = Field(
        default=30,
        ge=1,
        description="The first refusal's length; each further failure doubles it, up to a day "
        "(OPENIMR_SIGNIN_LOCKOUT_SECONDS).",
    )
    allowed_origins: str = Field(
        default="",
        description="Other origins (scheme://host[:port], comma-separated) whose pages may post "
        "workbench forms, besides the workbench's own origin (OPENIMR_ALLOWED_ORIGINS).",
    )
    secure_cookies: bool = Field(
        default=False,
        description="Mark the workbench's cookies Secure whatever scheme the server sees: set "
        "it when a TLS proxy in front speaks plain HTTP to the server "
        "(OPENIMR_SECURE_COOKIES: true or false; without it, Secure when the request is HTTPS).",
    )
    trusted_proxies: str = Field(
        default="",
        description="Addresses of proxies (comma-separated, or *) whose X-Forwarded-Proto and "
        "X-Forwarded-For are believed: the scheme then decides Secure cookies and the "
        "workbench's own origin, the address the sign-in throttle (OPENIMR_TRUSTED_PROXIES; "
        "default none).",
    )
    organization: str = Field(
        default="",
        description="The organization named in letters (OPENIMR_ORGANIZATION).",
    )
    quality_review: bool = Field(
        default=False,
        description="A medical director reviews each signed determination before its letter "
        "is released (OPENIMR_QUALITY_REVIEW: true or false; default false).",
    )
    api_docs: bool = Field(
        default=False,
        description="Serve the interactive API documentation at /docs and /redoc "
        "(OPENIMR_API_DOCS: true or false). Its pages load their scripts from a CDN, so it is "
        "off unless asked for; /openapi.json is always served.",
    )
    screenshots: Path | None = Field(
        default=None,
        description="Folder the browser tests save the workbench's screenshots to "
        "(OPENIMR_SCREENSHOTS).",
    )
    debug: bool = Field(
        default=False, description="Any value: the command line shows tracebacks (OPENIMR_DEBUG)."
    )
    user: str | None = Field(default=None, validation_alias="USER")

    @field_validator(
        "request_threads",
        "session_idle_minutes",
        "session_hours",
        "token_days",
        "signin_failures",
        "signin_lockout_seconds",
        mode="before",
    )
    @classmethod
    def _whole_number(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip().isdigit():
            raise ValueError(f"expected a whole number of at least 1, got {value!r}")
        return value.strip() if isinstance(value, str) else value

    @field_validator("debug", mode="before")
    @classmethod
    def _any_value(cls, value: object) -> bool:
        return bool(value.strip()) if isinstance(value, str) else bool(value)

    @field_validator("allowed_origins")
    @classmethod
    def _origins(cls, value: str) -> str:
        origins = [part.strip().rstrip("/").lower() for part in value.split(",") if part.strip()]
        for origin in origins:
            scheme, _, host = origin.partition("://")
            if scheme not in {"http", "https"} or not host or "/" in host:
                raise ValueError(f"expected scheme://host[:port], got {origin!r}")
        return ",".join(origins)

    def allowed_origin_list(self) -> frozenset[str]:
        return frozenset(filter(None, self.allowed_origins.split(",")))

    @classmethod
    def load(cls) -> Settings:
        """The settings as the environment gives them now."""
        try:
            return cls()
        except ValidationError as exc:
            problem = exc.errors(include_url=False)[0]
            name = str(problem.get("loc", ("?",))[0])
            variable = name if name.isupper() else PREFIX + name.upper()
            message = str(problem.get("msg", "invalid value")).removeprefix("Value error, ")
            raise InputError(message, source=variable) from None

    def data_home(self) -> Path:
        """``OPENIMR_HOME``, else ``$XDG_DATA_HOME/openimr`` (XDG default ``~/.local/share``)."""
        if self.home is not None:
            return self.home.expanduser()
        base = self.xdg_data_home.expanduser() if self.xdg_data_home else None
        return (base or Path.home() / ".local" / "share") / "openimr"


def key_file(path: Path, what: str) -> bytes:
    """A random key kept in ``path``, created once (``O_EXCL``, mode 0600, its folder 0700),
    so processes started together all end up reading the same key."""
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(secrets.token_hex(32) + "\n")
    for _ in range(50):  # another process may be between creating and writing the file
        key = path.read_text(encoding="ascii").strip()
        if key:
            return key.encode()
        time.sleep(0.02)
    raise InputError(f"the {what} key file is empty", source=str(path))
