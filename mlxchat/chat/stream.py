"""Sending one resolved request and turning the answer into typed events. Never prints.

``ChatStream(request).batches()`` yields lists of events: a list ends whenever the network has no
more bytes ready, so a consumer that flushes once per list writes as soon as anything is known
without making one system call per token when chunks arrive back to back. The first list is the
``start`` event alone (before connecting); the last list ends with the one terminal event.

Failures become ``error`` events, never exceptions. ``KeyboardInterrupt`` is left to the consumer:
mlxchat.chat.turn.drive turns it into the ``interrupted`` error event and closes the request.
"""

from __future__ import annotations

import select
import sys
import time
from collections.abc import Callable, Generator
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

import orjson

from mlxchat.chat.events import Error, Event, Start, TerminalEvent
from mlxchat.chat.http_errors import message_from_body
from mlxchat.chat.request import ChatRequest
from mlxchat.chat.sse import SSEDecoder
from mlxchat.chat.translate import Translator

MAX_BATCH = 1024
"""Events gathered before a batch is handed on even though more bytes are ready."""
MAX_ERROR_BODY = 64 * 1024


def import_httpx() -> ModuleType:
    """httpx, without its optional command-line module (which imports rich, click and pygments).

    That module alone is about 40 ms of start-up; ``httpx.main`` is the only thing it provides.
    """
    if "httpx" not in sys.modules and "httpx._main" not in sys.modules:
        sys.modules["httpx._main"] = ModuleType("httpx._main")  # no ``main``: httpx falls back
    import httpx

    return httpx


def utc_timestamp(seconds: float) -> str:
    """``2026-01-02T03:04:05.678Z`` for a wall-clock time in seconds since the epoch."""
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class ChatStream:
    def __init__(self, request: ChatRequest, *, now: Callable[[], float] = time.time) -> None:
        self.request = request
        self.now = now
        """The wall clock, for the start event's timestamp."""

    def batches(self) -> Generator[list[Event], None, None]:
        request = self.request
        yield [self._start()]
        httpx = import_httpx()
        out: list[Event] = []
        got_response = False
        connect = min(request.connect_timeout, request.idle_timeout)
        timeout = httpx.Timeout(request.idle_timeout, connect=connect)
        # Certificates are loaded only when they can matter (that costs tens of milliseconds).
        verify = request.url.startswith("https:")
        client = httpx.Client(timeout=timeout, trust_env=not request.local, verify=verify)
        translator = Translator(started=time.perf_counter(), thinking_prefilled=request.thinking_prefilled)
        terminal: TerminalEvent
        try:
            body = orjson.dumps(request.body)
            with client.stream("POST", request.url, content=body, headers=request.headers()) as resp:
                got_response = True
                if not 200 <= resp.status_code < 300:
                    yield [_http_error(resp)]
                    return
                if "json" in resp.headers.get("content-type", ""):
                    # The server ignored "stream": one JSON answer.
                    yield _from_json_answer(resp.read(), translator)
                    return
                ready = _readiness(resp)
                decoder = SSEDecoder()
                feed_sse = decoder.feed
                feed = translator.feed
                for piece in resp.iter_bytes():
                    if feed(feed_sse(piece), out):
                        break
                    if len(out) >= MAX_BATCH or (out and not ready()):
                        yield out
                        out = []
                else:
                    feed(decoder.finish(), out)
                terminal = translator.end(out)
        except (httpx.TransportError, httpx.InvalidURL) as exc:
            translator.partial_output(out)  # what the server did send stays
            terminal = self._failure(exc, connect, got_response)
        finally:
            client.close()
        out.append(terminal)
        yield out

    def _start(self) -> Start:
        request = self.request
        ts = utc_timestamp(self.now())
        start = Start(request.profile, request.model, request.request_id, ts, request.url)
        start.attachments, start.warnings = list(request.attachments), list(request.warnings)
        return start

    def _failure(self, exc: Exception, connect_timeout: float, got_response: bool) -> Error:
        """The error event for a request that failed in the network (mlxchat's own words)."""
        httpx = import_httpx()
        request = self.request
        if isinstance(exc, httpx.ConnectTimeout):
            return self._unreachable(f"no answer from {request.url} within {connect_timeout:g} s")
        if isinstance(exc, httpx.TimeoutException):
            return Error(
                "idle_timeout",
                f"no data from the server for {request.idle_timeout:g} s",
                hint="raise --idle-timeout if the server is just slow",
            )
        if isinstance(exc, httpx.InvalidURL):
            return Error(
                "unreachable",
                f"the profile's URL is not valid ({request.url}): {exc}",
                hint=f"fix it: mlxchat profile edit {request.profile} --url URL",
            )
        reason = _reason(exc)
        if isinstance(exc, httpx.ConnectError | httpx.UnsupportedProtocol):
            if reason == "connection refused" and request.local:
                return self._unreachable(
                    f"the server of profile {request.profile} is not running (nothing at {request.url})"
                )
            return self._unreachable(f"cannot connect to {request.url}: {reason}")
        if got_response:
            return Error("stream_broken", f"the connection broke mid-stream: {reason}")
        return Error("stream_broken", f"the server closed the connection without answering: {reason}")

    def _unreachable(self, message: str) -> Error:
        request = self.request
        if request.local:
            hint = f"mlxchat start {request.profile}"
        else:
            hint = f"check that the server at {request.base_url} is up (profile {request.profile})"
        return Error("unreachable", message, hint=hint)


def _http_error(resp: Any) -> Error:
    """The error event for a status that is not 2xx: the server's own message, from its body."""
    raw = b""
    for piece in resp.iter_bytes():
        raw += piece
        if len(raw) > MAX_ERROR_BODY:
            break
    status = int(resp.status_code)
    return Error("http_error", message_from_body(raw, status, resp.reason_phrase), status=status)


def _reason(exc: BaseException) -> str:
    text = str(exc).strip()
    if "Connection refused" in text or "[Errno 111]" in text:
        return "connection refused"
    return text or type(exc).__name__


def _readiness(resp: Any) -> Callable[[], bool]:
    """A check for "more bytes are ready to read now" on the response's socket (False if unknown)."""
    stream = resp.extensions.get("network_stream")
    sock = stream.get_extra_info("socket") if stream is not None else None
    if sock is None:
        return lambda: False
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    poll = poller.poll

    def ready() -> bool:
        return bool(poll(0))

    return ready


def _from_json_answer(raw: bytes, translator: Translator) -> list[Event]:
    """Events from a non-streaming chat completion (a server that answered with one JSON object)."""
    out: list[Event] = []
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError:
        obj = None
    choices = obj.get("choices") if isinstance(obj, dict) else None
    message = choices[0].get("message") if choices and isinstance(choices[0], dict) else None
    if not isinstance(message, dict):
        if isinstance(obj, dict) and obj.get("error") is not None:
            translator.feed([raw], out)
            if translator.error is not None:
                out.append(translator.error)
                return out
        out.append(Error("bad_response", "the server's answer is neither a stream nor a chat completion"))
        return out
    delta = {k: message.get(k) for k in ("reasoning_content", "reasoning", "content", "tool_calls")}
    assert isinstance(obj, dict) and isinstance(choices, list)
    chunk = {
        "id": obj.get("id"),
        "choices": [{"delta": delta, "finish_reason": choices[0].get("finish_reason")}],
        "usage": obj.get("usage"),
    }
    translator.feed([orjson.dumps(chunk), b"[DONE]"], out)
    out.append(translator.done(out))
    return out
