"""``mlxchat render``: saved NDJSON renders exactly as ``chat`` shows it, faults included.

Both commands run in-process (``run_here``: streams that are not terminals, real exit codes), but
for Ctrl-C (a real process and a real signal).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.chat_helpers import add_profile, parse_ndjson
from tests.fixtures.common import REPO, RunCli
from tests.fixtures.standin import Standin

SCENARIOS = [
    "think-content",
    "think-reasoning",
    "think-inline",
    "tool-call",
    "close-mid-stream",
    "stall",
    "malformed",
    "crlf",
    "utf8-split",
    "no-final-chunk",
    "error-mid-stream",
    "error-object",
    "error-detail",
    "error-validation",
    "error-text",
    "error-internal",
]


START = '{"type":"start","v":1,"profile":"p","model":"m","request_id":"r","ts":"t","url":"u"}\n'


def chat(cli: RunCli, *args: str) -> subprocess.CompletedProcess[str]:
    return cli("chat", *args, "--idle-timeout", "0.5", input="", timeout=60)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_render_of_saved_events_matches_chat(
    run_here: RunCli, mlxchat_home: Path, server: Standin, scenario: str
) -> None:
    add_profile(mlxchat_home, "p", server="remote", url=server.base_url, model=scenario)
    saved = chat(run_here, "p", "q", "--json")
    parse_ndjson(saved.stdout)  # a complete, valid stream, whatever went wrong
    live = chat(run_here, "p", "q", "--format", "text")
    replay = run_here("render", "--format", "text", input=saved.stdout)
    assert replay.returncode == live.returncode == saved.returncode
    assert replay.stdout == live.stdout
    assert replay.stderr == live.stderr
    assert "Traceback" not in replay.stderr

    pretty_live = chat(run_here, "p", "q", "--format", "pretty")
    pretty_replay = run_here("render", "--format", "pretty", input=saved.stdout)
    assert pretty_replay.returncode == pretty_live.returncode
    assert pretty_replay.stdout == pretty_live.stdout


def test_render_reads_a_file_and_warns_once_per_unknown_type(run_here: RunCli, tmp_path: Path) -> None:
    run = tmp_path / "run.ndjson"
    run.write_text(
        '{"type":"start","v":1,"profile":"p","model":"m","request_id":"r","ts":"t","url":"u"}\n'
        '{"type":"hologram","content":"x"}\n'
        "not json\n"
        '{"type":"hologram","content":"y"}\n'
        '{"type":"response","content":"Hello","new_key":1}\n'
        '{"type":"done","finish_reason":"stop","usage":null,'
        '"timing":{"ttft":0.1,"thinking":null,"total":0.2,"tokens_per_second":null}}\n'
    )
    result = run_here("render", str(run), "--format", "text", input="")
    assert result.returncode == 0
    assert result.stdout == "Hello\n"
    assert result.stderr.count("unknown event type 'hologram'") == 1
    assert "line 3: not JSON, skipped" in result.stderr


def test_a_stream_without_terminal_event_is_reported(run_here: RunCli) -> None:
    cut = '{"type":"response","content":"Half an ans"}\n'
    result = run_here("render", "--format", "text", input=cut)
    assert result.returncode == 5
    assert result.stdout == "Half an ans\n"
    assert "without a 'done' or 'error' event" in result.stderr


def test_render_exits_with_the_chats_error_code(run_here: RunCli) -> None:
    events = (
        '{"type":"start","v":1,"profile":"p","model":"m","request_id":"r","ts":"t","url":"u"}\n'
        '{"type":"error","code":"unreachable","message":"nobody home","status":null,"hint":null}\n'
    )
    result = run_here("render", "--format", "text", input=events)
    assert result.returncode == 3
    assert "nobody home" in result.stderr


def test_missing_file_is_a_usage_error(run_here: RunCli, tmp_path: Path) -> None:
    result = run_here("render", str(tmp_path / "nope.ndjson"), input="")
    assert result.returncode == 2
    assert "cannot read" in result.stderr
    assert "Traceback" not in result.stderr


def test_malformed_events_are_skipped_and_unknown_error_codes_exit_1(run_here: RunCli) -> None:
    start = '{"type":"start","v":1,"profile":"p","model":"m","request_id":"r","ts":"t","url":"u"}\n'
    events = (
        start
        + '{"type":"thinking","content":"hm"}\n'
        + '{"type":"thinking_done","duration":"x"}\n'
        + '{"type":"response"}\n'
        + '{"type":"response","content":"Hi"}\n'
        + '{"type":"done","finish_reason":"stop","usage":null,'
        '"timing":{"ttft":"a","thinking":null,"total":1,"tokens_per_second":null}}\n'
        + '{"type":"error","code":"from-the-future","message":"a new kind of failure"}\n'
    )
    for fmt in ("pretty", "text"):
        result = run_here("render", "--format", fmt, "--stats", input=events)
        assert "Traceback" not in result.stderr
        assert "line 3: malformed 'thinking_done' event: 'duration' is str, skipped" in result.stderr
        assert "line 4: malformed 'response' event: no 'content', skipped" in result.stderr
        assert "'timing.ttft' is str" in result.stderr
        assert "a new kind of failure" in result.stderr
        assert "Hi" in result.stdout
        assert result.returncode == 1


def test_ctrl_c_ends_a_replay_as_it_ends_a_chat(mlxchat_home: Path) -> None:
    """A replay from a pipe that stays open: Ctrl-C shows the ``interrupted`` error, keeps what was
    rendered and exits 130 (a real process: the signal is real)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "mlxchat", "render", "--format", "text"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "MLXCHAT_HOME": str(mlxchat_home)},
        cwd=REPO,
    )
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(START.encode() + b'{"type":"response","content":"Half an answer"}\n')
    proc.stdin.flush()
    assert proc.stdout.read(len("Half an answer")) == b"Half an answer"
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)  # closes stdin after the signal
    assert proc.returncode == 130
    assert out == b"\n"  # the answer's line is ended
    assert "interrupted" in err.decode() and "Traceback" not in err.decode()
