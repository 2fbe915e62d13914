"""Starts that fail or are interrupted leave nothing behind: servers that fork, daemonise or hand off
to a worker and exit; SIGTERM, SIGHUP and a second Ctrl-C during `start`. Real processes only."""

from __future__ import annotations

import json
import signal
import threading
from pathlib import Path

import pytest

from tests.fixtures.common import RunCli
from tests.fixtures.lifecycle import (
    AddStandin,
    cli_process,
    log_text,
    processes_on_port,
    record_file,
    recorded_pid,
    wait_dead,
    wait_for,
)


@pytest.mark.parametrize("shape", ["fork-and-exit", "setsid-fork", "daemon", "worker-then-exit"])
def test_a_server_that_exits_during_start_up_leaves_no_process_behind(
    run_cli: RunCli, add_standin_profile: AddStandin, mlxchat_home: Path, shape: str
) -> None:
    port = add_standin_profile("bad", "--shape", shape, "--startup-delay", "0.5")
    result = run_cli("start", "bad", "--timeout", "60")
    assert result.returncode == 3, result.stderr
    assert "exited during start-up" in result.stderr
    assert "left" in result.stderr  # it says what it stopped
    assert processes_on_port(port) == []
    assert not record_file(mlxchat_home, "bad").exists()
    again = run_cli("start", "bad", "--timeout", "60")
    assert "already in use" not in again.stderr  # the first attempt is not in the way
    assert processes_on_port(port) == []


def test_a_supervisor_whose_worker_serves_is_ready_and_stopped_whole(
    run_cli: RunCli, add_standin_profile: AddStandin, mlxchat_home: Path
) -> None:
    port = add_standin_profile("sup", "--shape", "serve-in-child")
    started = run_cli("start", "sup")
    assert started.returncode == 0, started.stderr
    assert len(processes_on_port(port)) == 2
    assert run_cli("stop", "sup", "--grace", "2").returncode == 0
    assert processes_on_port(port) == []


class _Stderr:
    """The stderr of a background CLI, read as it comes."""

    def __init__(self, proc: object) -> None:
        self.text = ""
        stream = proc.stderr  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: object) -> None:
        for line in stream:  # type: ignore[attr-defined]
            self.text += line

    def done(self) -> str:
        self._thread.join(30)
        return self.text


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_sigterm_and_sighup_end_a_start_as_ctrl_c_does(
    add_standin_profile: AddStandin, mlxchat_home: Path, sig: signal.Signals
) -> None:
    port = add_standin_profile("slow", "--startup-delay", "60")
    starter = cli_process(mlxchat_home, "start", "slow")
    err = _Stderr(starter)
    wait_for(
        lambda: record_file(mlxchat_home, "slow").exists() or starter.poll() is not None, what="the launch"
    )
    pid = recorded_pid(mlxchat_home, "slow")
    starter.send_signal(sig)
    assert starter.wait(60) == 130, err.done()
    text = err.done()
    assert "stopping" in text, text  # the clean-up says what it does
    assert "Traceback" not in text
    assert wait_dead(pid)
    assert processes_on_port(port) == []
    assert not record_file(mlxchat_home, "slow").exists()


def test_a_second_interrupt_during_the_clean_up_kills_the_half_started_server(
    add_standin_profile: AddStandin, mlxchat_home: Path
) -> None:
    port = add_standin_profile("deaf", "--startup-delay", "60", "--ignore-sigint", "--ignore-sigterm")
    starter = cli_process(mlxchat_home, "start", "deaf")
    err = _Stderr(starter)
    wait_for(
        lambda: record_file(mlxchat_home, "deaf").exists() or starter.poll() is not None, what="the launch"
    )
    pid = recorded_pid(mlxchat_home, "deaf")
    wait_for(lambda: "loading for" in log_text(mlxchat_home, "deaf"), what="the server to be deaf")
    starter.send_signal(signal.SIGINT)
    wait_for(lambda: "stopping" in err.text or starter.poll() is not None, what="the clean-up message")
    starter.send_signal(signal.SIGINT)  # impatient: the server ignores SIGINT and SIGTERM
    assert starter.wait(60) == 130, err.done()
    text = err.done()
    assert "SIGKILL" in text, text
    assert wait_dead(pid)
    assert processes_on_port(port) == []
    assert not record_file(mlxchat_home, "deaf").exists()


def test_a_start_under_nohup_outlives_its_closed_terminal(
    add_standin_profile: AddStandin, mlxchat_home: Path, run_cli: RunCli
) -> None:
    # nohup mlxchat start NAME: SIGHUP starts ignored and must stay so (as batch leaves it).
    add_standin_profile("hup", "--startup-delay", "2")
    starter = cli_process(
        mlxchat_home, "start", "hup", preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN)
    )
    err = _Stderr(starter)
    wait_for(
        lambda: record_file(mlxchat_home, "hup").exists() or starter.poll() is not None, what="the launch"
    )
    starter.send_signal(signal.SIGHUP)
    assert starter.wait(60) == 0, err.done()
    assert "Traceback" not in err.done()
    pid = recorded_pid(mlxchat_home, "hup")
    status = run_cli("status", "--json")
    assert [row["state"] for row in json.loads(status.stdout)] == ["running"], status.stdout
    assert run_cli("stop", "hup").returncode == 0
    assert wait_dead(pid)
