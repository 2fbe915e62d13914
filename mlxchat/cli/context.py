"""What a command gets from the process it runs in: the terminal, the environment and the clock.

``mlxchat.cli.app.run`` makes one for the real process (sys streams, os.environ, time.time) and
hands it to the command through typer's context; a test may hand in its own (streams it reads back,
an environment of its choosing), which is how output cases run in-process.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping

import typer

from mlxchat.terminal import Terminal


class CliContext:
    """Not a dataclass: it is made on every run, and generating a dataclass's methods at import
    costs about a millisecond and a half (docs/development.md, performance)."""

    __slots__ = ("environ", "now", "terminal")

    def __init__(
        self,
        terminal: Terminal | None = None,
        environ: Mapping[str, str] | None = None,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.terminal = Terminal() if terminal is None else terminal
        self.environ = os.environ if environ is None else environ
        """The variables commands read (the terminal reads its own: NO_COLOR, FORCE_COLOR, TERM)."""
        self.now = now
        """The wall clock (seconds since the epoch): the start event's timestamp."""


def context_of(ctx: typer.Context) -> CliContext:
    """The context ``run`` handed in (a default one when a command is invoked some other way)."""
    found = ctx.find_object(CliContext)
    return found if found is not None else CliContext()
