"""``mlxchat batch`` as a real process: Ctrl-C (once: in-flight requests finish; twice: they are
abandoned), ``kill -9`` at random points then ``--resume``, and a reader that leaves (``| head -1``).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.batch_helpers import (
    batch,
    by_id,
    happenings,
    ok,
    parse_batch_events,
    prompts,
    read_results,
    remote,
)
from tests.fixtures.common import REPO, RunCli
from tests.fixtures.standin import Standin, StartStandin


def spawn(
    home: Path, tmp_path: Path, *args: str, lines: str, ignore: signal.Signals | None = None
) -> subprocess.Popen[bytes]:
    """``mlxchat batch ARGS`` in the background, its input from a file, its stderr to a file;
    ``ignore``: a signal it starts with ignored (as under ``nohup``)."""
    source = tmp_path / "in.jsonl"
    source.write_text(lines)
    env = {**os.environ, "MLXCHAT_HOME": str(home)}
    command = [sys.executable, "-m", "mlxchat", "batch", *args]
    if ignore is not None:  # ignored in a shell that then execs it: inherited, as nohup does
        command = ["bash", "-c", f'trap "" {ignore.name.removeprefix("SIG")}; exec "$@"', "-", *command]
    with source.open("rb") as stdin, (tmp_path / "stderr.txt").open("wb") as stderr:
        return subprocess.Popen(
            command, stdin=stdin, stdout=subprocess.DEVNULL, stderr=stderr, env=env, cwd=REPO,
        )  # fmt: skip


def line_count(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


def wait_for_lines(path: Path, count: int, proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while line_count(path) < count and proc.poll() is None:
        assert time.monotonic() < deadline, "the results never came"
        time.sleep(0.01)
    assert proc.poll() is None, "the batch ended before it could be killed"


def wait_for_requests(server: Standin, count: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while sum(h.startswith("request: ") for h in happenings(server)) < count:
        assert time.monotonic() < deadline, "the requests never arrived"
        time.sleep(0.05)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=lambda s: s.name)
def test_ctrl_c_lets_requests_in_flight_finish_then_resume_completes(
    run_cli: RunCli, mlxchat_home: Path, start_standin: StartStandin, tmp_path: Path, sig: signal.Signals
) -> None:
    # SIGTERM (timeout, systemctl stop) and SIGHUP (a closed terminal) end a batch as Ctrl-C does.
    slow = start_standin("--latency", "0.5", "--record-requests")
    name = remote(mlxchat_home, slow, "p")
    out = tmp_path / "out.jsonl"
    proc = spawn(mlxchat_home, tmp_path, name, "-j", "3", "-o", str(out), lines=prompts(12))
    wait_for_requests(slow, 3)
    proc.send_signal(sig)
    assert proc.wait(timeout=30) == 130
    stderr = (tmp_path / "stderr.txt").read_text()
    assert "Traceback" not in stderr
    assert "batch: 3 ok, 0 failed" in stderr and f"interrupted by {sig.name}: " in stderr
    assert "--resume" in stderr
    first = by_id(read_results(out))
    assert len(first) == 3 and all(ok(r) for r in first.values())
    assert sum(h.startswith("request: ") for h in happenings(slow)) == 3  # nothing more was sent
    rest = batch(run_cli, name, "-j", "9", "-o", str(out), "--resume", input=prompts(12))
    assert rest.returncode == 0, rest.stderr
    done = by_id(read_results(out))
    assert set(done) == {f"q{i}" for i in range(12)} and all(ok(r) for r in done.values())


def test_a_second_ctrl_c_abandons_the_requests_in_flight(
    mlxchat_home: Path, start_standin: StartStandin, tmp_path: Path
) -> None:
    stuck = start_standin("--latency", "600", "--record-requests")
    name = remote(mlxchat_home, stuck, "p")
    out = tmp_path / "out.jsonl"
    proc = spawn(mlxchat_home, tmp_path, name, "-j", "2", "--events", "-o", str(out), lines=prompts(5))
    wait_for_requests(stuck, 2)
    proc.send_signal(signal.SIGTERM)  # then a Ctrl-C: the second stop signal, whichever it is
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=30) == 130
    stderr = (tmp_path / "stderr.txt").read_text()
    assert "Traceback" not in stderr and "interrupted by SIGTERM: 2 request(s) in flight abandoned" in stderr
    batch_events, requests = parse_batch_events(out.read_text())
    assert requests == {}
    assert [e["type"] for e in batch_events] == ["batch_start", "batch_done"]
    # The two in flight, and the line read while they held every slot.
    assert batch_events[1]["interrupted"] is True and batch_events[1]["not_run"] == 3


def test_a_signal_ignored_at_start_stays_ignored(
    mlxchat_home: Path, start_standin: StartStandin, tmp_path: Path
) -> None:
    # nohup mlxchat batch ...: a closed terminal must not stop it.
    slow = start_standin("--latency", "0.3", "--record-requests")
    name = remote(mlxchat_home, slow, "p")
    out = tmp_path / "out.jsonl"
    proc = spawn(
        mlxchat_home, tmp_path, name, "-j", "2", "-o", str(out), lines=prompts(6), ignore=signal.SIGHUP
    )
    wait_for_requests(slow, 2)
    proc.send_signal(signal.SIGHUP)
    assert proc.wait(timeout=30) == 0
    assert len(by_id(read_results(out))) == 6


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kill_9_at_random_points_then_resume_gives_every_id_once(
    run_cli: RunCli, mlxchat_home: Path, start_standin: StartStandin, tmp_path: Path, seed: int
) -> None:
    rng = random.Random(seed)
    server = start_standin("--latency", "0.02", "--fail-every", "7")
    name = remote(mlxchat_home, server, "p")
    out = tmp_path / "out.jsonl"
    lines = prompts(60)
    events = seed == 3  # one run with --events: blocks of lines, cut anywhere
    flags = ["--events"] if events else []
    for round_ in range(2):
        resume = ["--resume"] if round_ else []
        lines_before = line_count(out)
        proc = spawn(mlxchat_home, tmp_path, name, "-j", "4", "-o", str(out), *flags, *resume, lines=lines)
        # A random point while results are being written: after a random number of new lines.
        wait_for_lines(out, lines_before + rng.randint(1, 20), proc)
        time.sleep(rng.uniform(0, 0.05))
        proc.kill()
        proc.wait(timeout=30)
    final = batch(run_cli, name, "-j", "8", "-o", str(out), "--resume", *flags, input=lines)
    assert final.returncode == 0, final.stderr
    assert final.stderr.count("resuming ") == 1, final.stderr
    wanted = {f"q{i}" for i in range(60)}
    if events:
        _, requests = parse_batch_events(out.read_text())
        assert set(requests) == wanted and all(r[-1]["type"] == "done" for r in requests.values())
    else:
        results = by_id(read_results(out))
        assert set(results) == wanted and all(ok(r) for r in results.values())


def test_a_reader_that_leaves_ends_the_batch_quietly(
    mlxchat_home: Path, server: Standin, tmp_path: Path
) -> None:
    name = remote(mlxchat_home, server, "p")
    (tmp_path / "in.jsonl").write_text(prompts(200))
    env = {**os.environ, "MLXCHAT_HOME": str(mlxchat_home)}
    script = f"{sys.executable} -m mlxchat batch {name} -i in.jsonl | head -1"
    result = subprocess.run(
        ["bash", "-o", "pipefail", "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert len(result.stdout.splitlines()) == 1
