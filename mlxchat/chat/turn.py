"""One chat turn, start to end: the request's events streamed into a sink, and what came of it.

``run_turn(request, sink, log=...)`` is the one way a turn runs (one-shot and interactive chat;
batch builds on it): the events go to ``sink`` batch by batch as they arrive, the
:class:`TurnResult` says how the turn ended and what it produced, and ``log`` (the conversation
history, mlxchat.history) gets the result once, however the turn ended.
``play(batches, sink)`` does the same for events from elsewhere (``mlxchat render`` replays saved
ones). Ctrl-C closes the request and ends the turn with an ``interrupted`` error event; an
exception from the sink (``OutputClosed`` when stdout's reader left) closes the request and
propagates.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Sequence
from typing import Any, Final, Protocol

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
from mlxchat.errors import OutputClosed
from mlxchat.exitcodes import ExitCode
from mlxchat.plain_record import PlainRecord

Batches = Generator[list[Event], None, None]


class Sink(Protocol):
    """Where events go: the writers of mlxchat.output, or anything with ``write_batch``."""

    def write_batch(self, events: list[Event]) -> None: ...


class TurnResult(PlainRecord):
    """What came of a turn. Only ``retry_after`` is set after it is made (by ``run_turn``)."""

    __slots__ = ("answer", "end", "messages", "outline", "reasoning", "retry_after", "start", "tool_calls")

    def __init__(  # noqa: PLR0913, PLR0917 (one parameter per field, as a dataclass had)
        self,
        end: TerminalEvent,
        start: Start | None = None,
        answer: str = "",
        reasoning: str = "",
        tool_calls: list[ToolCall] | None = None,
        messages: Sequence[dict[str, Any]] = (),
        retry_after: float | None = None,
        outline: list[Any] | None = None,
    ) -> None:
        self.end: Final = end
        """How the turn ended: ``done``, or the ``error`` that ended it."""
        self.start: Final = start
        self.answer: Final = answer
        """The answer text as it streamed (reasoning and tool calls not in it)."""
        self.reasoning: Final = reasoning
        self.tool_calls: Final = [] if tool_calls is None else tool_calls
        self.messages: Final = messages
        """The messages that were sent (empty for replayed events)."""
        self.retry_after = retry_after
        """Seconds the server asked to wait before a new try (its ``Retry-After``), when it said."""
        self.outline: Final = [] if outline is None else outline
        """The events in order, each run of ``response`` (or ``thinking``) events as
        ``(type, [lengths of its pieces])``: with the texts, every event again (what the history keeps)."""

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


class TurnLog(Protocol):
    """Where turns are kept (mlxchat.history.log.ConversationLog). ``record`` gets the result once,
    after the last event was written (its ``outline`` holds the events); it never raises (bar
    KeyboardInterrupt)."""

    def record(self, request: ChatRequest, result: TurnResult) -> None: ...


class TurnRecorder:
    """Collects a :class:`TurnResult` from the events as they pass, in one loop over them (the
    hot path: an answer is one event per token). It keeps only what it needs (the text, and where
    each run of text begins, not the events): an answer's many small events are freed as soon as
    they are written, which costs the collector far less than holding them."""

    def __init__(self) -> None:
        self.start: Start | None = None
        self._answer: list[str] = []
        self._reasoning: list[str] = []
        self.tool_calls: list[ToolCall] = []
        self._outline: list[Any] = []
        """Events other than text, and ``(type, index of its first piece)`` where a run of text begins."""
        self._run: type | None = None

    def add(self, events: list[Event]) -> None:
        kind = type(events[0]) if events else None
        if kind is Response or kind is Thinking:
            # The usual batch: pieces of one text and nothing else, taken in one comprehension.
            texts = [e.content for e in events if type(e) is kind]
            if len(texts) == len(events):
                self._text(kind, texts)
                return
        for event in events:
            cls = type(event)
            if cls is Response or cls is Thinking:
                self._text(cls, [event.content])  # type: ignore[union-attr]
                continue
            self._run = None
            self._outline.append(event)
            if cls is ToolCall:
                self.tool_calls.append(event)  # type: ignore[arg-type]
            elif cls is Start:
                self.start = event  # type: ignore[assignment]

    def _text(self, kind: type, texts: list[str]) -> None:
        pieces = self._answer if kind is Response else self._reasoning
        if self._run is not kind:
            self._run = kind
            self._outline.append(("response" if kind is Response else "thinking", len(pieces)))
        pieces += texts

    def result(self, end: TerminalEvent, messages: Sequence[dict[str, Any]] = ()) -> TurnResult:
        answer, reasoning = "".join(self._answer), "".join(self._reasoning)
        tool_calls = list(self.tool_calls)
        return TurnResult(end, self.start, answer, reasoning, tool_calls, messages, outline=self._lengths())

    def _lengths(self) -> list[Any]:
        """The outline with each run of text as the lengths of its pieces (its end is where the
        next run of the same type begins)."""
        pieces = {"response": self._answer, "thinking": self._reasoning}
        ends = {name: len(texts) for name, texts in pieces.items()}
        out: list[Any] = []
        for item in reversed(self._outline):
            if type(item) is tuple:
                name, first = item
                out.append((name, list(map(len, pieces[name][first : ends[name]]))))
                ends[name] = first
            else:
                out.append(item)
        out.reverse()
        return out


def run_turn(
    request: ChatRequest,
    sink: Sink,
    *,
    now: Callable[[], float] = time.time,
    client: Any = None,
    log: TurnLog | None = None,
) -> TurnResult:
    """Send ``request`` and stream its events into ``sink``; ``now`` is the wall clock (the start
    event's timestamp). The sink is not closed: a caller may stream several turns into one.
    ``client``: an ``http_client`` shared by many turns (a batch's, one per profile), left open.

    ``log`` gets the result once the last event is written; a turn cut short because stdout's
    reader left (OutputClosed, which propagates) is logged as interrupted, with its partial text."""
    stream = ChatStream(request, now=now, client=client)
    recorder = TurnRecorder()
    try:
        result = play(stream.batches(), sink, messages=request.messages, recorder=recorder)
    except OutputClosed:
        if log is not None:
            closed = Error("interrupted", "stdout was closed before the answer ended")
            log.record(request, recorder.result(closed, request.messages))
        raise
    result.retry_after = stream.retry_after
    if log is not None:
        log.record(request, result)
    return result


def play(
    batches: Batches,
    sink: Sink,
    *,
    messages: Sequence[dict[str, Any]] = (),
    recorder: TurnRecorder | None = None,
) -> TurnResult:
    """Hand every batch to ``sink`` (the last ends with the terminal event); what came of it
    (collected by ``recorder``, which then holds what a turn cut short produced)."""
    recorder = recorder or TurnRecorder()

    def write(batch: list[Event]) -> None:
        recorder.add(batch)
        sink.write_batch(batch)

    return recorder.result(drive(batches, write), messages)


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
