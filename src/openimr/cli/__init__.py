"""The ``openimr`` command line.

Each layer registers its own commands from a module of this package; heavy imports happen
inside the commands so that ``openimr --help`` and a cold ``openimr review`` start fast.

Exit codes: 0 success; 1 some work failed or a check found errors (batch goes on);
2 bad input or usage; 3 an internal error (a bug: please report it).
"""

from __future__ import annotations

import sys

import typer

from openimr.errors import InputError, OpenIMRError

app = typer.Typer(
    name="openimr",
    help="Independent Medical Review for California workers' compensation.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _register() -> None:
    from openimr.cli import engine_cmds, guideline_cmds

    engine_cmds.register(app)
    guideline_cmds.register(app)
    for optional in ("letter_cmds", "service_cmds", "corpus_cmds", "records_cmds", "publish_cmds"):
        try:
            module = __import__(f"openimr.cli.{optional}", fromlist=["register"])
        except ModuleNotFoundError as exc:  # a layer not installed in this build
            if exc.name != f"openimr.cli.{optional}":
                raise
            continue
        module.register(app)


_register()


def main() -> None:
    """Entry point of the console script: turns our errors into messages and exit codes."""
    try:
        result = app(standalone_mode=False)
        # with standalone_mode off, click returns the exit code of typer.Exit instead of raising
        sys.exit(result if isinstance(result, int) else 0)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        sys.stderr.write("aborted\n")
        sys.exit(130)
    except InputError as exc:
        sys.stderr.write(f"error: {exc}\n")
        sys.exit(2)
    except OpenIMRError as exc:
        sys.stderr.write(f"error: {exc}\n")
        sys.exit(1)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)
    except Exception as exc:  # click usage errors and, last, real bugs
        if _usage_error(exc):
            sys.exit(2)
        if _debugging():
            raise
        sys.stderr.write(
            f"internal error: {type(exc).__name__}: {exc}\n"
            "(set OPENIMR_DEBUG=1 to see the traceback, and please report it)\n"
        )
        sys.exit(3)


def _usage_error(exc: Exception) -> bool:
    """Show a usage error (click's, or the click Typer carries) with the commands it offers."""
    import click
    from typer.exceptions import TyperException

    if not isinstance(exc, click.ClickException | TyperException) or not hasattr(exc, "show"):
        return False
    exc.show()
    context = getattr(exc, "ctx", None)
    group = getattr(context, "command", None)
    if isinstance(getattr(group, "commands", None), dict):
        sys.stderr.write("Commands: " + ", ".join(sorted(group.commands)) + "\n")
    return True


def _debugging() -> bool:
    """``OPENIMR_DEBUG`` is set (a bad setting elsewhere must not hide the original error)."""
    from openimr.settings import Settings

    try:
        return Settings.load().debug
    except OpenIMRError:
        return False
