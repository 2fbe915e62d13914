"""The typed events of a chat stream: the public NDJSON protocol (docs/protocol.md, docs/events.schema.json).

Every stream is ``start``, then any of ``thinking`` / ``thinking_done`` / ``response`` / ``tool_call``,
then exactly one terminal event, ``done`` or ``error``, always last. Each event serialises to one JSON
object whose ``type`` field comes first; field order is the declaration order below.

Bump ``PROTOCOL_VERSION`` only for changes that can break a reader (removing or retyping a field,
changing a meaning). Adding an event type or an optional field is not such a change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final, Literal

from mlxchat.exitcodes import ExitCode

PROTOCOL_VERSION: Final = 1


@dataclass(slots=True)
class Start:
    type: Literal["start"] = field(default="start", init=False)
    v: int = field(default=PROTOCOL_VERSION, init=False)
    profile: str
    model: str
    request_id: str
    ts: str
    """ISO-8601 UTC time at which the request was made, e.g. ``2026-01-02T03:04:05.678Z``."""
    url: str
    attachments: list[dict[str, Any]] = field(default_factory=list)
    """The images and videos sent with the request, in order (summaries: docs/attachments.md)."""
    warnings: list[str] = field(default_factory=list)
    """Things the user asked for that were not done (attachments left out for a text-only profile)."""


@dataclass(slots=True)
class Thinking:
    type: Literal["thinking"] = field(default="thinking", init=False)
    content: str


@dataclass(slots=True)
class ThinkingDone:
    type: Literal["thinking_done"] = field(default="thinking_done", init=False)
    duration: float
    """Seconds from the first reasoning byte of this run of reasoning to its end."""


@dataclass(slots=True)
class Response:
    type: Literal["response"] = field(default="response", init=False)
    content: str


@dataclass(slots=True)
class ToolCall:
    type: Literal["tool_call"] = field(default="tool_call", init=False)
    index: int
    id: str | None
    name: str | None
    arguments: str
    """The arguments as the server sent them: JSON text, not parsed."""


@dataclass(slots=True)
class Timing:
    """Every key is always written; the defaults are what a reader assumes for one left out."""

    ttft: float | None = None
    """Seconds from sending the request to the first reasoning, answer or tool-call byte."""
    thinking: float | None = None
    """Seconds spent reasoning (the sum of the thinking_done durations), null without reasoning."""
    total: float = 0.0
    """Seconds from sending the request to the end of the stream."""
    tokens_per_second: float | None = None
    """completion_tokens over the generation time (total - ttft), when the server reported usage."""


@dataclass(slots=True)
class Done:
    type: Literal["done"] = field(default="done", init=False)
    finish_reason: str | None
    usage: dict[str, int] | None
    timing: Timing
    id: str | None = None
    """The completion id the server gave, when it gave one."""
    ignored_lines: int = 0
    """Stream lines that were not valid JSON and were skipped."""


ErrorCode = Literal[
    "unreachable",
    "http_error",
    "server_error",
    "bad_response",
    "stream_broken",
    "idle_timeout",
    "interrupted",
    "invalid_request",
]

EXIT_CODES: Final[dict[str, ExitCode]] = {
    "unreachable": ExitCode.UNREACHABLE,
    "http_error": ExitCode.SERVER_ERROR,
    "server_error": ExitCode.SERVER_ERROR,
    "bad_response": ExitCode.SERVER_ERROR,
    "stream_broken": ExitCode.TIMEOUT,
    "idle_timeout": ExitCode.TIMEOUT,
    "interrupted": ExitCode.INTERRUPTED,
    "invalid_request": ExitCode.USAGE,
}


@dataclass(slots=True)
class Error:
    type: Literal["error"] = field(default="error", init=False)
    code: ErrorCode
    message: str
    status: int | None = None
    """The HTTP status, when the server answered with one (or named one in an in-stream error)."""
    hint: str | None = None
    """What the user can do about it, when mlxchat knows."""

    @property
    def exit_code(self) -> ExitCode:
        # A code this version does not know (a newer writer's, read by `render`): a plain failure.
        return EXIT_CODES.get(self.code, ExitCode.INTERNAL)


Event = Start | Thinking | ThinkingDone | Response | ToolCall | Done | Error
TerminalEvent = Done | Error

EVENT_TYPES: Final[dict[str, type[Any]]] = {
    "start": Start,
    "thinking": Thinking,
    "thinking_done": ThinkingDone,
    "response": Response,
    "tool_call": ToolCall,
    "done": Done,
    "error": Error,
}


def exit_code_for(event: TerminalEvent) -> ExitCode:
    """The process exit code that agrees with a stream's terminal event."""
    return ExitCode.OK if isinstance(event, Done) else event.exit_code
