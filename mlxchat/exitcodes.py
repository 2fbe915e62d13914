"""Every exit code mlxchat uses, in one place (documented in docs/exit-codes.md)."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    INTERNAL = 1
    """A bug in mlxchat: an unexpected exception."""
    USAGE = 2
    """Bad arguments or bad input (unknown profile, missing image, corrupt config)."""
    UNREACHABLE = 3
    """The server is unreachable, not running, or never became ready."""
    SERVER_ERROR = 4
    """The server answered with an error."""
    TIMEOUT = 5
    """A timeout, or a stream that broke before it ended."""
    SOME_FAILED = 6
    """``mlxchat batch`` ran to its end, and at least one request's result is an error."""
    INTERRUPTED = 130
    """Ctrl-C (SIGINT), as shells report it."""
