"""The tiny model served for real, spoken to with httpx directly; and the start/stop helper itself.

These pin what the rest of the suite relies on: where each server puts reasoning, that the tiny
model answers as documented (docs/tiny-model.md), and that stopping leaves no process behind.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from tests.fixtures.processes import group_members, is_alive
from tests.fixtures.real_servers import (
    RealServer,
    mlxlm_server_available,
    start_mlxlm_server,
    stop_real_server,
)

pytestmark = pytest.mark.real_server

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string", "description": "The city name."}},
            "required": ["city"],
        },
    },
}


def stream(server: RealServer, prompt: str, **extra: Any) -> list[dict[str, Any]]:
    """POST a streaming chat completion at temperature 0; the parsed ``data:`` chunks, in order."""
    body = {
        "model": server.model,
        "messages": [{"role": "user", "content": prompt}],
        "stream": True,
        "temperature": 0,
        "max_tokens": 120,
        **extra,
    }
    chunks: list[dict[str, Any]] = []
    with httpx.stream("POST", f"{server.base_url}/chat/completions", json=body, timeout=60) as response:
        assert response.status_code == 200, response.read()
        done = False
        for line in response.iter_lines():
            if not line.startswith("data: "):
                continue  # blank separators, ": keepalive" comments
            if line == "data: [DONE]":
                done = True
                break
            chunks.append(json.loads(line[len("data: ") :]))
    assert done, "the stream ended without [DONE]"
    return chunks


def deltas(chunks: list[dict[str, Any]], field: str) -> str:
    return "".join(
        choice.get("delta", {}).get(field) or "" for chunk in chunks for choice in chunk.get("choices", [])
    )


def finish_reason(chunks: list[dict[str, Any]]) -> str | None:
    reasons = [
        c["finish_reason"] for chunk in chunks for c in chunk.get("choices", []) if c.get("finish_reason")
    ]
    return reasons[-1] if reasons else None


@pytest.mark.parametrize(
    ("fixture", "reasoning_field"), [("openai_server", "reasoning_content"), ("mlxlm_server", "reasoning")]
)
def test_reasoning_is_separated(request: pytest.FixtureRequest, fixture: str, reasoning_field: str) -> None:
    server: RealServer = request.getfixturevalue(fixture)
    chunks = stream(server, "What is 2+2?")
    assert deltas(chunks, reasoning_field).strip() == "Two plus two is four."
    assert deltas(chunks, "content").strip() == "The answer is 4."
    assert "<think>" not in deltas(chunks, "content")
    assert finish_reason(chunks) == "stop"


def test_without_a_parser_think_tags_stay_in_the_content(openai_server_no_parser: RealServer) -> None:
    chunks = stream(openai_server_no_parser, "What is 2+2?")
    assert deltas(chunks, "content") == "<think>\nTwo plus two is four.\n</think>\n\nThe answer is 4."
    assert deltas(chunks, "reasoning_content") == ""


@pytest.mark.parametrize(
    ("fixture", "reasoning_field"), [("openai_server", "reasoning_content"), ("mlxlm_server", "reasoning")]
)
def test_thinking_off(request: pytest.FixtureRequest, fixture: str, reasoning_field: str) -> None:
    server: RealServer = request.getfixturevalue(fixture)
    chunks = stream(server, "What is 2+2?", chat_template_kwargs={"enable_thinking": False})
    assert deltas(chunks, "content") == "The answer is 4."
    assert deltas(chunks, reasoning_field) == ""


@pytest.mark.parametrize("fixture", ["openai_server", "mlxlm_server"])
def test_tool_call(request: pytest.FixtureRequest, fixture: str) -> None:
    server: RealServer = request.getfixturevalue(fixture)
    chunks = stream(server, "What is the weather in Paris?", tools=[WEATHER_TOOL])
    calls = [
        call
        for chunk in chunks
        for choice in chunk.get("choices", [])
        for call in choice.get("delta", {}).get("tool_calls") or []
    ]
    assert [call["function"]["name"] for call in calls] == ["get_weather"]
    assert json.loads(calls[0]["function"]["arguments"]) == {"city": "Paris"}
    assert finish_reason(chunks) == "tool_calls"


@pytest.mark.parametrize("fixture", ["openai_server", "mlxlm_server"])
def test_unseen_prompt_gets_the_fallback(request: pytest.FixtureRequest, fixture: str) -> None:
    server: RealServer = request.getfixturevalue(fixture)
    chunks = stream(server, "Tell me a story.")
    assert deltas(chunks, "content").strip() == "I am a tiny test model."


def test_models_list_the_path_the_server_was_started_with(mlxlm_server: RealServer) -> None:
    listed = httpx.get(f"{mlxlm_server.base_url}/models", timeout=10).json()
    assert mlxlm_server.model in [entry["id"] for entry in listed["data"]]
    assert Path(mlxlm_server.model).is_dir()


def test_stop_ends_the_whole_group(tmp_path: Path) -> None:
    """On a short-lived server of its own; the session servers get the same check when they stop."""
    if not mlxlm_server_available():
        pytest.skip("mlx-lm is not installed")
    hf_cache = tmp_path / "hf-cache"
    hf_cache.mkdir()
    server = start_mlxlm_server(tmp_path / "mlxlm.log", hf_cache)
    try:
        members = group_members(server.pgid) + psutil.Process(server.process.pid).children(recursive=True)
        assert server.process.pid in [proc.pid for proc in members]
    finally:
        stop_real_server(server)
    assert server.process.returncode is not None
    assert not [proc for proc in members if is_alive(proc)]
    assert not [proc for proc in group_members(server.pgid) if is_alive(proc)]
    with pytest.raises(httpx.TransportError):
        httpx.get(f"http://{server.host}:{server.port}/health", timeout=2)
