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
from collections.abc import Callable, Generator, Iterable
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

import orjson

from mlxchat.chat.events import Error, Event, Start, TerminalEvent
from mlxchat.chat.http_errors import message_from_body, retry_after_seconds
from mlxchat.chat.request import ChatRequest
from mlxchat.chat.sse import SSEDecoder
from mlxchat.chat.translate import Translator, from_body

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


def http_client(*, local: bool, url: str, pool: int | None = None) -> Any:
    """An ``httpx.Client`` for requests to ``url``: one per turn, or one per profile shared by the
    threads of a batch (httpx clients may be shared between threads; ``pool`` caps its connections).
    Timeouts are given per request. ``local``: a server mlxchat starts, reached without proxies."""
    httpx = import_httpx()
    pooled: dict[str, Any] = {}
    if pool:
        pooled["limits"] = httpx.Limits(max_connections=pool, max_keepalive_connections=pool)
    # Certificates are loaded only when they can matter (that costs tens of milliseconds).
    return httpx.Client(trust_env=not local, verify=url.startswith("https:"), **pooled)


class ChatStream:
    def __init__(
        self, request: ChatRequest, *, now: Callable[[], float] = time.time, client: Any = None
    ) -> None:
        self.request = request
        self.now = now
        """The wall clock, for the start event's timestamp."""
        self.client = client
        """A shared ``http_client`` to send with (left open), or None for one of its own."""
        self.retry_after: float | None = None
        """Seconds the server asked to wait before trying again (``Retry-After`` of an error answer)."""

    def batches(self) -> Generator[list[Event], None, None]:
        request = self.request
        yield [self._start()]
        httpx = import_httpx()
        out: list[Event] = []
        got_response = False
        connect = min(request.connect_timeout, request.idle_timeout)
        timeout = httpx.Timeout(request.idle_timeout, connect=connect)
        own_client = self.client is None
        client = http_client(local=request.local, url=request.url) if own_client else self.client
        translator = Translator(started=time.perf_counter(), thinking_prefilled=request.thinking_prefilled)
        terminal: TerminalEvent
        try:
            body = orjson.dumps(request.body)
            headers = request.headers()
            with client.stream("POST", request.url, content=body, headers=headers, timeout=timeout) as resp:
                got_response = True
                if not 200 <= resp.status_code < 300:
                    self.retry_after = retry_after_seconds(resp.headers.get("retry-after"))
                    yield [_http_error(resp)]
                    return
                if "json" in resp.headers.get("content-type", ""):
                    # The server ignored "stream": one JSON answer.
                    out.append(from_body(resp.read(), translator, out))
                    yield out
                    return
                terminal = yield from translate_stream(resp.iter_bytes(), translator, out, _readiness(resp))
        except (httpx.TransportError, httpx.InvalidURL) as exc:
            translator.partial_output(out)  # what the server did send stays
            terminal = self._failure(exc, connect, got_response)
        except httpx.DecodingError as exc:
            translator.partial_output(out)
            terminal = Error("bad_response", f"the server's answer could not be decoded: {exc}")
        finally:
            if own_client:
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
                message = f"the server of profile {request.profile} is not running (nothing at {request.url})"
            else:
                message = f"cannot connect to {request.url}: {reason}"
            return self._unreachable(message)
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


def translate_stream(
    pieces: Iterable[bytes],
    translator: Translator,
    out: list[Event],
    ready: Callable[[], bool] = lambda: True,
) -> Generator[list[Event], None, TerminalEvent]:
    """Raw stream bytes, as they were read, through the SSE decoder and the translator.

    A batch is handed on whenever no more bytes are ready to read (``ready()`` is False) or
    MAX_BATCH events wait. ``out`` holds the events not handed on yet: a caller whose stream breaks
    still has them. Returns the terminal event, once the events it releases are in ``out``. A body
    that never was an event stream (HTML, plain text, a bare JSON error) is read as one answer.
    """
    decoder = SSEDecoder()
    feed_sse = decoder.feed
    feed = translator.feed
    for piece in pieces:
        if feed(feed_sse(piece), out):
            break
        if len(out) >= MAX_BATCH or (out and not ready()):
            yield out.copy()
            out.clear()
    else:
        feed(decoder.finish(), out)
    if not decoder.seen_sse and decoder.head.strip():
        return from_body(decoder.head, translator, out)  # not an event stream at all
    return translator.end(out)


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
