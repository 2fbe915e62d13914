"""Writers that turn chat events into output: NDJSON for programs, plain text for shells, pretty for people.

Every writer has ``write_batch(events)`` (called once per batch; flushes at its end) and ``close()``.
A writer whose stdout reader went away raises ``mlxchat.errors.OutputClosed``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from mlxchat.chat.events import Event
    from mlxchat.terminal import Terminal


class OutputFormat(StrEnum):
    text = "text"
    pretty = "pretty"
    ndjson = "ndjson"


class OutputOptions:
    """How a chat's events are shown (a plain class: importing this package, as ``history list``
    does, loads no ``dataclasses``)."""

    __slots__ = ("fmt", "hide_thinking", "show_thinking", "stats")

    def __init__(
        self,
        fmt: OutputFormat = OutputFormat.text,
        show_thinking: bool = False,
        hide_thinking: bool = False,
        stats: bool = False,
    ) -> None:
        self.fmt = fmt
        self.show_thinking = show_thinking
        """Pretty: keep the reasoning text on screen once it is done (else it collapses to one line)."""
        self.hide_thinking = hide_thinking
        """Text: no reasoning at all on stderr. Pretty: the spinner without the reasoning under it."""
        self.stats = stats
        """Pretty: a footer with tokens, tokens/s and time to first token."""


class EventWriter(Protocol):
    def write_batch(self, events: list[Event]) -> None: ...
    def close(self) -> None: ...


def default_format(terminal: Terminal) -> OutputFormat:
    """Pretty on a terminal, plain text in pipes and captures."""
    return OutputFormat.pretty if terminal.stdout_isatty else OutputFormat.text


def make_writer(terminal: Terminal, options: OutputOptions) -> EventWriter:
    fmt = options.fmt
    if fmt is OutputFormat.ndjson:
        from mlxchat.output.ndjson import NdjsonWriter

        return NdjsonWriter(terminal.stdout.buffer)
    if fmt is OutputFormat.pretty:
        from mlxchat.output.pretty import PrettyOptions, PrettyWriter

        pretty = PrettyOptions(
            show_thinking=options.show_thinking, hide_thinking=options.hide_thinking, stats=options.stats
        )
        return PrettyWriter(terminal, pretty)
    from mlxchat.output.text import TextWriter

    return TextWriter(terminal, show_thinking=not options.hide_thinking)
