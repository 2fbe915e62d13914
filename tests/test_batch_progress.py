"""What ``mlxchat batch`` shows on stderr: a progress bar on a terminal (a pseudo-terminal here),
a plain line with ``--progress`` in a pipe, nothing but the summary otherwise."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pexpect

from tests.batch_helpers import batch, parse_results, prompts, read_results, remote
from tests.fixtures.common import REPO, RunCli
from tests.fixtures.standin import StartStandin


def on_terminal(home: Path, *args: str) -> str:
    """``mlxchat batch ARGS`` with every stream on a pseudo-terminal; what the terminal showed."""
    base = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env: dict[str, Any] = {**base, "MLXCHAT_HOME": str(home), "TERM": "xterm-256color"}
    child = pexpect.spawn(
        sys.executable, ["-m", "mlxchat", "batch", *args], env=env, cwd=str(REPO),
        dimensions=(30, 160), timeout=60, encoding="utf-8",
    )  # fmt: skip
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    return str(child.before)


def test_a_progress_bar_on_a_terminal_while_results_go_to_a_file(
    mlxchat_home: Path, start_standin: StartStandin, tmp_path: Path
) -> None:
    name = remote(mlxchat_home, start_standin("--latency", "0.3"), "p")
    source, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_text(prompts(8))
    screen = on_terminal(mlxchat_home, name, "-i", str(source), "-o", str(out), "-j", "2")
    assert "req/s" in screen and "in flight: p " in screen and "tok/s" in screen
    assert "/8" in screen  # the total, counted from the file
    assert "batch: 8 ok, 0 failed" in screen
    assert len(read_results(out)) == 8


def test_no_bar_when_the_results_share_the_terminal(
    mlxchat_home: Path, start_standin: StartStandin, tmp_path: Path
) -> None:
    name = remote(mlxchat_home, start_standin("--latency", "0.3"), "p")
    source = tmp_path / "in.jsonl"
    source.write_text(prompts(4))
    screen = on_terminal(mlxchat_home, name, "-i", str(source), "-j", "2")
    assert "req/s" not in screen and "in flight" not in screen
    assert screen.count('"error": null') + screen.count('"error":null') == 4
    assert "batch: 4 ok, 0 failed" in screen


def test_progress_lines_in_a_pipe_only_when_asked(
    run_cli: RunCli, mlxchat_home: Path, start_standin: StartStandin
) -> None:
    name = remote(mlxchat_home, start_standin("--latency", "0.3"), "p")
    asked = batch(run_cli, name, "-j", "1", "--progress", input=prompts(3))
    assert asked.returncode == 0 and len(parse_results(asked.stdout)) == 3
    assert "done, " in asked.stderr and "req/s · 0 failed" in asked.stderr
    quiet = batch(run_cli, name, "-j", "3", "--quiet", input=prompts(3))
    assert quiet.returncode == 0 and quiet.stderr == ""
