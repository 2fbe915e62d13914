"""``mlxchat chat`` end to end against real servers on the tiny model (greedy decoding).

The servers come from tests/fixtures/real_servers.py: mlx-openai-server with the qwen3 reasoning
parser (reasoning in ``reasoning_content``), mlx-openai-server without a parser (``<think>`` tags
inline in the content) and mlx_lm.server (reasoning in ``reasoning``). Each must give the same events.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any, Protocol

import pytest

from tests.chat_helpers import add_profile, joined, parse_ndjson, types
from tests.fixtures.common import RunCli

pytestmark = pytest.mark.real_server

SERVERS = ["openai_server", "openai_server_no_parser", "mlxlm_server"]


class RealServer(Protocol):
    base_url: str
    model: str


@pytest.fixture(params=SERVERS)
def real(request: pytest.FixtureRequest, mlxchat_home: Path) -> str:
    """A profile named after the server fixture, pointing at it."""
    server: RealServer = request.getfixturevalue(request.param)
    add_profile(mlxchat_home, request.param, server="remote", url=server.base_url, model=server.model)
    return str(request.param)


def ask(run_cli: RunCli, profile: str, *args: str) -> list[dict[str, Any]]:
    result: subprocess.CompletedProcess[str] = run_cli(
        "chat", profile, *args, "--temperature", "0", "--json", input="", timeout=120
    )
    assert result.returncode == 0, result.stderr
    return parse_ndjson(result.stdout)


def test_reasoning_then_the_answer_with_usage(run_cli: RunCli, real: str) -> None:
    events = ask(run_cli, real, "What is 2+2?")
    thinking, answer = joined(events, "thinking"), joined(events, "response")
    assert "four" in thinking.lower()
    assert "4" in answer
    assert "<think>" not in answer + thinking and "</think>" not in answer + thinking
    kinds = types(events)
    assert kinds.count("thinking_done") == 1
    assert kinds.index("thinking_done") < kinds.index("response")
    done = events[-1]
    assert done["finish_reason"] == "stop"
    assert done["usage"]["completion_tokens"] > 0 and done["usage"]["prompt_tokens"] > 0
    assert done["timing"]["tokens_per_second"] > 0
    assert done["timing"]["thinking"] > 0


def test_multi_turn_with_messages(run_cli: RunCli, real: str, tmp_path: Path) -> None:
    history = tmp_path / "history.json"
    history.write_text(
        json.dumps(
            [
                {"role": "user", "content": "What is 2+2?"},
                {"role": "assistant", "content": "The answer is 4."},
            ]
        )
    )
    events = ask(run_cli, real, "Multiply that by 3.", "--messages", str(history))
    assert "12" in joined(events, "response")


def test_no_think(run_cli: RunCli, real: str) -> None:
    events = ask(run_cli, real, "What is 2+2?", "--no-think")
    assert "thinking" not in types(events)
    assert "4" in joined(events, "response")


def test_text_mode_answer_only_on_stdout(run_cli: RunCli, real: str) -> None:
    result = run_cli("chat", real, "What is 2+2?", "--temperature", "0", input="", timeout=120)
    assert result.returncode == 0, result.stderr
    assert "4" in result.stdout and "<think>" not in result.stdout
    assert result.stdout.endswith("\n") and not result.stdout.startswith("\n")
    assert "four" in result.stderr.lower()
