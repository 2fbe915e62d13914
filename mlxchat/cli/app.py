"""The root command and the one boundary where exceptions become messages and exit codes.

Command modules register themselves on the app ``build_app`` makes (a new one each run); they
import heavy modules inside the command functions so that ``mlxchat --version`` and ``--help`` stay
fast.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

import typer

from mlxchat import __version__
from mlxchat.errors import MlxchatError
from mlxchat.exitcodes import ExitCode

if TYPE_CHECKING:
    from mlxchat.cli.context import CliContext

DEBUG_ENV = "MLXCHAT_DEBUG"
"""Set it to see the traceback of an internal error instead of a one-line message."""


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"mlxchat {__version__}\n")
        raise typer.Exit()


def root(
    version: bool = typer.Option(
        False, "--version", "-V", help="Print the version and exit.", callback=_version, is_eager=True
    ),
) -> None:
    """Run local MLX language-model servers by profile and chat with them."""


def build_app(argv: list[str] | None = None) -> typer.Typer:
    """The root command with the command modules ``argv`` needs (every one for None: help, completions)."""
    from mlxchat.cli import commands

    app = typer.Typer(
        name="mlxchat",
        help="Run local MLX language-model servers by profile and chat with them.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    app.callback()(root)
    commands.register(app, argv)
    return app


def _quiet_broken_pipe() -> None:
    """stdout's reader went away (``| head -1``): a normal end. Silence the final flush."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def run(argv: list[str] | None = None, context: CliContext | None = None) -> int:
    """Run the CLI and return the exit code. Every exception is mapped here and nowhere else.

    ``context`` is what the commands get (terminal, environment, clock); by default this process's.
    """
    # typer >= 0.27 vendors click; its exception classes live there.
    from typer._click import exceptions as click_exceptions

    from mlxchat.cli.context import CliContext
    from mlxchat.errors import OutputClosed

    context = context or CliContext()
    try:
        app = build_app(sys.argv[1:] if argv is None else argv)
        result = app(args=argv, prog_name="mlxchat", standalone_mode=False, obj=context)
    except OutputClosed:
        # stdout's reader went away (`| head -1`): what it wanted was written; a normal end.
        _quiet_broken_pipe()
        return int(ExitCode.OK)
    except MlxchatError as exc:
        context.terminal.error(exc.message, exc.hint)
        return int(exc.exit_code)
    except typer.Abort:
        return int(ExitCode.INTERRUPTED)
    except click_exceptions.ClickException as exc:
        exc.show()
        return int(ExitCode.USAGE)
    except typer.Exit as exc:
        return int(exc.exit_code)
    except KeyboardInterrupt:
        # Inside a command typer turns Ctrl-C into Exit(130) itself; this catches it while the
        # command modules are still being imported.
        return int(ExitCode.INTERRUPTED)
    except Exception as exc:
        if os.environ.get(DEBUG_ENV):
            raise
        context.terminal.error(
            f"internal error: {type(exc).__name__}: {exc}",
            hint=f"this is a bug in mlxchat; {DEBUG_ENV}=1 shows where it happened",
        )
        return int(ExitCode.INTERNAL)
    return int(result) if isinstance(result, int) else int(ExitCode.OK)
