"""Exceptions that carry an exit code; the CLI boundary (mlxchat.cli.app) turns them into messages."""

from __future__ import annotations

from mlxchat.exitcodes import ExitCode


class MlxchatError(Exception):
    """An expected failure: printed as one clear message (and an optional hint), never a traceback."""

    exit_code: ExitCode = ExitCode.INTERNAL

    def __init__(self, message: str, *, hint: str | None = None, exit_code: ExitCode | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        if exit_code is not None:
            self.exit_code = exit_code


class UsageError(MlxchatError):
    """Bad arguments, bad input files, unknown profiles, invalid configuration."""

    exit_code = ExitCode.USAGE


class ConfigError(UsageError):
    """The profile file cannot be read; it is never overwritten in that state."""


class UnreachableError(MlxchatError):
    """A server that is not running, cannot be reached, or never became ready."""

    exit_code = ExitCode.UNREACHABLE


class OutputClosed(MlxchatError):
    """stdout's reader went away (``| head -1``). Not a failure: the CLI ends quietly with 0."""

    exit_code = ExitCode.OK
