"""What the stand-in server answers to a chat request, by scenario name.

Each scenario is a function ``(responder, request_body, server_options) -> None`` registered in
``SCENARIOS``. A request picks one with its ``model`` field.
"""

from __future__ import annotations

import json
import select
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Protocol


class _Handler(Protocol):
    wfile: Any
    connection: Any
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

    def wait_for_client_to_leave(self, limit: float) -> bool:
        """Send nothing until the client closes the connection (True) or ``limit`` seconds pass."""
        sock = self.handler.connection
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            readable, _, _ = select.select([sock], [], [], 0.05)
            if readable:
                try:
                    if not sock.recv(1024):
                        return True
                except OSError:
                    return True
        return False


HAPPENINGS: list[str] = []
"""What scenarios saw (e.g. "stall: client closed"), served at GET /standin/happenings for tests."""
_happenings_lock = threading.Lock()


def record(what: str) -> None:
    with _happenings_lock:
        HAPPENINGS.append(what)


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


def think_reasoning(r: Responder, body: dict[str, Any], options: Any) -> None:
    """Like mlx_lm.server: a keepalive comment, delta.reasoning, finish_reason null until the end,
    then usage in a chunk of its own with ``choices: []`` (only when stream_options asks)."""
    r.start_stream()
    r.raw(b": keepalive 1/1\n\n")
    for delta in [{"role": "assistant", "reasoning": t} for t in REASONING] + [
        {"role": "assistant", "content": t} for t in ANSWER
    ]:
        if options.delay:
            time.sleep(options.delay)
        r.event(chunk(delta))
    r.event(chunk({"role": "assistant"}, "stop"))
    if (body.get("stream_options") or {}).get("include_usage"):
        r.event({"id": "chatcmpl-standin", "object": "chat.completion", "choices": [], "usage": USAGE})
    r.done()


def usage_only_final(r: Responder, body: dict[str, Any], options: Any) -> None:
    """An answer without reasoning; usage arrives after the finish chunk, with ``choices: []``."""
    r.start_stream()
    for t in ANSWER:
        r.event(chunk({"content": t}))
    r.event(chunk({}, "length"))
    r.event({"id": "chatcmpl-standin", "object": "chat.completion", "choices": [], "usage": USAGE})
    r.done()


INLINE = ["<thi", "nk>\nTwo plus", " two is four.\n</", "think", ">\n\nThe answer", " is 4."]


def think_inline(r: Responder, body: dict[str, Any], options: Any) -> None:
    """A server without a reasoning parser: <think> tags inside content, split across chunks."""
    _stream(r, [{"content": t} for t in INLINE], options.delay)


def think_prefilled(r: Responder, body: dict[str, Any], options: Any) -> None:
    """The chat template opened <think> itself: only the closing tag appears (split), in content."""
    prefilled = ["\nTwo plus", *INLINE[2:]]
    _stream(r, [{"content": t} for t in prefilled], options.delay)


def tool_call(r: Responder, body: dict[str, Any], options: Any) -> None:
    """mlx-openai-server with a tool parser: reasoning, then the whole call in one chunk."""
    r.start_stream()
    r.event(chunk({"role": "assistant", "reasoning_content": "I should call the weather tool."}))
    r.event(chunk({"role": "assistant", "content": "\n\n"}))
    call = {
        "index": 0,
        "id": "call_1",
        "type": "function",
        "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
    }
    r.event(chunk({"role": "assistant", "tool_calls": [call]}))
    r.event(chunk({}, "tool_calls", usage=USAGE))
    r.done()


def close_mid_stream(r: Responder, body: dict[str, Any], options: Any) -> None:
    """Some of the answer, then the connection closes: no finish chunk, no [DONE]."""
    r.start_stream()
    r.event(chunk({"content": "The answer"}))
    r.event(chunk({"content": " is"}))


def stall(r: Responder, body: dict[str, Any], options: Any) -> None:
    """Some of the answer, then silence until the client gives up (recorded for the test)."""
    r.start_stream()
    r.event(chunk({"content": "The answer"}))
    messages = body.get("messages") or [{}]
    prompt = messages[-1].get("content")  # names the request in the record
    record(f"stall: started: {prompt}")
    if r.wait_for_client_to_leave(limit=600):
        record(f"stall: client closed: {prompt}")


def malformed(r: Responder, body: dict[str, Any], options: Any) -> None:
    """Good chunks mixed with SSE comments, a line that is not JSON, and non-object JSON."""
    r.start_stream()
    r.raw(b": a comment\n\n")
    r.event(chunk({"content": "The answer"}))
    r.raw(b"data: {not json\n\n")
    r.raw(b": keepalive\n\n")
    r.raw(b"data: 42\n\n")
    r.event(chunk({"content": " is 4."}))
    r.event(chunk({}, "stop", usage=USAGE))
    r.done()


def crlf(r: Responder, body: dict[str, Any], options: Any) -> None:
    """CRLF line endings and ``data:`` without a space."""
    r.start_stream()
    for delta in [{"reasoning_content": "Two plus two."}, {"content": "The answer"}, {"content": " is 4."}]:
        r.raw(b"data:" + json.dumps(chunk(delta)).encode() + b"\r\n\r\n")
    r.raw(b"data:" + json.dumps(chunk({}, "stop", usage=USAGE)).encode() + b"\r\n\r\n")
    r.raw(b"data:[DONE]\r\n\r\n")


UTF8_ANSWER = "Grüße, 世界! 🎉 é"


def utf8_split(r: Responder, body: dict[str, Any], options: Any) -> None:
    """Multi-byte UTF-8 characters split across separate network writes."""
    r.start_stream()
    data = b"data: " + json.dumps(chunk({"content": UTF8_ANSWER}), ensure_ascii=False).encode() + b"\n\n"
    middle = data.index("世".encode()) + 1  # inside the 3-byte character
    emoji = data.index("🎉".encode()) + 2  # inside the 4-byte character
    for piece in (data[:middle], data[middle:emoji], data[emoji:]):
        r.raw(piece)
        time.sleep(0.05)  # separate reads on the client
    r.event(chunk({}, "stop", usage=USAGE))
    r.done()


def no_final_chunk(r: Responder, body: dict[str, Any], options: Any) -> None:
    """The answer, then [DONE] with no finish_reason chunk and no usage."""
    r.start_stream()
    for t in ANSWER:
        r.event(chunk({"content": t}))
    r.done()


def error_mid_stream(r: Responder, body: dict[str, Any], options: Any) -> None:
    """mlx-openai-server reporting a failure after 200: an error object, then stop and [DONE]."""
    r.start_stream()
    r.event(chunk({"role": "assistant", "content": "The"}))
    r.event({"error": {"message": "Queue is full", "type": "server_error", "code": 429}})
    r.event(chunk({}, "stop", usage=USAGE))
    r.done()


def multimodal_thread_defect(r: Responder, body: dict[str, Any], options: Any) -> None:
    """mlx-openai-server 1.7.1 multimodal on MLX 0.32 (CPU), byte for byte: every image request fails."""
    r.start_stream()
    r.event(chunk({"role": "assistant"}))
    message = "Failed to generate multimodal stream: There is no Stream(cpu, 0) in current thread."
    r.event({"error": {"message": message, "type": "server_error", "param": None, "code": "500"}})
    r.event(chunk({}, "stop"))
    r.done()


def vlm_usage(r: Responder, body: dict[str, Any], options: Any) -> None:
    """mlx_vlm.server: <think> inline in content, usage named input_tokens/output_tokens on every chunk."""
    r.start_stream()
    for count, piece in enumerate([*INLINE, ""], start=1):
        usage: dict[str, float] = {"input_tokens": 10, "output_tokens": count, "total_tokens": 10 + count}
        usage |= {"prompt_tps": 50.0, "generation_tps": 80.0, "peak_memory": 0.1}
        finish = "stop" if piece == "" else None
        r.event(chunk({"role": "assistant", "content": piece, "tool_calls": []}, finish, usage=usage))
    r.done()


def http_error(status: int, body: Any) -> Callable[[Responder, dict[str, Any], Any], None]:
    def scenario(r: Responder, request: dict[str, Any], options: Any) -> None:
        r.json(status, body)

    scenario.__doc__ = f"HTTP {status} with {json.dumps(body)}"
    return scenario


HTTP_ERRORS: dict[str, tuple[int, Any, str]] = {
    # name: (status, body, the message that must reach the user)
    "error-object": (
        400,
        {"error": {"message": "Bad request: too many images", "type": "invalid_request_error", "code": 400}},
        "Bad request: too many images",
    ),
    "error-detail": (
        404,
        {"detail": {"error": {"message": "Model 'x' not found", "type": "model_not_found", "code": 404}}},
        "Model 'x' not found",
    ),
    "error-validation": (
        422,
        {"detail": [{"type": "missing", "loc": ["body", "messages"], "msg": "Field required", "input": {}}]},
        "messages: Field required",
    ),
    "error-text": (404, {"error": "Only 'text' content type is supported."}, "Only 'text' content type"),
    "error-internal": (
        500,
        {"error": {"message": "Internal server error", "type": "internal_error"}},
        "Internal",
    ),
}


def echo(r: Responder, body: dict[str, Any], options: Any) -> None:
    """The request body the server received, as the answer (JSON text), so tests can check it.

    Each request is also recorded as ``echo: <the text of its last message>``, so a test can tell
    that a command sent nothing."""
    record(f"echo: {last_text(body)}")
    r.start_stream()
    r.event(chunk({"content": json.dumps(body, sort_keys=True)}))
    r.event(chunk({}, "stop"))
    r.done()


def last_text(body: dict[str, Any]) -> str:
    messages = body.get("messages") or [{}]
    content = messages[-1].get("content") if isinstance(messages[-1], dict) else None
    if isinstance(content, list):
        return " ".join(
            str(p.get("text", "")) for p in content if isinstance(p, dict) and p.get("type") == "text"
        )
    return str(content)


def json_answer(r: Responder, body: dict[str, Any], options: Any) -> None:
    """A server that ignores ``stream: true`` and answers with one chat completion object."""
    message = {"role": "assistant", "reasoning_content": "Two plus two.", "content": "The answer is 4."}
    r.json(
        200,
        {
            "id": "chatcmpl-json",
            "object": "chat.completion",
            "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
            "usage": USAGE,
        },
    )


_FAST_CACHE: dict[int, bytes] = {}


def fast_stream_bytes(count: int) -> bytes:
    """``count`` tiny content chunks, built once (the server's own cost stays out of the measurement)."""
    if count not in _FAST_CACHE:
        one = b"data: " + json.dumps(chunk({"content": "tok"})).encode() + b"\n\n"
        final = b"data: " + json.dumps(chunk({}, "stop", usage=USAGE)).encode() + b"\n\ndata: [DONE]\n\n"
        _FAST_CACHE[count] = one * count + final
    return _FAST_CACHE[count]


def fast(r: Responder, body: dict[str, Any], options: Any) -> None:
    """``--chunks`` tiny chunks as fast as the socket takes them (throughput benchmark)."""
    data = fast_stream_bytes(options.chunks)
    r.start_stream()
    view = memoryview(data)
    step = 1 << 16
    for i in range(0, len(data), step):
        r.handler.wfile.write(view[i : i + step])
    r.handler.wfile.flush()


def markdown(r: Responder, body: dict[str, Any], options: Any) -> None:
    """A long Markdown answer of about ``--chunks`` tokens, one token per chunk, at full speed."""
    from markdown_doc import markdown_doc, token_chunks

    lines = [
        b"data: " + json.dumps(chunk({"content": t})).encode() + b"\n\n"
        for t in token_chunks(markdown_doc(options.chunks))
    ]
    r.start_stream()
    r.raw(b"".join(lines))
    r.event(chunk({}, "stop", usage={**USAGE, "completion_tokens": len(lines)}))
    r.done()


def paced(r: Responder, body: dict[str, Any], options: Any) -> None:
    """A document streamed at a real model's pace: ``"model": "paced:KIND:SIZE:RATE[:KEY=N...]"``.

    KIND and SIZE pick the document (markdown_doc.document), sent one token (4 characters) per
    chunk at RATE tokens a second (0: the whole stream in one write). ``reasoning=N`` sends N
    tokens of reasoning first, at the same pace; ``stall=N`` stops after N tokens (reasoning
    included) and waits for the client to leave. Records ``paced: sent`` after the last byte (or
    ``paced: stalled``), then ``paced: client left`` once the client closed the connection.
    """
    from markdown_doc import document, reasoning_text, token_chunks

    _, kind, size, rate, *rest = str(body.get("model")).split(":")
    extra = {key: int(value) for key, _, value in (item.partition("=") for item in rest)}
    thinking = token_chunks(reasoning_text(extra["reasoning"])) if "reasoning" in extra else []
    deltas = [{"reasoning_content": t} for t in thinking]
    deltas += [{"content": t} for t in token_chunks(document(kind, int(size)))]
    stall = extra.get("stall")
    events = [b"data: " + json.dumps(chunk(delta)).encode() + b"\n\n" for delta in deltas[:stall]]
    r.start_stream()
    per_second = float(rate)
    if per_second <= 0:
        r.raw(b"".join(events))
    else:
        started = time.monotonic()
        for i, event in enumerate(events):
            wait = started + i / per_second - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            r.raw(event)
    if stall is None:
        r.event(chunk({}, "stop", usage={**USAGE, "completion_tokens": len(events)}))
        r.done()
    record("paced: stalled" if stall is not None else "paced: sent")
    if r.wait_for_client_to_leave(600):
        record("paced: client left")


def timestamps(r: Responder, body: dict[str, Any], options: Any) -> None:
    """``--chunks`` chunks ``--delay`` seconds apart; each one's content is the time it was written
    (``time.time()``), so a reader can measure the latency added between the server and stdout."""
    r.start_stream()
    for _ in range(options.chunks):
        time.sleep(options.delay)
        r.event(chunk({"content": repr(time.time())}))
    r.event(chunk({}, "stop", usage=USAGE))
    r.done()


def replay(r: Responder, body: dict[str, Any], options: Any) -> None:
    """The response another server gave, exactly: ``--replay FILE`` names a JSON file with ``status``,
    ``content_type`` and ``body`` (text). For answers the CLI cannot ask a real server for."""
    recorded = json.loads(Path(options.replay).read_text(encoding="utf-8"))
    data = recorded["body"].encode()
    h = r.handler
    h.send_response(int(recorded["status"]))
    h.send_header("Content-Type", recorded["content_type"])
    h.send_header("Content-Length", str(len(data)))
    h.send_header("Connection", "close")
    h.end_headers()
    h.close_connection = True
    r.raw(data)


SCENARIOS: dict[str, Callable[[Responder, dict[str, Any], Any], None]] = {
    "think-content": think_content,
    "think-reasoning": think_reasoning,
    "think-inline": think_inline,
    "think-prefilled": think_prefilled,
    "usage-only-final": usage_only_final,
    "tool-call": tool_call,
    "close-mid-stream": close_mid_stream,
    "stall": stall,
    "malformed": malformed,
    "crlf": crlf,
    "utf8-split": utf8_split,
    "no-final-chunk": no_final_chunk,
    "error-mid-stream": error_mid_stream,
    "multimodal-thread-defect": multimodal_thread_defect,
    "vlm-usage": vlm_usage,
    "echo": echo,
    "json-answer": json_answer,
    "fast": fast,
    "markdown": markdown,
    "paced": paced,
    "timestamps": timestamps,
    "replay": replay,
    **{name: http_error(status, body) for name, (status, body, _) in HTTP_ERRORS.items()},
}
