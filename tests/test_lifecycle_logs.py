"""`mlxchat logs` and the log every start writes: tails of any length, following, closed pipes."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.fixtures.common import RunCli
from tests.fixtures.lifecycle import (
    AddStandin,
    log_text,
    read_record,
)


def test_log_has_a_header_and_the_server_output(
    run_cli: RunCli, add_standin_profile: AddStandin, mlxchat_home: Path
) -> None:
    add_standin_profile("web")
    assert run_cli("start", "web").returncode == 0
    log = log_text(mlxchat_home, "web")
    assert re.match(r"==== \d{4}-\d\d-\d\dT[\d:]+.* mlxchat: start web: .*server\.py", log)
    assert "standin: running on http://127.0.0.1:" in log
    last = run_cli("logs", "web", "-n", "1")
    assert last.returncode == 0
    assert len(last.stdout.splitlines()) == 1
    assert "standin:" in last.stdout
    assert run_cli("stop", "web").returncode == 0


def test_logs_follow_ends_normally_on_ctrl_c(
    add_standin_profile: AddStandin, mlxchat_home: Path, run_cli: RunCli
) -> None:
    add_standin_profile("web")
    assert run_cli("start", "web").returncode == 0
    env = {**os.environ, "MLXCHAT_HOME": str(mlxchat_home)}
    follower = subprocess.Popen(
        [sys.executable, "-m", "mlxchat", "logs", "web", "-f", "-n", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen: list[str] = []
    import threading

    import httpx

    assert follower.stdout is not None
    reader = threading.Thread(target=lambda: seen.extend(follower.stdout), daemon=True)  # type: ignore[arg-type]
    reader.start()
    try:
        port = read_record(mlxchat_home, "web")["port"]
        deadline = time.monotonic() + 20
        while not any("/v1/models" in line for line in seen) and time.monotonic() < deadline:
            httpx.get(f"http://127.0.0.1:{port}/v1/models", timeout=5)
            time.sleep(0.3)
        assert any("GET /v1/models" in line for line in seen)
    finally:
        follower.send_signal(signal.SIGINT)
        code = follower.wait(10)
    assert code == 0
    assert "Traceback" not in (follower.stderr.read() if follower.stderr else "")
    assert run_cli("stop", "web").returncode == 0


def test_logs_n_prints_as_many_lines_as_asked_from_a_long_log(
    run_cli: RunCli, add_standin_profile: AddStandin, mlxchat_home: Path
) -> None:
    add_standin_profile("big")
    log = mlxchat_home / "state" / "logs" / "big.log"
    log.parent.mkdir(parents=True)
    lines = [f"line {i:06d} " + "x" * 20 for i in range(100_000)]  # about 3 MB
    log.write_text("\n".join(lines) + "\n")
    every = run_cli("logs", "big", "-n", "100000")
    assert every.returncode == 0, every.stderr
    assert every.stdout.splitlines() == lines
    assert run_cli("logs", "big", "-n", "100001").stdout.splitlines() == lines  # the whole file
    assert run_cli("logs", "big", "-n", "3").stdout.splitlines() == lines[-3:]
    with log.open("a") as f:
        f.write("\x1b[32mgreen\x1b[0m and a partial last line")
    assert run_cli("logs", "big", "-n", "2").stdout.splitlines() == [
        lines[-1],
        "green and a partial last line",
    ]


def test_logs_follow_removes_colour_and_keeps_characters_split_across_writes_whole(
    add_standin_profile: AddStandin, mlxchat_home: Path
) -> None:
    import threading

    add_standin_profile("web")
    log = mlxchat_home / "state" / "logs" / "web.log"
    log.parent.mkdir(parents=True)
    log.write_text("before\n")
    env = {**os.environ, "MLXCHAT_HOME": str(mlxchat_home)}
    follower = subprocess.Popen(
        [sys.executable, "-m", "mlxchat", "logs", "web", "-f", "-n", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    seen: list[bytes] = []
    assert follower.stdout is not None
    reader = threading.Thread(target=lambda: seen.extend(follower.stdout), daemon=True)  # type: ignore[arg-type]
    reader.start()
    try:
        deadline = time.monotonic() + 30
        while not seen and time.monotonic() < deadline:
            time.sleep(0.05)
        assert seen == [b"before\n"]  # following has begun
        with log.open("ab") as f:
            f.write(b"\x1b[1;31mred\x1b[0m alert\ncaf\xc3")
            f.flush()
            time.sleep(1.0)  # the follower reads what is there: half a character
            f.write(b"\xa9 ok\n")
        while len(seen) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        follower.send_signal(signal.SIGINT)
        code = follower.wait(10)
    assert code == 0
    assert [line.decode() for line in seen] == ["before\n", "red alert\n", "café ok\n"]


def test_status_and_logs_into_a_closed_pipe_end_quietly(
    run_cli: RunCli, add_standin_profile: AddStandin, mlxchat_home: Path
) -> None:
    from tests.fixtures.lifecycle import run_into_closed_pipe

    add_standin_profile("web")
    log = mlxchat_home / "state" / "logs" / "web.log"
    log.parent.mkdir(parents=True)
    log.write_text("".join(f"line {i}\n" for i in range(20)))
    for args in (["status"], ["status", "--json"], ["logs", "web", "-n", "5"], ["logs", "web", "-f"]):
        result = run_into_closed_pipe(mlxchat_home, *args)
        assert result.returncode == 0, (args, result.stderr)
        assert "Traceback" not in result.stderr
        assert "error" not in result.stderr, (args, result.stderr)
