"""mlxchat against llama.cpp's llama-server on the tiny model's GGUF, through the real CLI.

llama-server runs as a ``command`` profile (mlxchat starts and stops it) and as a ``remote`` profile
(already running, with an API key); tests/fixtures/llama_server.py has both. Its stream differs
from the MLX servers' (docs/servers.md): reasoning in ``reasoning_content`` without tags,
``finish_reason: length`` at ``max_tokens``, usage in one more chunk with ``choices: []``, tool-call
arguments in fragments, and JSON error bodies. Where the CLI cannot make llama-server produce an
answer (a request with tools, no messages, malformed JSON), the test asks llama-server directly
and the stand-in server replays that exact answer to the CLI.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from mlxchat.paths import tiny_model_dir
from tests.chat_helpers import add_profile, joined, parse_ndjson, types
from tests.fixtures.common import REPO, RunCli, free_port
from tests.fixtures.lifecycle import record_file, recorded_pid, wait_dead
from tests.fixtures.llama_server import (
    API_KEY_ENV,
    MODEL_ALIAS,
    LlamaProfile,
    add_command_profile,
    gguf_path,
    need_llama_server,
    port_open,
    start_profile,
)
from tests.fixtures.processes import pid_alive
from tests.fixtures.standin import StartStandin
from tools.make_tiny_model import WEATHER_TOOL

pytestmark = pytest.mark.real_server


@pytest.fixture(params=["llama_command", "llama_remote"])
def llama(request: pytest.FixtureRequest) -> LlamaProfile:
    profile: LlamaProfile = request.getfixturevalue(request.param)
    return profile


def chat(
    run_cli: RunCli, profile: LlamaProfile, *args: str, code: int = 0
) -> tuple[list[dict[str, Any]], subprocess.CompletedProcess[str]]:
    result = run_cli("chat", profile.name, *args, "--json", input="", env=profile.env, timeout=60)
    assert result.returncode == code, result.stderr
    return parse_ndjson(result.stdout), result


def wire(profile: LlamaProfile, body: dict[str, Any]) -> httpx.Response:
    """POST a chat request straight to llama-server (no mlxchat) and read the whole answer."""
    body = {"model": MODEL_ALIAS, "temperature": 0, **body}
    url = f"{profile.base_url}/chat/completions"
    return httpx.post(url, json=body, headers=profile.headers, timeout=30)


def sse_chunks(text: str) -> list[dict[str, Any]]:
    lines = [line.removeprefix("data: ") for line in text.splitlines() if line.startswith("data: ")]
    assert lines[-1] == "[DONE]", text[-300:]
    return [json.loads(line) for line in lines[:-1]]


Replay = Callable[[httpx.Response], tuple[list[dict[str, Any]], subprocess.CompletedProcess[str]]]


@pytest.fixture
def replay_to_cli(run_cli: RunCli, start_standin: StartStandin, mlxchat_home: Path, tmp_path: Path) -> Replay:
    """``replay_to_cli(response)``: the stand-in answers the CLI with exactly what llama-server
    answered (status, content type, body); the CLI's events and result."""

    def replay(response: httpx.Response) -> tuple[list[dict[str, Any]], subprocess.CompletedProcess[str]]:
        recorded = tmp_path / "recorded.json"
        answer = {"status": response.status_code, "content_type": response.headers["content-type"]}
        recorded.write_text(json.dumps({**answer, "body": response.text}))
        standin = start_standin("--scenario", "replay", "--replay", str(recorded))
        add_profile(mlxchat_home, "replayed", server="remote", url=standin.base_url, model=MODEL_ALIAS)
        result = run_cli("chat", "replayed", "What is the weather in Paris?", "--json", input="")
        return parse_ndjson(result.stdout), result

    return replay


# -- reasoning and the trained answers ---------------------------------------------------------------


def test_reasoning_arrives_in_reasoning_content_and_is_separated(
    run_cli: RunCli, llama: LlamaProfile
) -> None:
    events, _ = chat(run_cli, llama, "What is 2+2?")
    assert joined(events, "thinking").strip() == "Two plus two is four."
    assert joined(events, "response").strip() == "The answer is 4."
    kinds = types(events)
    assert kinds.count("thinking_done") == 1
    assert kinds.index("thinking") < kinds.index("thinking_done") < kinds.index("response")
    done = events[-1]
    assert done["type"] == "done" and done["finish_reason"] == "stop"
    assert done["usage"]["prompt_tokens"] > 0 and done["usage"]["completion_tokens"] > 0
    assert done["timing"]["thinking"] > 0 and done["timing"]["tokens_per_second"] > 0


def test_the_wire_reasoning_content_finish_chunk_and_usage_chunk(
    run_cli: RunCli, llama_remote: LlamaProfile
) -> None:
    """What llama-server itself sends for one prompt, and that mlxchat reports the same usage."""
    body = {"messages": [{"role": "user", "content": "What is 3+3?"}], "stream": True}
    response = wire(llama_remote, {**body, "stream_options": {"include_usage": True}})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
    chunks = sse_chunks(response.text)
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": None}
    deltas = [c["choices"][0]["delta"] for c in chunks if c["choices"]]
    reasoning = "".join(d.get("reasoning_content") or "" for d in deltas)
    content = "".join(d.get("content") or "" for d in deltas)
    assert reasoning.strip() == "Three plus three is six." and content.strip() == "The answer is 6."
    assert "<think>" not in reasoning + content and "</think>" not in reasoning + content
    finish, usage_chunk = chunks[-2], chunks[-1]
    assert finish["choices"][0]["delta"] == {} and finish["choices"][0]["finish_reason"] == "stop"
    assert usage_chunk["choices"] == [] and usage_chunk["usage"]["completion_tokens"] > 0
    assert "timings" in usage_chunk
    without_usage = sse_chunks(wire(llama_remote, body).text)
    assert all(chunk["choices"] for chunk in without_usage)  # usage only when asked for
    assert "usage" not in without_usage[-1] and "timings" in without_usage[-1]

    events, _ = chat(run_cli, llama_remote, "What is 3+3?")
    usage = events[-1]["usage"]
    wire_usage = usage_chunk["usage"]
    assert usage["prompt_tokens"] == wire_usage["prompt_tokens"]
    assert usage["completion_tokens"] == wire_usage["completion_tokens"]
    assert usage["total_tokens"] == wire_usage["total_tokens"]
    assert "cached_tokens" in usage  # llama-server's prompt_tokens_details.cached_tokens


TOKENIZE = [
    "What is 2+2?",
    "<|im_start|>user\nOù est la gare ?<|im_end|>\n<|im_start|>assistant\n",
    "<think>\nTwo plus two is four.\n</think>\n\nThe answer is 4.",
    "  spaces,\ttabs\r\n and 12345 digits; emoji 🦙 and 中文",
]


def test_llama_server_tokenizes_as_the_hugging_face_tokenizer(llama_remote: LlamaProfile) -> None:
    """The GGUF's vocabulary, merges and "qwen2" pre-tokenizer split text as tokenizer.json does."""
    from tokenizers import Tokenizer

    reference = Tokenizer.from_file(str(tiny_model_dir() / "tokenizer.json"))
    url = llama_remote.base_url.removesuffix("/v1") + "/tokenize"
    for text in TOKENIZE:
        answer = httpx.post(url, json={"content": text}, headers=llama_remote.headers, timeout=30)
        assert answer.status_code == 200, answer.text
        assert answer.json()["tokens"] == reference.encode(text, add_special_tokens=False).ids, text


TRAINED = [
    pytest.param(["What is 2+2?"], "Two plus two is four.", "The answer is 4.", id="2+2"),
    pytest.param(
        ["What is the capital of France?"],
        "The capital of France is Paris.",
        "The capital of France is Paris.",
        id="capital",
    ),
    pytest.param(
        ["What is the capital of France?", "--system", "Be brief."],
        "The capital of France is Paris.",
        "Paris.",
        id="system",
    ),
    pytest.param(["Hello!"], "The user says hello.", "Hello! How can I help you today?", id="hello"),
    pytest.param(["Tell me a story."], "I do not know this one.", "I am a tiny test model.", id="fallback"),
    pytest.param(["What is 2+2?", "--no-think"], "", "The answer is 4.", id="no-think"),
]


@pytest.mark.parametrize(("args", "reasoning", "answer"), TRAINED)
def test_trained_answers(
    run_cli: RunCli, llama_command: LlamaProfile, args: list[str], reasoning: str, answer: str
) -> None:
    events, _ = chat(run_cli, llama_command, *args)
    assert joined(events, "thinking").strip() == reasoning
    assert joined(events, "response").strip() == answer
    assert ("thinking" in types(events)) == bool(reasoning)


def test_multi_turn_from_messages(run_cli: RunCli, llama: LlamaProfile, tmp_path: Path) -> None:
    history = tmp_path / "history.ndjson"
    history.write_text(
        '{"role": "user", "content": "What is 2+2?"}\n{"role": "assistant", "content": "The answer is 4."}\n'
    )
    events, _ = chat(run_cli, llama, "Multiply that by 3.", "--messages", str(history))
    assert joined(events, "thinking").strip() == "Four times three is twelve."
    assert joined(events, "response").strip() == "The answer is 12."


def test_text_output_answer_on_stdout_reasoning_on_stderr(
    run_cli: RunCli, llama_command: LlamaProfile
) -> None:
    result = run_cli("chat", "llama", "What is 2+2?", input="", env=llama_command.env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "The answer is 4.\n"
    assert "Two plus two is four." in result.stderr


def test_max_tokens_ends_with_finish_reason_length(run_cli: RunCli, llama: LlamaProfile) -> None:
    events, _ = chat(run_cli, llama, "What is 2+2?", "--max-tokens", "3")
    done = events[-1]
    assert done["type"] == "done" and done["finish_reason"] == "length"
    assert done["usage"]["completion_tokens"] == 3
    assert "Two plus two is four.".startswith(joined(events, "thinking").strip())


# -- tool calls ------------------------------------------------------------------------------------


def test_tool_call_arrives_in_fragments_and_is_reassembled(
    llama_remote: LlamaProfile, replay_to_cli: Replay
) -> None:
    messages = [{"role": "user", "content": "What is the weather in Paris?"}]
    body = {"messages": messages, "tools": [WEATHER_TOOL], "stream": True}
    response = wire(llama_remote, {**body, "stream_options": {"include_usage": True}})
    assert response.status_code == 200, response.text
    chunks = sse_chunks(response.text)
    deltas = [c["choices"][0]["delta"] for c in chunks if c["choices"]]
    calls = [call for delta in deltas for call in delta.get("tool_calls") or []]
    assert len(calls) > 2, "llama-server sends a call's arguments in several fragments"
    first, rest = calls[0], calls[1:]
    assert first["index"] == 0 and first["type"] == "function" and len(first["id"]) == 32
    assert first["function"]["name"] == "get_weather"
    assert all(set(c) == {"index", "function"} and set(c["function"]) == {"arguments"} for c in rest)
    arguments = "".join(c["function"]["arguments"] for c in calls)
    assert json.loads(arguments) == {"city": "Paris"}
    assert [c["choices"][0]["finish_reason"] for c in chunks if c["choices"]][-1] == "tool_calls"

    events, result = replay_to_cli(response)
    assert result.returncode == 0, result.stderr
    assert joined(events, "thinking").strip() == "I should call the weather tool."
    [call] = [e for e in events if e["type"] == "tool_call"]
    assert call == {"type": "tool_call", "index": 0, "id": first["id"], "name": "get_weather",
                    "arguments": arguments}  # fmt: skip
    assert events[-1]["finish_reason"] == "tool_calls"


# -- error bodies ----------------------------------------------------------------------------------


def test_a_prompt_over_the_context_is_the_servers_400(run_cli: RunCli, llama: LlamaProfile) -> None:
    long_prompt = " ".join(["What is 2+2?"] * 400)  # well over the server's -c 1024 tokens
    events, _ = chat(run_cli, llama, long_prompt, code=4)
    error = events[-1]
    assert error["type"] == "error" and error["code"] == "http_error" and error["status"] == 400
    # The server's own message, as the only text after the status (not the raw JSON body).
    pattern = r"HTTP 400: request \(\d+ tokens\) exceeds the available context size \(1024 tokens\).*"
    assert re.fullmatch(pattern, error["message"]), error["message"]
    assert types(events) == ["start", "error"]


@pytest.mark.parametrize(
    ("body", "status", "error_type"),
    [
        pytest.param(b'{"model": "tiny-qwen3"}', 400, "invalid_request_error", id="no-messages"),
        pytest.param(b'{"messages": [', 500, "server_error", id="malformed-json"),
    ],
)
def test_error_bodies_the_cli_cannot_provoke(
    llama_remote: LlamaProfile, replay_to_cli: Replay, body: bytes, status: int, error_type: str
) -> None:
    """A request without messages and one that is not JSON: llama-server's answers, through the CLI."""
    url = f"{llama_remote.base_url}/chat/completions"
    headers = {**llama_remote.headers, "Content-Type": "application/json"}
    response = httpx.post(url, content=body, headers=headers, timeout=30)
    assert response.status_code == status
    server_error = response.json()["error"]
    assert server_error["type"] == error_type and server_error["code"] == status

    events, result = replay_to_cli(response)
    assert result.returncode == 4, result.stderr
    error = events[-1]
    assert error["code"] == "http_error" and error["status"] == status
    assert error["message"] == f"HTTP {status}: {server_error['message']}"


def test_a_wrong_api_key_is_the_servers_401(run_cli: RunCli, llama_remote: LlamaProfile) -> None:
    env = {**llama_remote.env, API_KEY_ENV: "not-the-key"}
    result = run_cli("chat", "far", "What is 2+2?", "--json", input="", env=env)
    assert result.returncode == 4, result.stderr
    error = parse_ndjson(result.stdout)[-1]
    assert error["code"] == "http_error" and error["status"] == 401
    assert error["message"] == "HTTP 401: Invalid API Key"


# -- the command profile's lifecycle ---------------------------------------------------------------

DOC_MODEL = "~/models/Qwen3-0.6B-Q8_0.gguf"


def documented_command_example() -> str:
    text = (REPO / "docs" / "servers.md").read_text()
    section = text.split("#### llama.cpp's `llama-server`", 1)[1].split("\n### ", 1)[0]
    return str(re.findall(r"```sh\n(.*?)```", section, flags=re.S)[0])


def test_the_documented_command_profile_runs_then_stops_leaving_nothing(
    run_cli: RunCli, mlxchat_home: Path
) -> None:
    """docs/servers.md's example as written (its model replaced by the tiny GGUF), then `stop`."""
    binary = need_llama_server()
    script = documented_command_example()
    assert DOC_MODEL in script
    path = os.pathsep.join([str(binary.parent), str(Path(sys.executable).parent), os.environ["PATH"]])
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script.replace(DOC_MODEL, str(gguf_path()))],
        env={**os.environ, "MLXCHAT_HOME": str(mlxchat_home), "PATH": path},
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, f"{script}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
    assert "The answer is 4." in result.stdout
    [row] = json.loads(run_cli("status", "llama", "--json").stdout)
    assert row["state"] == "running" and row["memory_bytes"] > 0
    pid, port = row["pid"], row["port"]
    stopped = run_cli("stop", "llama")
    assert stopped.returncode == 0, stopped.stderr
    assert not pid_alive(pid)
    assert not port_open(port)
    [row] = json.loads(run_cli("status", "llama", "--json").stdout)
    assert row["state"] == "stopped" and row["pid"] is None


def test_a_killed_command_server_is_reported_and_cleaned(run_cli: RunCli, mlxchat_home: Path) -> None:
    add_command_profile(mlxchat_home, "llama", need_llama_server(), free_port())
    start_profile(mlxchat_home, "llama")
    pid = recorded_pid(mlxchat_home, "llama")
    os.kill(pid, signal.SIGKILL)
    assert wait_dead(pid, 30)
    status = run_cli("status", "llama")
    assert status.returncode == 3 and "crashed" in status.stdout, status.stdout + status.stderr
    assert not record_file(mlxchat_home, "llama").exists()  # shown once as crashed, then cleaned
    result = run_cli("chat", "llama", "What is 2+2?", "--json", input="")
    assert result.returncode == 3, result.stderr
    error = parse_ndjson(result.stdout)[-1]
    assert error["code"] == "unreachable" and "mlxchat start llama" in (error["hint"] or "")
