"""Result lines: what one request came to, as one line of JSON (docs/batch.md,
docs/batch-results.schema.json), and how a line read back tells whether its request succeeded.

- OpenAI form: an OpenAI Batch output line ``{"id", "custom_id", "response": {"status_code",
  "request_id", "body": <chat.completion>}, "error"}``.
- Short form: ``{"id", "line", "profile", "model", "answer", "reasoning", "tool_calls",
  "finish_reason", "usage", "timing", "attempts", "request_id", "warnings", "error"}``.
- ``--events``: the request's events, each with ``custom_id``, as one block of lines.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from typing import Any

import orjson

from mlxchat.batch.events import BATCH_EVENT_TYPES
from mlxchat.batch.items import BadLine, Entry
from mlxchat.chat.events import Error, Event
from mlxchat.chat.turn import TurnResult
from mlxchat.output.ndjson import event_line


@dataclass(frozen=True, slots=True)
class Outcome:
    """How a request ended: its last try's result, or why no request could be made."""

    entry: Entry
    profile: str | None = None
    turn: TurnResult | None = None
    events: list[Event] | None = None
    """``--events``: the last try's events."""
    problem: str | None = None
    """The request could not be made (a bad line, an image that cannot be prepared)."""
    attempts: int = 0

    @property
    def ok(self) -> bool:
        return self.turn is not None and self.turn.ok

    @property
    def error(self) -> Error:
        """The error that ended it (for a failed outcome)."""
        if self.turn is not None and isinstance(self.turn.end, Error):
            return self.turn.end
        return Error("invalid_request", self.problem or "the request could not be made")

    @property
    def tokens(self) -> dict[str, int]:
        usage = self.turn.usage if self.turn is not None else None
        return usage or {}


def result_line(outcome: Outcome, created: float, events: bool) -> bytes:
    """The bytes to append for ``outcome``: one line, or with ``events`` one block of lines."""
    if events:
        return events_block(outcome)
    if outcome.entry.form == "openai":
        return orjson.dumps(openai_result(outcome, created), option=orjson.OPT_APPEND_NEWLINE)
    return orjson.dumps(short_result(outcome), option=orjson.OPT_APPEND_NEWLINE)


def _error_dict(error: Error) -> dict[str, Any]:
    return {"code": error.code, "message": error.message, "status": error.status, "hint": error.hint}


def short_result(outcome: Outcome) -> dict[str, Any]:
    entry, turn = outcome.entry, outcome.turn
    timing = turn.timing if turn is not None else None
    start = turn.start if turn is not None else None
    return {
        "id": entry.id,
        "line": entry.line,
        "profile": outcome.profile,
        "model": start.model if start is not None else None,
        "answer": turn.answer.strip() if turn is not None else "",
        "reasoning": turn.reasoning.strip() if turn is not None else "",
        "tool_calls": [_tool_call(c) for c in turn.tool_calls] if turn is not None else [],
        "finish_reason": getattr(turn.end, "finish_reason", None) if turn is not None else None,
        "usage": turn.usage if turn is not None else None,
        "timing": asdict(timing) if timing is not None else None,
        "attempts": outcome.attempts,
        "request_id": turn.request_id if turn is not None else None,
        "warnings": list(start.warnings) if start is not None else [],
        "error": None if outcome.ok else _error_dict(outcome.error),
    }


def _tool_call(call: Any) -> dict[str, Any]:
    return {"index": call.index, "id": call.id, "name": call.name, "arguments": call.arguments}


def openai_result(outcome: Outcome, created: float) -> dict[str, Any]:
    entry, turn = outcome.entry, outcome.turn
    request_id = (turn.request_id if turn is not None else None) or uuid.uuid4().hex
    out: dict[str, Any] = {"id": f"batch_req_{request_id}", "custom_id": entry.id, "response": None}
    if turn is not None and turn.ok:
        body = chat_completion(turn, request_id, int(created))
        out["response"] = {"status_code": 200, "request_id": request_id, "body": body}
        out["error"] = None
        return out
    error = outcome.error
    if error.code == "http_error" and error.status is not None:
        body = {"error": {"message": error.message, "type": "http_error", "code": error.status}}
        out["response"] = {"status_code": error.status, "request_id": request_id, "body": body}
    out["error"] = {"code": error.code, "message": error.message}
    return out


def chat_completion(turn: TurnResult, request_id: str, created: int) -> dict[str, Any]:
    """A non-streaming chat completion object made from a streamed turn."""
    message: dict[str, Any] = {
        "role": "assistant",
        "content": turn.answer if turn.answer.strip() or not turn.tool_calls else None,
        "reasoning_content": turn.reasoning or None,
    }
    if turn.tool_calls:
        message["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
            for c in turn.tool_calls
        ]
    done_id = getattr(turn.end, "id", None)
    return {
        "id": done_id or f"chatcmpl-{request_id}",
        "object": "chat.completion",
        "created": created,
        "model": turn.start.model if turn.start is not None else None,
        "choices": [
            {"index": 0, "message": message, "finish_reason": getattr(turn.end, "finish_reason", None)}
        ],
        "usage": _openai_usage(turn.usage),
    }


def _openai_usage(usage: dict[str, int] | None) -> dict[str, Any] | None:
    if usage is None:
        return None
    out: dict[str, Any] = {k: v for k, v in usage.items() if k != "cached_tokens"}
    if "cached_tokens" in usage:
        out["prompt_tokens_details"] = {"cached_tokens": usage["cached_tokens"]}
    return out


def events_block(outcome: Outcome) -> bytes:
    """The request's events, each line with its ``custom_id``; a single error event when no request
    could be made."""
    tail = b',"custom_id":' + orjson.dumps(outcome.entry.id) + b"}\n"
    events = outcome.events if outcome.events is not None else [outcome.error]
    return b"".join(event_line(e)[:-2] + tail for e in events)


# -- reading results back (--resume) -------------------------------------------------------------

LineKind = str
"""``results`` (OpenAI or short-form lines), ``events``, or ``batch`` (a batch_start/batch_done)."""


@dataclass(frozen=True, slots=True)
class ReadBack:
    kind: LineKind
    key: bytes | None
    """The id as JSON (None for batch events)."""
    terminal: bool
    """The line ends its request (every result line; a ``done`` or ``error`` event)."""
    ok: bool


def read_back(obj: Any) -> ReadBack | None:
    """What an output line says, or None when it is not a line mlxchat batch writes."""
    if not isinstance(obj, dict):
        return None
    kind = obj.get("type")
    return _event_line(obj, kind) if isinstance(kind, str) else _result_line(obj)


def _event_line(obj: dict[str, Any], kind: str) -> ReadBack | None:
    if kind in BATCH_EVENT_TYPES:
        return ReadBack("batch", None, False, False)
    if "custom_id" not in obj:
        return None
    return ReadBack("events", orjson.dumps(obj["custom_id"]), kind in ("done", "error"), kind == "done")


def _result_line(obj: dict[str, Any]) -> ReadBack | None:
    if "custom_id" in obj and "response" in obj:
        response = obj.get("response")
        ok = obj.get("error") is None and isinstance(response, dict) and response.get("status_code") == 200
        return ReadBack("results", orjson.dumps(obj["custom_id"]), True, ok)
    if "id" in obj and "error" in obj and "answer" in obj:
        return ReadBack("results", orjson.dumps(obj["id"]), True, obj["error"] is None)
    return None


def bad_line_outcome(bad: BadLine) -> Outcome:
    return Outcome(bad, problem=bad.message)
