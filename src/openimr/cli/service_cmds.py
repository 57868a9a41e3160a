"""Commands of the case-management service: database, server, users, reviewers, audit.

Heavy modules (SQLAlchemy, FastAPI, uvicorn) are imported inside the commands so that
``openimr --help`` stays fast.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="SQLite or PostgreSQL URL (default: $OPENIMR_DATABASE_URL, else "
        "$OPENIMR_HOME/openimr.sqlite3 with OPENIMR_HOME defaulting to ~/.local/share/openimr).",
    ),
]


def _workflow(url: str | None, *, migrate: bool = True):  # type: ignore[no-untyped-def]
    from openimr.store.db import Database
    from openimr.store.migrate import upgrade
    from openimr.workflow import Workflow

    database = Database(url)
    if migrate:
        upgrade(database)
    return Workflow(database)


@contextmanager
def _opened(url: str | None, *, migrate: bool = True) -> Iterator[Any]:
    """The workflow over the database at ``url`` for one command, its connections closed after."""
    workflow = _workflow(url, migrate=migrate)
    try:
        yield workflow
    finally:
        workflow.db.dispose()


def _cli_actor():  # type: ignore[no-untyped-def]
    from openimr.settings import Settings
    from openimr.workflow import Actor, Role

    user = Settings.load().user or "operator"
    return Actor(name=f"cli:{user}", role=Role.ADMIN)


def register(app: typer.Typer) -> None:
    """Add ``db``, ``serve``, ``users``, ``reviewers`` and ``audit`` to the ``openimr`` CLI."""
    db_app = typer.Typer(help="The case database.", no_args_is_help=True)
    users_app = typer.Typer(help="API users and their tokens.", no_args_is_help=True)
    reviewers_app = typer.Typer(help="The registry of expert reviewers.", no_args_is_help=True)
    audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)
    app.add_typer(db_app, name="db")
    app.add_typer(users_app, name="users")
    app.add_typer(reviewers_app, name="reviewers")
    app.add_typer(audit_app, name="audit")
    _register_db(db_app, audit_app)
    _register_serve(app)
    _register_users(users_app)
    _register_reviewers(reviewers_app)


def _register_db(db_app: typer.Typer, audit_app: typer.Typer) -> None:
    @db_app.command("upgrade")
    def db_upgrade(database_url: DatabaseOption = None) -> None:
        """Create or migrate the schema to the newest revision."""
        from openimr.store.db import Database
        from openimr.store.migrate import upgrade

        database = Database(database_url)
        try:
            revision = upgrade(database)
        finally:
            database.dispose()
        typer.echo(f"{database.describe()}: schema at revision {revision}")

    @audit_app.command("checkpoint")
    def audit_checkpoint(
        out: Annotated[
            Path, typer.Option("--out", help="File for the checkpoint; keep it off this database.")
        ],
        database_url: DatabaseOption = None,
    ) -> None:
        """Sign the audit log's head (entries and hash) into a file kept outside the database;
        `audit verify --against FILE` then shows whether the log was cut short or rewritten."""
        import json

        with _opened(database_url, migrate=False) as workflow:
            checkpoint = workflow.audit_checkpoint()
        out.write_text(json.dumps(checkpoint, indent=2) + "\n", encoding="utf-8")
        typer.echo(f"checkpoint: {checkpoint['entries']} entries, head {checkpoint['head_hash']}")

    @audit_app.command("verify")
    def audit_verify(
        against: Annotated[
            Path | None,
            typer.Option("--against", help="A checkpoint written by `audit checkpoint`."),
        ] = None,
        database_url: DatabaseOption = None,
    ) -> None:
        """Recompute the audit log's hash chain; exit 1 if any entry was altered or removed,
        or if the log no longer holds the head a checkpoint recorded."""
        import json

        from openimr.errors import InputError

        checkpoint = None
        if against is not None:
            try:
                checkpoint = json.loads(against.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise InputError(
                    f"cannot read the checkpoint: {exc}", source=str(against)
                ) from None
        with _opened(database_url, migrate=False) as workflow:
            report = (
                workflow.verify_audit()
                if checkpoint is None
                else workflow.verify_audit_against(checkpoint)
            )
        for problem in report.problems:
            typer.echo(f"problem: {problem}", err=True)
        status = "intact" if report.ok else "BROKEN"
        typer.echo(f"audit log {status}: {report.entries} entries, head {report.head_hash}")
        if not report.ok:
            raise typer.Exit(1)


def _register_serve(app: typer.Typer) -> None:
    @app.command("serve")
    def serve(
        host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
        database_url: DatabaseOption = None,
        workers: Annotated[int, typer.Option(help="Worker processes.", min=1)] = 1,
        threads: Annotated[
            int | None,
            typer.Option(
                help="Requests worked on at once per worker process "
                "(default: $OPENIMR_REQUEST_THREADS, else 8).",
                min=1,
            ),
        ] = None,
    ) -> None:
        """Run the HTTP API (migrating the database first)."""
        import uvicorn

        from openimr.server import log_config
        from openimr.store.db import Database
        from openimr.store.migrate import upgrade

        database = Database(database_url)
        try:
            upgrade(database)
        finally:
            database.dispose()
        sys.stderr.write(f"openimr: serving {database.describe()} on http://{host}:{port}\n")
        if workers > 1:
            if database_url:
                os.environ["OPENIMR_DATABASE_URL"] = database_url
            if threads:
                os.environ["OPENIMR_REQUEST_THREADS"] = str(threads)
            uvicorn.run(
                "openimr.server:create_app_from_env",
                factory=True,
                host=host,
                port=port,
                workers=workers,
                access_log=False,  # its lines carry the query; openimr.access logs requests
                log_config=log_config(),
            )
            return
        from openimr.server import create_app

        uvicorn.run(
            create_app(database_url, request_threads=threads),
            host=host,
            port=port,
            access_log=False,
            log_config=log_config(),
        )


def _register_users(users_app: typer.Typer) -> None:
    @users_app.command("create")
    def users_create(
        name: Annotated[str, typer.Argument(help="Login name (unique).")],
        role: Annotated[str, typer.Option(help="intake, reviewer, admin or medical_director.")],
        reviewer: Annotated[
            str | None, typer.Option(help="Registry code of the reviewer this user is.")
        ] = None,
        password: Annotated[
            bool,
            typer.Option(
                "--password", help="Also set a workbench password (asked for, not echoed)."
            ),
        ] = False,
        database_url: DatabaseOption = None,
    ) -> None:
        """Create a user and print their bearer token (shown only this once)."""
        from openimr.errors import InputError
        from openimr.workflow import Role

        try:
            chosen = Role(role)
        except ValueError:
            names = ", ".join(r.value for r in Role)
            raise InputError(f"unknown role {role!r}; use {names}", location="--role") from None
        secret = _ask_password() if password else None
        with _opened(database_url) as workflow:
            _, token = workflow.create_user(
                _cli_actor(), name, chosen, reviewer_code=reviewer, password=secret
            )
        typer.echo(token)

    @users_app.command("password")
    def users_password(
        name: Annotated[str, typer.Argument(help="Login name.")],
        database_url: DatabaseOption = None,
    ) -> None:
        """Set a user's workbench password (asked for twice, not echoed); their sessions end."""
        secret = _ask_password()
        with _opened(database_url) as workflow:
            workflow.set_password(_cli_actor(), name, secret)
        typer.echo(f"password set for {name}")

    @users_app.command("list")
    def users_list(
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
        database_url: DatabaseOption = None,
    ) -> None:
        """Show every user, their role, whether active, when their token expires."""
        import json

        with _opened(database_url) as workflow:
            rows = workflow.list_users(_cli_actor())
        if as_json:
            typer.echo(json.dumps([r.model_dump(mode="json") for r in rows], indent=2))
            return
        for row in rows:
            state = "active" if row.active else "revoked"
            expires = row.token_expires_at.date().isoformat() if row.token_expires_at else "-"
            typer.echo(
                f"{row.name}\t{row.role.value}\t{row.reviewer or '-'}\t{state}\t"
                f"token expires {expires}\tsessions {row.open_sessions}\t"
                f"password {'set' if row.has_password else 'none'}"
            )

    @users_app.command("revoke")
    def users_revoke(
        name: Annotated[str, typer.Argument(help="Login name.")],
        database_url: DatabaseOption = None,
    ) -> None:
        """Deactivate a user: their token stops working and their sessions end now."""
        workflow = _workflow(database_url)
        try:
            workflow.revoke_user(_cli_actor(), name)
        finally:
            workflow.close()
        typer.echo(f"revoked {name}")

    @users_app.command("rotate")
    def users_rotate(
        name: Annotated[str, typer.Argument(help="Login name.")],
        database_url: DatabaseOption = None,
    ) -> None:
        """Issue a new token (printed only this once); the old token and its sessions end."""
        workflow = _workflow(database_url)
        try:
            token = workflow.rotate_token(_cli_actor(), name)
        finally:
            workflow.close()
        typer.echo(token)


def _ask_password() -> str:
    """A password typed twice on the terminal (or given on standard input, twice)."""
    from openimr.errors import InputError

    first = typer.prompt("Password", hide_input=True)
    if typer.prompt("Again", hide_input=True) != first:
        raise InputError("the two passwords differ", location="password")
    return str(first)


_PROFESSION_HELP = "Kind of licence: md, do, dc, dpm, psychologist, dds, od or lac."


def _echo_reviewer(added: Any, requirements: list[str]) -> None:
    """What assignment will require of the reviewer, and whether they meet it now."""
    typer.echo("assignment will require:")
    for line in requirements:
        typer.echo(f"  - {line}")
    if added.qualification_problems:
        typer.echo(f"{added.code} cannot be assigned until:")
        for problem in added.qualification_problems:
            typer.echo(f"  - {problem}")
    else:
        typer.echo(f"{added.code} meets the qualification rules now.")


def _register_reviewers(reviewers_app: typer.Typer) -> None:
    @reviewers_app.command("add")
    def reviewers_add(
        code: Annotated[str, typer.Argument(help="Registry code (what logs show; not the name).")],
        specialty: Annotated[list[str], typer.Option(help="Specialty (repeat).")],
        years: Annotated[float, typer.Option(help="Years in active clinical practice.")],
        hours: Annotated[float, typer.Option(help="Clinical hours a week.")],
        license: Annotated[
            list[str] | None, typer.Option(help="State of licensure, e.g. CA (repeat).")
        ] = None,
        restricted: Annotated[bool, typer.Option(help="The licence is restricted.")] = False,
        certification: Annotated[
            list[str] | None, typer.Option(help="Board certification (repeat).")
        ] = None,
        affiliation: Annotated[
            list[str] | None,
            typer.Option(help="Employer, insurer, practice or person they are tied to (repeat)."),
        ] = None,
        name: Annotated[str | None, typer.Option(help="Name (kept confidential).")] = None,
        max_open_cases: Annotated[int | None, typer.Option(help="Most open cases at once.")] = None,
        user: Annotated[str | None, typer.Option(help="Link this existing user to them.")] = None,
        profession: Annotated[str, typer.Option(help=_PROFESSION_HELP)] = "md",
        database_url: DatabaseOption = None,
    ) -> None:
        """Add a reviewer to the registry, and say what assignment will require of them."""
        from pydantic import ValidationError

        from openimr.casefile.load import describe_validation_error
        from openimr.errors import InputError
        from openimr.workflow.schemas import ReviewerIn

        try:
            data = ReviewerIn(
                code=code,
                name=name,
                profession=profession,
                license_states=license or [],
                license_unrestricted=not restricted,
                board_certifications=certification or [],
                specialties=specialty,
                years_active_practice=years,
                weekly_clinical_hours=hours,
                affiliations=affiliation or [],
                max_open_cases=max_open_cases,
            )
        except ValidationError as exc:
            message, location = describe_validation_error(exc)
            raise InputError(message, location=location) from None
        with _opened(database_url) as workflow:
            added = workflow.add_reviewer(_cli_actor(), data, user=user)
            requirements = workflow.reviewer_requirements(_cli_actor(), added.profession)
        typer.echo(f"added reviewer {added.code} (id {added.id})")
        _echo_reviewer(added, requirements)

    @reviewers_app.command("edit")
    def reviewers_edit(
        code: Annotated[str, typer.Argument(help="Registry code.")],
        specialty: Annotated[
            list[str] | None, typer.Option(help="Specialty (repeat; replaces the list).")
        ] = None,
        years: Annotated[float | None, typer.Option(help="Years in active practice.")] = None,
        hours: Annotated[float | None, typer.Option(help="Clinical hours a week.")] = None,
        license: Annotated[
            list[str] | None, typer.Option(help="State of licensure (repeat; replaces).")
        ] = None,
        restricted: Annotated[
            bool | None, typer.Option("--restricted/--unrestricted", help="Licence restricted.")
        ] = None,
        certification: Annotated[
            list[str] | None, typer.Option(help="Board certification (repeat; replaces).")
        ] = None,
        affiliation: Annotated[
            list[str] | None, typer.Option(help="Affiliation (repeat; replaces).")
        ] = None,
        max_open_cases: Annotated[int | None, typer.Option(help="Most open cases at once.")] = None,
        profession: Annotated[str | None, typer.Option(help=_PROFESSION_HELP)] = None,
        database_url: DatabaseOption = None,
    ) -> None:
        """Change a reviewer's registry entry (only the options given change)."""
        from pydantic import ValidationError

        from openimr.casefile.load import describe_validation_error
        from openimr.errors import InputError
        from openimr.workflow.schemas import ReviewerChange

        given = {
            "specialties": specialty,
            "years_active_practice": years,
            "weekly_clinical_hours": hours,
            "license_states": license,
            "license_unrestricted": None if restricted is None else not restricted,
            "board_certifications": certification,
            "affiliations": affiliation,
            "max_open_cases": max_open_cases,
            "profession": profession,
        }
        try:
            change = ReviewerChange(**{k: v for k, v in given.items() if v is not None})
        except ValidationError as exc:
            message, location = describe_validation_error(exc)
            raise InputError(message, location=location) from None
        with _opened(database_url) as workflow:
            changed = workflow.update_reviewer(_cli_actor(), code, change)
            requirements = workflow.reviewer_requirements(_cli_actor(), changed.profession)
        typer.echo(f"changed reviewer {changed.code}")
        _echo_reviewer(changed, requirements)

    @reviewers_app.command("deactivate")
    def reviewers_deactivate(
        code: Annotated[str, typer.Argument(help="Registry code.")],
        database_url: DatabaseOption = None,
    ) -> None:
        """Offer the reviewer no new case; the cases they are on stay theirs until reassigned."""
        with _opened(database_url) as workflow:
            row = workflow.set_reviewer_active(_cli_actor(), code, active=False)
        typer.echo(f"deactivated {row.code}; open cases still assigned to them: {row.open_cases}")

    @reviewers_app.command("activate")
    def reviewers_activate(
        code: Annotated[str, typer.Argument(help="Registry code.")],
        database_url: DatabaseOption = None,
    ) -> None:
        """Offer a deactivated reviewer new cases again."""
        with _opened(database_url) as workflow:
            row = workflow.set_reviewer_active(_cli_actor(), code, active=True)
        typer.echo(f"activated {row.code}")

    @reviewers_app.command("list")
    def reviewers_list(
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
        database_url: DatabaseOption = None,
    ) -> None:
        """Show the registry with each reviewer's open cases."""
        import json

        with _opened(database_url) as workflow:
            rows = workflow.list_reviewers(_cli_actor())
        if as_json:
            typer.echo(json.dumps([r.model_dump(mode="json") for r in rows], indent=2))
            return
        for row in rows:
            flags = "" if row.active else " (inactive)"
            typer.echo(
                f"{row.code}{flags}\t{', '.join(row.specialties)}\t"
                f"licence {','.join(row.license_states) or '-'}\t"
                f"{row.years_active_practice:g} y, {row.weekly_clinical_hours:g} h/wk\t"
                f"open cases {row.open_cases}"
            )
