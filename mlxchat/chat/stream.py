"""The chat core: a profile and a request body in, typed events out. Never prints.

``ChatStream(profile, body).batches()`` yields lists of events: a list ends whenever the network has
no more bytes ready, so a consumer that flushes once per list writes as soon as anything is known
without making one system call per token when chunks arrive back to back. The first list is the
``start`` event alone (before connecting); the last list ends with the one terminal event.

Failures become ``error`` events, never exceptions. ``KeyboardInterrupt`` is left to the consumer:
``drive()`` turns it into the ``interrupted`` error event and closes the request.
"""

from __future__ import annotations

import select
import sys
import time
import uuid
from collections.abc import Callable, Generator
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

import orjson

from mlxchat.chat.events import Done, Error, Event, Start, TerminalEvent
from mlxchat.chat.http_errors import message_from_body
from mlxchat.chat.sse import SSEDecoder
from mlxchat.chat.translate import Translator
from mlxchat.profile import Profile
from mlxchat.servers.kinds import kind_of

DEFAULT_IDLE_TIMEOUT = 300.0
"""Seconds without a byte from the server before giving up (prompt processing can be slow)."""
CONNECT_TIMEOUT = 10.0
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


def utc_timestamp() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def chat_url(profile: Profile) -> str:
    return profile.base_url() + "/chat/completions"


class ChatStream:
    def __init__(
        self,
        profile: Profile,
        body: dict[str, Any],
        *,
        idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
        connect_timeout: float = CONNECT_TIMEOUT,
        thinking_prefilled: bool | None = None,
        attachments: list[dict[str, Any]] | None = None,
        warnings: list[str] | None = None,
    ) -> None:
        self.profile = profile
        self.body = body
        self.attachments = list(attachments or [])
        """Summaries of what the request carries (for the ``start`` event)."""
        self.warnings = list(warnings or [])
        self.idle_timeout = idle_timeout
        self.connect_timeout = connect_timeout
        if thinking_prefilled is None:
            no_think = body.get("chat_template_kwargs", {}).get("enable_thinking") is False
            thinking_prefilled = profile.thinking_prefilled and not no_think
        self.thinking_prefilled = thinking_prefilled
        self.request_id = uuid.uuid4().hex
        self.url = chat_url(profile)

    def batches(self) -> Generator[list[Event], None, None]:
        model = str(self.body.get("model"))
        start = Start(self.profile.name, model, self.request_id, utc_timestamp(), self.url)
        start.attachments, start.warnings = self.attachments, self.warnings
        yield [start]
        httpx = import_httpx()
        out: list[Event] = []
        got_response = False
        timeout = httpx.Timeout(self.idle_timeout, connect=min(self.connect_timeout, self.idle_timeout))
        headers = {
            "Accept": "text/event-stream",
            "Content-Type": "application/json",
            "X-Request-ID": self.request_id,
        }
        key = self.profile.api_key()
        if key:
            headers["Authorization"] = f"Bearer {key}"
        # Certificates are loaded only when they can matter (that costs tens of milliseconds).
        client = httpx.Client(
            timeout=timeout, trust_env=kind_of(self.profile).is_remote, verify=self.url.startswith("https:")
        )
        translator = Translator(started=time.perf_counter(), thinking_prefilled=self.thinking_prefilled)
        terminal: TerminalEvent
        try:
            with client.stream("POST", self.url, content=orjson.dumps(self.body), headers=headers) as resp:
                got_response = True
                status = resp.status_code
                if not 200 <= status < 300:
                    raw = b""
                    for piece in resp.iter_bytes():
                        raw += piece
                        if len(raw) > MAX_ERROR_BODY:
                            break
                    yield [
                        Error("http_error", message_from_body(raw, status, resp.reason_phrase), status=status)
                    ]
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
        except httpx.TimeoutException as exc:
            translator.partial_output(out)
            if isinstance(exc, httpx.ConnectTimeout):
                terminal = self._unreachable(f"no answer from {self.url} within {timeout.connect:g} s")
            else:
                terminal = Error(
                    "idle_timeout",
                    f"no data from the server for {self.idle_timeout:g} s",
                    hint="raise --idle-timeout if the server is just slow",
                )
        except httpx.InvalidURL as exc:
            terminal = Error(
                "unreachable",
                f"the profile's URL is not valid ({self.url}): {exc}",
                hint=f"fix it: mlxchat profile edit {self.profile.name} --url URL",
            )
        except (httpx.ConnectError, httpx.UnsupportedProtocol) as exc:
            reason = _reason(exc)
            if reason == "connection refused" and self._is_local():
                message = f"the server of profile {self.profile.name} is not running (nothing at {self.url})"
            else:
                message = f"cannot connect to {self.url}: {reason}"
            terminal = self._unreachable(message)
        except httpx.TransportError as exc:
            translator.partial_output(out)
            if got_response:
                terminal = Error("stream_broken", f"the connection broke mid-stream: {_reason(exc)}")
            else:
                terminal = Error(
                    "stream_broken", f"the server closed the connection without answering: {_reason(exc)}"
                )
        finally:
            client.close()
        out.append(terminal)
        yield out

    def _is_local(self) -> bool:
        return not (kind_of(self.profile).is_remote or self.profile.url)

    def _unreachable(self, message: str) -> Error:
        if not self._is_local():
            hint = f"check that the server at {self.profile.base_url()} is up (profile {self.profile.name})"
        else:
            hint = f"mlxchat start {self.profile.name}"
        return Error("unreachable", message, hint=hint)


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


def drive(stream: ChatStream, write_batch: Callable[[list[Event]], None]) -> TerminalEvent:
    """Hand every batch to ``write_batch``; return the terminal event that ended the stream.

    Ctrl-C closes the request and ends the stream with an ``interrupted`` error event. An exception
    from ``write_batch`` (``OutputClosed`` when stdout's reader left) closes the request and propagates.
    """
    batches = stream.batches()
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
    if not isinstance(last, Done | Error):  # pragma: no cover - the stream always ends with one
        raise AssertionError("chat stream ended without a terminal event")
    return last
