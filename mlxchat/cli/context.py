"""What a command gets from the process it runs in: the terminal, the environment and the clock.

``mlxchat.cli.app.run`` makes one for the real process (sys streams, os.environ, time.time) and
hands it to the command through typer's context; a test may hand in its own (streams it reads back,
an environment of its choosing), which is how output cases run in-process.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import typer

from mlxchat.terminal import Terminal


@dataclass(frozen=True)
class CliContext:
    terminal: Terminal = field(default_factory=Terminal)
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)
    """Where API keys are read from (the profile names the variable)."""
    now: Callable[[], float] = time.time
    """The wall clock (seconds since the epoch): the start event's timestamp."""


def context_of(ctx: typer.Context) -> CliContext:
    """The context ``run`` handed in (a default one when a command is invoked some other way)."""
    found = ctx.find_object(CliContext)
    return found if found is not None else CliContext()
