"""Pretty output for real: ``mlxchat chat`` in a pseudo-terminal, against the stand-in and the tiny model."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pexpect
import pytest

from tests.chat_helpers import add_profile
from tests.fixtures.common import REPO
from tests.fixtures.standin import Standin


def spawn_chat(home: Path, *args: str, env: dict[str, str] | None = None) -> pexpect.spawn:
    base = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    full_env: dict[str, Any] = {**base, "MLXCHAT_HOME": str(home), "TERM": "xterm-256color", **(env or {})}
    return pexpect.spawn(
        sys.executable,
        ["-m", "mlxchat", "chat", *args],
        env=full_env,
        cwd=str(REPO),
        dimensions=(30, 90),
        timeout=60,
        encoding="utf-8",
    )


def screen_text(child: pexpect.spawn) -> str:
    child.expect(pexpect.EOF)
    child.close()
    return str(child.before)


def test_thinking_collapses_and_markdown_renders(mlxchat_home: Path, start_standin: Any) -> None:
    server: Standin = start_standin("--delay", "0.05")
    add_profile(mlxchat_home, "p", server="remote", url=server.base_url, model="think-content")
    child = spawn_chat(mlxchat_home, "p", "What is 2+2?", "--stats")
    child.expect("Thinking")  # the live spinner, while the reasoning streams
    output = screen_text(child)
    assert child.exitstatus == 0
    assert "Thought for" in output
    assert "The answer is 4." in output
    assert "tokens" in output and "tok/s" in output
    assert "\x1b[" in output  # colour on a terminal


def test_no_color_on_a_terminal(mlxchat_home: Path, start_standin: Any) -> None:
    server: Standin = start_standin()
    add_profile(mlxchat_home, "p", server="remote", url=server.base_url, model="think-content")
    child = spawn_chat(mlxchat_home, "p", "What is 2+2?", env={"NO_COLOR": "1"})
    output = screen_text(child)
    assert child.exitstatus == 0
    assert "The answer is 4." in output
    assert "\x1b[3" not in output and "\x1b[9" not in output  # no colours (cursor moves may remain)


def test_error_panel_after_the_partial_answer(mlxchat_home: Path, start_standin: Any) -> None:
    server: Standin = start_standin()
    add_profile(mlxchat_home, "p", server="remote", url=server.base_url, model="close-mid-stream")
    child = spawn_chat(mlxchat_home, "p", "q", env={"NO_COLOR": "1"})
    output = screen_text(child)
    assert child.exitstatus == 5
    assert output.index("The answer is") < output.index("stream_broken")
    assert "Traceback" not in output


@pytest.mark.real_server
def test_tiny_model_under_mlx_openai_server(mlxchat_home: Path, openai_server: Any) -> None:
    add_profile(mlxchat_home, "tiny", server="remote", url=openai_server.base_url, model=openai_server.model)
    child = spawn_chat(mlxchat_home, "tiny", "What is 2+2?", "--temperature", "0")
    output = screen_text(child)
    assert child.exitstatus == 0, output
    assert "Thought for" in output
    assert "The answer is 4." in output


def test_dumb_terminal_gets_no_live_display(mlxchat_home: Path, start_standin: Any) -> None:
    server: Standin = start_standin()
    add_profile(mlxchat_home, "p", server="remote", url=server.base_url, model="think-content")
    child = spawn_chat(mlxchat_home, "p", "What is 2+2?", env={"TERM": "dumb"})
    output = screen_text(child)
    assert child.exitstatus == 0
    assert "The answer is 4." in output and "Thought for" in output
    assert "Thinking..." not in output  # no spinner on a terminal that cannot redraw
    assert "\x1b[" not in output
