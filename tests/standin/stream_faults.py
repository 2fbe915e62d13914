"""Stand-in scenarios for stream shapes other servers send, and ways a 200 answer goes wrong.

server.py adds them to the scenarios of scenarios.py (a request picks one with its ``model``
field). Each says which server or peer behaviour it stands for.
"""

from __future__ import annotations

import json
from typing import Any

try:  # run as the server script (tests/standin on sys.path) or imported by the tests
    from scenarios import USAGE, Responder, chunk
except ImportError:  # pragma: no cover - depends on how the module is reached
    from tests.standin.scenarios import USAGE, Responder, chunk

BOM = b"\xef\xbb\xbf"
FIRST_THINK_ONLY = "Wrap reasoning in <think> tags, then close them."
TAGS_IN_ANSWER = "Use:\n```\n<think>\nplan\n</think>\n```\nDone."
HUGE_EVENT_BYTES = 2 * 1024 * 1024
SERVER_MESSAGE = "context shift is disabled"


def _finish(r: Responder) -> None:
    r.event(chunk({}, "stop", usage=USAGE))
    r.done()


def bom(r: Responder, body: dict[str, Any], options: Any) -> None:
    """A byte order mark before the first event (WHATWG: skipped)."""
    r.start_stream()
    r.raw(BOM + b"data: " + json.dumps(chunk({"content": "Hello"})).encode() + b"\n\n")
    r.event(chunk({"content": " world"}))
    _finish(r)


def error_field(r: Responder, body: dict[str, Any], options: Any) -> None:
    """llama.cpp before September 2025: content, then the error as an SSE ``error:`` field, then
    the connection closes (no [DONE])."""
    r.start_stream()
    r.event(chunk({"role": "assistant", "content": "The"}))
    error = {"code": 500, "message": SERVER_MESSAGE, "type": "server_error"}
    r.raw(b"error: " + json.dumps(error).encode() + b"\n\n")


def event_error(r: Responder, body: dict[str, Any], options: Any) -> None:
    """An ``event: error`` event after some content."""
    r.start_stream()
    r.event(chunk({"content": "The"}))
    r.raw(b"event: error\ndata: " + json.dumps({"error": {"message": SERVER_MESSAGE}}).encode() + b"\n\n")


def falsy_error(r: Responder, body: dict[str, Any], options: Any) -> None:
    """Chunks that carry ``error`` with a falsy value: no error (as the OpenAI SDK reads them)."""
    r.start_stream()
    for text, value in (("The", False), (" answer", ""), (" is", None), (" 4.", {})):
        r.event(chunk({"content": text}, error=value))
    _finish(r)


def refusal(r: Responder, body: dict[str, Any], options: Any) -> None:
    """OpenAI-style refusal: the text arrives in ``delta.refusal``, content stays null."""
    r.start_stream()
    r.event(chunk({"role": "assistant", "content": None, "refusal": ""}))
    for text in ("I'm sorry,", " I can't help with that."):
        r.event(chunk({"content": None, "refusal": text}))
    _finish(r)


def content_parts(r: Responder, body: dict[str, Any], options: Any) -> None:
    """Mistral-style content: lists of parts, ``thinking`` parts first."""
    r.start_stream()
    thinking = [{"type": "text", "text": "Two plus two is four."}]
    r.event(chunk({"role": "assistant", "content": [{"type": "thinking", "thinking": thinking}]}))
    for text in ("The answer", " is 4."):
        r.event(chunk({"content": [{"type": "text", "text": text}]}))
    _finish(r)


def tool_fragments_no_index(r: Responder, body: dict[str, Any], options: Any) -> None:
    """A tool call in fragments that carry no ``index`` (Gemini's OpenAI-compatible API)."""
    r.start_stream()
    first = {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": ""}}
    r.event(chunk({"role": "assistant", "tool_calls": [first]}))
    for piece in ('{"city": ', '"Paris"}'):
        r.event(chunk({"tool_calls": [{"function": {"arguments": piece}}]}))
    r.event(chunk({}, "tool_calls", usage=USAGE))
    r.done()


def odd_choices(r: Responder, body: dict[str, Any], options: Any) -> None:
    """``choices`` as an object, a number and a string, a delta that is a string: no crash."""
    r.start_stream()
    for obj in ({"choices": 3}, {"choices": "all"}, {"choices": [{"delta": "text"}]}):
        r.event({"id": "chatcmpl-standin", **obj})
    r.event({"id": "chatcmpl-standin", "choices": {"index": 0, "delta": {"content": "The answer is 4."}}})
    _finish(r)


def two_choices(r: Responder, body: dict[str, Any], options: Any) -> None:
    """``n=2``: choices listed index 1 first in one chunk, and chunks of index 1 alone (as vLLM
    interleaves them); only index 0 is the answer."""
    r.start_stream()
    both = [{"index": 1, "delta": {"content": "Other"}}, {"index": 0, "delta": {"content": "The answer"}}]
    r.event({"id": "chatcmpl-standin", "choices": both})
    r.event({"id": "chatcmpl-standin", "choices": [{"index": 1, "delta": {"content": " text"}}]})
    r.event(chunk({"content": " is 4."}))
    r.event({"id": "chatcmpl-standin", "choices": [{"index": 1, "delta": {}, "finish_reason": "length"}]})
    _finish(r)


def first_think_only(r: Responder, body: dict[str, Any], options: Any) -> None:
    """A server without a reasoning parser; the answer itself mentions the tags (split)."""
    r.start_stream()
    cut = FIRST_THINK_ONLY.index("<think>") + 3
    for text in (FIRST_THINK_ONLY[:cut], FIRST_THINK_ONLY[cut:]):
        r.event(chunk({"content": text}))
    _finish(r)


def tags_in_answer(r: Responder, body: dict[str, Any], options: Any) -> None:
    """Inline reasoning, then an answer whose code block shows the tags."""
    r.start_stream()
    for text in ("<think>\nTwo plus", " two.\n</think>\n\n", TAGS_IN_ANSWER):
        r.event(chunk({"content": text}))
    _finish(r)


def no_final_blank_line(r: Responder, body: dict[str, Any], options: Any) -> None:
    """The stream ends with ``data: [DONE]`` and no blank line after it."""
    r.start_stream()
    r.event(chunk({"content": "The answer is 4."}))
    r.event(chunk({}, "stop", usage=USAGE))
    r.raw(b"data: [DONE]")


def finish_then_close(r: Responder, body: dict[str, Any], options: Any) -> None:
    """The finish chunk (with usage), then the connection closes without [DONE]."""
    r.start_stream()
    r.event(chunk({"content": "The answer is 4."}))
    r.event(chunk({}, "stop", usage=USAGE))


def finish_usage_then_close(r: Responder, body: dict[str, Any], options: Any) -> None:
    """The finish chunk, a usage chunk of its own (``choices: []``), then a close without [DONE]."""
    r.start_stream()
    r.event(chunk({"content": "The answer is 4."}))
    r.event(chunk({}, "length"))
    r.event({"id": "chatcmpl-standin", "object": "chat.completion.chunk", "choices": [], "usage": USAGE})


def tool_finish_then_close(r: Responder, body: dict[str, Any], options: Any) -> None:
    """A tool call whose finish chunk is the last thing sent (no [DONE])."""
    r.start_stream()
    call = {"index": 0, "id": "call_1", "type": "function", "function": {"name": "get_weather"}}
    r.event(chunk({"tool_calls": [call]}))
    r.event(chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"city": "Paris"}'}}]}))
    r.event(chunk({}, "tool_calls"))


BAD_CHUNKS: dict[str, tuple[bytes, str]] = {
    # A data line orjson refuses, and the text that must still arrive from it.
    "invalid-utf8": (
        b'{"choices": [{"index": 0, "delta": {"content": " caf\xe9 \xf0\x9f ok"}}]}',
        " caf\ufffd \ufffd ok",
    ),
    "lone-surrogate": (
        b'{"choices": [{"index": 0, "delta": {"content": " a\\ud800b \\ud83d\\ude00"}}]}',
        " a\ufffdb \U0001f600",
    ),
    "huge-number": (
        b'{"choices": [{"index": 0, "delta": {"content": " is 4."}}], "usage": {"completion_tokens": 1e999}}',
        " is 4.",
    ),
}
"""Scenarios ``bad-chunk-NAME``: "The answer", this chunk, then a normal end."""


def _bad_chunk(name: str) -> Any:
    def scenario(r: Responder, body: dict[str, Any], options: Any) -> None:
        r.start_stream()
        r.event(chunk({"content": "The answer"}))
        r.raw(b"data: " + BAD_CHUNKS[name][0] + b"\n\n")
        _finish(r)

    return scenario


def huge_event(r: Responder, body: dict[str, Any], options: Any) -> None:
    """One content event of HUGE_EVENT_BYTES, written 1 KiB at a time."""
    r.start_stream()
    data = b"data: " + json.dumps(chunk({"content": "x" * HUGE_EVENT_BYTES})).encode() + b"\n\n"
    view = memoryview(data)
    for i in range(0, len(data), 1024):
        r.handler.wfile.write(view[i : i + 1024])
    r.handler.wfile.flush()
    _finish(r)


VLLM_MESSAGE = "This model's maximum context length is 4096 tokens. However, you requested 6009 tokens."
ERROR_OBJECTS: dict[str, dict[str, Any]] = {
    # vLLM and sglang: the error object itself, flat, with the status as its code.
    "flat": {
        "object": "error",
        "message": VLLM_MESSAGE,
        "type": "BadRequestError",
        "param": None,
        "code": 400,
    },
    "string": {"error": VLLM_MESSAGE},  # mlx_lm.server
    "detail": {"detail": VLLM_MESSAGE},  # FastAPI
    "detail-list": {"detail": [{"loc": ["body", "messages"], "msg": VLLM_MESSAGE, "type": "value_error"}]},
}
"""Error objects of every shape, each sent as a chunk of a 200 stream (after content, or first) and
as a whole 200 body: scenarios ``error-chunk-SHAPE``, ``error-first-SHAPE``, ``error-body-SHAPE``."""


def _error_chunk(shape: str, after_content: bool) -> Any:
    def scenario(r: Responder, body: dict[str, Any], options: Any) -> None:
        r.start_stream()
        if after_content:
            r.event(chunk({"role": "assistant", "content": "The"}))
        r.event(ERROR_OBJECTS[shape])
        r.done()

    return scenario


def _error_body(shape: str) -> Any:
    def scenario(r: Responder, body: dict[str, Any], options: Any) -> None:
        _body(r, "application/json", json.dumps(ERROR_OBJECTS[shape]).encode())

    return scenario


LEMONADE_MESSAGE = "request (6009 tokens) exceeds the available context size (4096 tokens)"
HTML_PAGE = b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n<body>nginx</body></html>\n"


def _body(r: Responder, content_type: str, data: bytes, **headers: str) -> None:
    """A 200 answer with this body, ended by closing the connection."""
    h = r.handler
    h.send_response(200)
    h.send_header("Content-Type", content_type)
    for name, value in headers.items():
        h.send_header(name.replace("_", "-"), value)
    h.send_header("Connection", "close")
    h.end_headers()
    h.close_connection = True
    r.raw(data)


def bare_json_error(r: Responder, body: dict[str, Any], options: Any) -> None:
    """lemonade: the backend's JSON error body forwarded unframed inside a 200 event stream."""
    error = {"code": 400, "message": LEMONADE_MESSAGE, "type": "exceed_context_size_error"}
    _body(r, "text/event-stream", json.dumps({"error": error}).encode())


def html_page(r: Responder, body: dict[str, Any], options: Any) -> None:
    """A proxy's HTML error page with status 200."""
    _body(r, "text/html", HTML_PAGE)


def plain_text(r: Responder, body: dict[str, Any], options: Any) -> None:
    """Plain text with status 200, labelled as an event stream."""
    _body(r, "text/event-stream", b"upstream connect error or disconnect/reset before headers\n")


def gzip_lie(r: Responder, body: dict[str, Any], options: Any) -> None:
    """``Content-Encoding: gzip`` on a body that is not gzip."""
    events = b"data: " + json.dumps(chunk({"content": "The answer"})).encode() + b"\n\ndata: [DONE]\n\n"
    _body(r, "text/event-stream", events, Content_Encoding="gzip")


def stream_labelled_json(r: Responder, body: dict[str, Any], options: Any) -> None:
    """An event stream sent with ``Content-Type: application/json``."""
    events = [chunk({"content": "The answer"}), chunk({"content": " is 4."}), chunk({}, "stop", usage=USAGE)]
    data = b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in events) + b"data: [DONE]\n\n"
    _body(r, "application/json", data)


SCENARIOS = {
    "bom": bom,
    "error-field": error_field,
    "event-error": event_error,
    "falsy-error": falsy_error,
    "refusal": refusal,
    "content-parts": content_parts,
    "tool-fragments-no-index": tool_fragments_no_index,
    "odd-choices": odd_choices,
    "two-choices": two_choices,
    "first-think-only": first_think_only,
    "tags-in-answer": tags_in_answer,
    "no-final-blank-line": no_final_blank_line,
    "huge-event": huge_event,
    "finish-then-close": finish_then_close,
    **{f"bad-chunk-{name}": _bad_chunk(name) for name in BAD_CHUNKS},
    "finish-usage-then-close": finish_usage_then_close,
    "tool-finish-then-close": tool_finish_then_close,
    "bare-json-error": bare_json_error,
    "html-page": html_page,
    "plain-text": plain_text,
    "gzip-lie": gzip_lie,
    "stream-labelled-json": stream_labelled_json,
    **{f"error-chunk-{shape}": _error_chunk(shape, after_content=True) for shape in ERROR_OBJECTS},
    **{f"error-first-{shape}": _error_chunk(shape, after_content=False) for shape in ERROR_OBJECTS},
    **{f"error-body-{shape}": _error_body(shape) for shape in ERROR_OBJECTS},
}
