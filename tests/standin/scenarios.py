"""What the stand-in server answers to a chat request, by scenario name.

Each scenario is a function ``(responder, request_body, server_options) -> None`` registered in
``SCENARIOS``. A request picks one with its ``model`` field.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from typing import Any, Protocol


class _Handler(Protocol):
    wfile: Any
    close_connection: bool

    def send_response(self, code: int, message: str | None = None) -> None: ...
    def send_header(self, keyword: str, value: str) -> None: ...
    def end_headers(self) -> None: ...


class Responder:
    """Writes raw HTTP responses: JSON bodies, or SSE streams closed by dropping the connection."""

    def __init__(self, handler: _Handler) -> None:
        self.handler = handler

    def json(self, status: int, obj: Any) -> None:
        body = json.dumps(obj).encode()
        h = self.handler
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    def start_stream(self) -> None:
        h = self.handler
        h.send_response(200)
        h.send_header("Content-Type", "text/event-stream")
        h.send_header("Cache-Control", "no-cache")
        h.send_header("Connection", "close")
        h.end_headers()
        h.close_connection = True

    def raw(self, data: bytes) -> None:
        self.handler.wfile.write(data)
        self.handler.wfile.flush()

    def event(self, obj: Any) -> None:
        self.raw(b"data: " + json.dumps(obj).encode() + b"\n\n")

    def done(self) -> None:
        self.raw(b"data: [DONE]\n\n")


def chunk(delta: dict[str, Any], finish_reason: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "id": "chatcmpl-standin",
        "object": "chat.completion.chunk",
        "created": 1700000000,
        "model": "standin",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
        **extra,
    }


USAGE = {"prompt_tokens": 12, "completion_tokens": 9, "total_tokens": 21}
REASONING = ["\n", "Two plus", " two is", " four.", "\n"]
ANSWER = ["\n\n", "The answer", " is 4."]


def _stream(r: Responder, deltas: Iterable[dict[str, Any]], delay: float) -> None:
    r.start_stream()
    r.event(chunk({"role": "assistant"}))
    for delta in deltas:
        if delay:
            time.sleep(delay)
        r.event(chunk(delta))
    r.event(chunk({}, "stop", usage=USAGE))
    r.done()


def think_content(r: Responder, body: dict[str, Any], options: Any) -> None:
    """Like mlx-openai-server with a reasoning parser: delta.reasoning_content, then content."""
    deltas = [{"reasoning_content": t} for t in REASONING] + [{"content": t} for t in ANSWER]
    _stream(r, deltas, options.delay)


SCENARIOS: dict[str, Callable[[Responder, dict[str, Any], Any], None]] = {
    "think-content": think_content,
}
