"""One chat turn, start to end: the request's events streamed into a sink, and what came of it.

``run_turn(request, sink)`` is the one way a turn runs (one-shot and interactive chat; batch and
history build on it): the events go to ``sink`` batch by batch as they arrive, and the
:class:`TurnResult` says how the turn ended and what it produced. ``play(batches, sink)`` does the
same for events from elsewhere (``mlxchat render`` replays saved ones). Ctrl-C closes the request
and ends the turn with an ``interrupted`` error event; an exception from the sink (``OutputClosed``
when stdout's reader left) closes the request and propagates.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Protocol

from mlxchat.chat.events import (
    Done,
    Error,
    Event,
    Response,
    Start,
    TerminalEvent,
    Thinking,
    Timing,
    ToolCall,
    exit_code_for,
)
from mlxchat.chat.request import ChatRequest
from mlxchat.chat.stream import ChatStream
from mlxchat.exitcodes import ExitCode

Batches = Generator[list[Event], None, None]


class Sink(Protocol):
    """Where events go: the writers of mlxchat.output, or anything with ``write_batch``."""

    def write_batch(self, events: list[Event]) -> None: ...


@dataclass
class TurnResult:
    """What came of a turn. Every event is kept, as the sink got it; what is derived from them
    (answer, reasoning, tool calls) is worked out when asked, so a caller that does not ask pays
    nothing per event."""

    end: TerminalEvent
    """How the turn ended: ``done``, or the ``error`` that ended it."""
    batches: list[list[Event]] = field(default_factory=list, repr=False)
    """The events in the batches the sink got; the last one ends with ``end``."""
    messages: Sequence[dict[str, Any]] = ()
    """The messages that were sent (empty for replayed events)."""

    @cached_property
    def events(self) -> list[Event]:
        return [event for batch in self.batches for event in batch]

    @cached_property
    def start(self) -> Start | None:
        return next((e for e in self.events if isinstance(e, Start)), None)

    @cached_property
    def answer(self) -> str:
        """The answer text as it streamed (reasoning and tool calls not in it)."""
        return "".join(e.content for e in self.events if isinstance(e, Response))

    @cached_property
    def reasoning(self) -> str:
        return "".join(e.content for e in self.events if isinstance(e, Thinking))

    @cached_property
    def tool_calls(self) -> list[ToolCall]:
        return [e for e in self.events if isinstance(e, ToolCall)]

    @property
    def ok(self) -> bool:
        return isinstance(self.end, Done)

    @property
    def exit_code(self) -> ExitCode:
        """The process exit code that agrees with the terminal event."""
        return exit_code_for(self.end)

    @property
    def request_id(self) -> str | None:
        return self.start.request_id if self.start is not None else None

    @property
    def usage(self) -> dict[str, int] | None:
        return self.end.usage if isinstance(self.end, Done) else None

    @property
    def timing(self) -> Timing | None:
        return self.end.timing if isinstance(self.end, Done) else None


def run_turn(request: ChatRequest, sink: Sink, *, now: Callable[[], float] = time.time) -> TurnResult:
    """Send ``request`` and stream its events into ``sink``; ``now`` is the wall clock (the start
    event's timestamp). The sink is not closed: a caller may stream several turns into one."""
    return play(ChatStream(request, now=now).batches(), sink, messages=request.messages)


def play(batches: Batches, sink: Sink, *, messages: Sequence[dict[str, Any]] = ()) -> TurnResult:
    """Hand every batch to ``sink`` (the last ends with the terminal event); what came of it."""
    seen: list[list[Event]] = []

    def write(batch: list[Event]) -> None:
        seen.append(batch)
        sink.write_batch(batch)

    end = drive(batches, write)
    return TurnResult(end, seen, messages)


def drive(batches: Batches, write_batch: Callable[[list[Event]], None]) -> TerminalEvent:
    """Hand every batch to ``write_batch``; return the terminal event that ended them.

    Ctrl-C closes the source and ends with an ``interrupted`` error event. An exception from
    ``write_batch`` closes the source and propagates.
    """
    last: Event | None = None
    try:
        for batch in batches:
            write_batch(batch)
            last = batch[-1] if batch else last
    except KeyboardInterrupt:
        batches.close()
        error = Error("interrupted", "interrupted (Ctrl-C)")
        write_batch([error])
        return error
    finally:
        batches.close()
    if not isinstance(last, Done | Error):  # pragma: no cover - every source ends with one
        raise AssertionError("chat stream ended without a terminal event")
    return last
