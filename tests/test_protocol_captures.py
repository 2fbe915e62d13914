"""Bytes captured from real servers (tests/data/captures/, curl -N) through the decoder and translator,
whole and cut at every byte, plus every error body shape the servers send, and 200 answers that
are one JSON object or not an answer at all."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from mlxchat.chat.events import Event, Start
from mlxchat.chat.http_errors import body_excerpt, message_from_body
from mlxchat.chat.translate import Translator, from_body
from tests.chat_helpers import event_dicts, joined, translate_pieces, types

CAPTURES = Path(__file__).resolve().parent / "data" / "captures"


def capture(name: str) -> bytes:
    return (CAPTURES / name).read_bytes()


@pytest.mark.parametrize(
    ("name", "thinking", "answer", "finish"),
    [
        ("mlx-openai-server.stream_think.txt", "\nTwo plus two is four.\n", "\n\nThe answer is 4.", "stop"),
        ("mlx_lm.server.stream_think_usage.txt", "\nTwo plus two is four.\n", "\n\nThe answer is 4.", "stop"),
        ("mlx-openai-server.stream_nothink.txt", "", "The answer is 4.", "stop"),
        ("mlx-openai-server.stream_maxtokens3.txt", "\nT", "", "stop"),
        ("mlx_lm.server.stream_maxtokens3.txt", "\nT", "", "length"),
    ],
)
def test_captured_streams(name: str, thinking: str, answer: str, finish: str) -> None:
    data = capture(name)
    events = event_dicts(translate_pieces([data]))
    assert joined(events, "thinking") == thinking
    assert joined(events, "response") == answer
    assert events[-1]["type"] == "done" and events[-1]["finish_reason"] == finish
    assert types(events).count("thinking_done") == (1 if thinking else 0)
    # The same events whatever the network reads were: here, every possible two-way cut.
    strip = [{k: v for k, v in e.items() if k not in ("duration", "timing")} for e in events]
    for i in range(0, len(data), 7):
        again = event_dicts(translate_pieces([data[:i], data[i:]]))
        assert [{k: v for k, v in e.items() if k not in ("duration", "timing")} for e in again] == strip


def test_mlx_lm_usage_arrives_after_the_finish_chunk() -> None:
    events = event_dicts(translate_pieces([capture("mlx_lm.server.stream_think_usage.txt")]))
    assert events[-1]["usage"] == {
        "prompt_tokens": 19,
        "completion_tokens": 26,
        "total_tokens": 45,
        "cached_tokens": 18,
    }


def test_mlx_lm_without_usage_has_none() -> None:
    events = event_dicts(translate_pieces([capture("mlx_lm.server.stream_maxtokens3.txt")]))
    assert events[-1]["usage"] is None and events[-1]["timing"]["tokens_per_second"] is None


@pytest.mark.parametrize(
    ("name", "call_id"),
    [
        ("mlx-openai-server-toolparser.stream_toolcall.txt", "call_1795472481077784"),
        ("mlx_lm.server.stream_toolcall.txt", "80b6bcb6-3079-4b1c-80b5-e248efda3df7"),
    ],
)
def test_captured_tool_calls(name: str, call_id: str) -> None:
    events = event_dicts(translate_pieces([capture(name)]))
    calls = [e for e in events if e["type"] == "tool_call"]
    assert len(calls) == 1
    assert (calls[0]["id"], calls[0]["name"]) == (call_id, "get_weather")
    assert json.loads(calls[0]["arguments"]) == {"city": "Paris"}
    assert events[-1]["finish_reason"] == "tool_calls"


def test_inline_tags_from_a_server_without_a_parser() -> None:
    # mlx-openai-server without --reasoning-parser: the same tokens, tags left in the content.
    data = capture("mlx-openai-server.stream_think.txt").replace(
        b'"reasoning_content": ""', b'"content": "</think>"'
    )
    data = data.replace(b'"reasoning_content": "\\n"', b'"content": "<think>\\n"', 1)
    data = data.replace(b'"reasoning_content"', b'"content"')
    events = event_dicts(translate_pieces([data]))
    assert joined(events, "thinking") == "\nTwo plus two is four.\n"
    assert joined(events, "response") == "\n\nThe answer is 4."


def test_a_stream_cut_before_done_is_broken_and_keeps_its_output() -> None:
    data = capture("mlx-openai-server.stream_think.txt")
    cut_at = data.index(b'"content": " is"')
    events = event_dicts(translate_pieces([data[:cut_at]]))
    assert events[-1]["code"] == "stream_broken"
    assert joined(events, "response") == "\n\nThe answer"


# -- error bodies ----------------------------------------------------------------------------------

ERROR_BODIES = [
    # captured from the servers
    (
        422,
        b'{"detail":[{"type":"missing","loc":["body","messages"],"msg":"Field required","input":{}}]}',
        "messages: Field required",
    ),
    (
        422,
        b'{"detail":[{"type":"json_invalid","loc":["body",84],"msg":"JSON decode error","input":{}}]}',
        "84: JSON decode error",
    ),
    (404, b'{"error": "Only \'text\' content type is supported."}', "Only 'text' content type is supported."),
    (
        400,
        b'{"error": "Invalid JSON in request body: Expecting \',\' delimiter: line 1 column 85 (char 84)"}',
        "Invalid JSON in request body",
    ),
    (
        404,
        b'{"detail":{"error":{"message":"Model \'x\' not found. Available models: a",'
        b'"type":"model_not_found","code":404}}}',
        "Model 'x' not found. Available models: a",
    ),
    (
        500,
        b'{"error":{"message":"Internal server error","type":"internal_error"}}',
        "Internal server error",
    ),
    # other shapes seen in the wild
    (404, b'{"detail":"Not Found"}', "Not Found"),
    (401, b'{"message":"Invalid API key"}', "Invalid API key"),
    (502, b"<html><body>Bad Gateway</body></html>", "<html><body>Bad Gateway</body></html>"),
    (503, b"", "Service Unavailable"),
]


@pytest.mark.parametrize(("status", "body", "expected"), ERROR_BODIES)
def test_the_servers_message_is_found_in_every_body_shape(status: int, body: bytes, expected: str) -> None:
    message = message_from_body(body, status, "Service Unavailable")
    assert message.startswith(f"HTTP {status}: ")
    assert expected in message


def test_a_huge_error_body_is_shortened() -> None:
    assert len(message_from_body(b"x" * 10_000, 500)) < 600


# -- a 200 answer that is not an event stream ------------------------------------------------------


def body_events(raw: bytes) -> list[dict[str, Any]]:
    translator = Translator(started=time.perf_counter())
    out: list[Event] = [Start("offline", "m", "r", "2026-01-01T00:00:00.000Z", "http://127.0.0.1:1/v1")]
    out.append(from_body(raw, translator, out))
    return event_dicts(out)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'{"choices": [{"message": {"reasoning": "Hm.", "content": "Four."}}]}', ("done", "Four.")),
        (b'{"choices": {"message": {"content": "one choice"}}}', ("done", "one choice")),
        (b'{"choices": [{"message": {"content": null, "refusal": "No."}}]}', ("done", "No.")),
        (b'{"choices": 3}', ("bad_response", "")),
        (b'{"error": {"message": "over capacity"}}', ("server_error", "")),
        (b"[1, 2]", ("bad_response", "")),
        (b"\xff\xfe not text", ("bad_response", "")),
    ],
)
def test_a_body_that_is_one_json_answer_or_anything_else(body: bytes, expected: tuple[str, str]) -> None:
    events = body_events(body)
    end = events[-1]
    assert (end.get("code", end["type"]), joined(events, "response")) == expected


def test_what_a_body_that_is_not_an_answer_is_called() -> None:
    assert body_excerpt(b"") == "an empty body"
    assert (
        body_excerpt(b"<!DOCTYPE html><html><title>\n Bad\n Gateway </title>") == "an HTML page (Bad Gateway)"
    )
    assert body_excerpt(b"<html><body>no title</body></html>") == "an HTML page"
    assert body_excerpt(b"\n  first line\nsecond") == "'first line'"
    assert len(body_excerpt(b"x" * 10_000)) < 210
