"""What `start`, `stop`, `status` and `logs` say and exit with in the cases people meet: a server that
stopped answering, a port answered by someone else, bad arguments, a stop racing a start or another
stop, and profile files edited by hand. Real CLI processes and real servers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import pytest

from tests.fixtures.common import RunCli
from tests.fixtures.lifecycle import (
    AddStandin,
    cli_process,
    processes_on_port,
    record_file,
    recorded_pid,
    spawned_pid,
    standin_template,
    wait_dead,
    wait_for,
)
from tests.fixtures.processes import pid_alive
from tests.fixtures.standin import standin_command, wait_until_listening


def test_start_of_a_server_that_stopped_answering_says_unhealthy_with_exit_3(
    run_cli: RunCli, add_standin_profile: AddStandin, mlxchat_home: Path
) -> None:
    add_standin_profile("web")
    assert run_cli("start", "web").returncode == 0
    pid = recorded_pid(mlxchat_home, "web")
    os.kill(pid, signal.SIGSTOP)
    try:
        result = run_cli("start", "web", "--timeout", "5")
        assert result.returncode == 3, result.stderr
        assert "unhealthy" in result.stderr
        assert "already running" not in result.stderr
        assert pid_alive(pid)  # left as it is: it is not start's to kill
    finally:
        os.kill(pid, signal.SIGCONT)
    assert run_cli("stop", "web").returncode == 0


def test_start_no_wait_of_a_server_still_starting_says_starting_with_exit_3(
    run_cli: RunCli, add_standin_profile: AddStandin, mlxchat_home: Path
) -> None:
    add_standin_profile("lazy", "--startup-delay", "60")
    first = run_cli("start", "lazy", "--no-wait")
    assert first.returncode == 0, first.stderr
    second = run_cli("start", "lazy", "--no-wait")
    assert second.returncode == 3, second.stderr
    assert "starting" in second.stderr
    assert "already running" not in second.stderr
    assert run_cli("stop", "lazy").returncode == 0


def _write_profiles(**commands: tuple[str, int]) -> None:
    from mlxchat.profile import Profile
    from mlxchat.profile_store import write_profiles

    write_profiles(
        {n: Profile(name=n, server="command", command=c, port=p) for n, (c, p) in commands.items()}
    )


def test_duplicate_ports_in_the_profile_file_are_refused_at_load(run_cli: RunCli) -> None:
    _write_profiles(one=(standin_template(), 8123), two=(standin_template(), 8123))
    for args in (["profile", "list"], ["status"], ["start", "two"]):
        result = run_cli(*args)
        assert result.returncode == 2, (args, result.stderr)
        assert "8123" in result.stderr
        assert "'one'" in result.stderr and "'two'" in result.stderr


def test_names_that_differ_only_in_case_are_refused_at_load(run_cli: RunCli) -> None:
    _write_profiles(Qwen=(standin_template(), 8124), qwen=(standin_template(), 8125))
    for args in (["profile", "list"], ["status"], ["start", "qwen"]):
        result = run_cli(*args)
        assert result.returncode == 2, (args, result.stderr)
        assert "'Qwen'" in result.stderr and "'qwen'" in result.stderr
        assert "case" in result.stderr


def test_readiness_is_checked_against_the_process_that_was_started(
    run_cli: RunCli, add_standin_profile: AddStandin, mlxchat_home: Path
) -> None:
    """Another process answers on the port while the server is still loading: its /health is not
    this server's readiness."""
    port = add_standin_profile("late", "--startup-delay", "60")
    assert run_cli("start", "late", "--no-wait").returncode == 0
    pid = recorded_pid(mlxchat_home, "late")
    foreign = subprocess.Popen(standin_command(port), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_listening(port, foreign)
        result = run_cli("start", "late", "--timeout", "4")
        assert result.returncode == 3, result.stderr
        assert "is ready" not in result.stderr
        assert "already running" not in result.stderr
        assert foreign.poll() is None  # never signalled
    finally:
        foreign.kill()
        foreign.wait()
    run_cli("stop", "late")
    assert wait_dead(pid)


@pytest.mark.parametrize("value", ["-5", "nan", "inf", "-inf"])
def test_negative_and_non_finite_seconds_are_exit_2(
    run_cli: RunCli, add_standin_profile: AddStandin, value: str
) -> None:
    add_standin_profile("web")
    for args in (
        ["start", "web", "--timeout", value],
        ["restart", "web", "--timeout", value],
        ["stop", "web", "--grace", value],
        ["stop", "--all", "--grace", value],
        ["restart", "web", "--grace", value],
    ):
        result = run_cli(*args)
        assert result.returncode == 2, (args, result.stderr)
        assert args[-2] in result.stderr
        assert "Traceback" not in result.stderr


def test_a_start_ended_by_stop_says_so(
    run_cli: RunCli, add_standin_profile: AddStandin, mlxchat_home: Path
) -> None:
    add_standin_profile("slow", "--startup-delay", "60")
    starter = cli_process(mlxchat_home, "start", "slow")
    wait_for(
        lambda: record_file(mlxchat_home, "slow").exists() or starter.poll() is not None, what="the launch"
    )
    stopped = run_cli("stop", "slow", "--grace", "2")
    assert stopped.returncode == 0, stopped.stderr
    _, err = starter.communicate(timeout=60)
    assert starter.returncode == 3, err
    assert "stopped by mlxchat stop" in err
    assert "code -" not in err


def test_a_wildcard_host_is_shown_by_one_rule(
    run_cli: RunCli, add_standin_profile: AddStandin, mlxchat_home: Path
) -> None:
    port = add_standin_profile("wide", host="0.0.0.0")
    started = run_cli("start", "wide")
    assert started.returncode == 0, started.stderr
    (row,) = json.loads(run_cli("status", "--json").stdout)
    assert row["host"] == "0.0.0.0"
    assert row["url"] == f"http://127.0.0.1:{port}/v1"
    assert row["url"] in started.stderr
    assert f"0.0.0.0:{port}" not in started.stderr.replace("listening on 0.0.0.0", "")
    assert run_cli("stop", "wide").returncode == 0


def test_logs_of_a_running_server_whose_log_was_deleted_says_so(
    run_cli: RunCli, add_standin_profile: AddStandin, mlxchat_home: Path
) -> None:
    add_standin_profile("web")
    assert run_cli("start", "web").returncode == 0
    (mlxchat_home / "state" / "logs" / "web.log").unlink()
    result = run_cli("logs", "web")
    assert result.returncode == 0
    assert "no log yet" not in result.stderr
    assert "deleted" in result.stderr
    assert "mlxchat restart web" in result.stderr
    assert run_cli("stop", "web").returncode == 0


def test_the_record_cleaned_note_says_when_it_also_stopped_leftovers(
    run_cli: RunCli, add_standin_profile: AddStandin, mlxchat_home: Path
) -> None:
    add_standin_profile("parent", "--spawn-child")
    assert run_cli("start", "parent").returncode == 0
    pid = recorded_pid(mlxchat_home, "parent")
    child = spawned_pid(mlxchat_home, "parent")
    os.kill(pid, signal.SIGKILL)
    assert wait_dead(pid)
    again = run_cli("start", "parent")
    assert again.returncode == 0, again.stderr
    assert "record was cleaned" in again.stderr
    assert "stopped the processes it left behind" in again.stderr
    assert wait_dead(child)
    assert run_cli("stop", "parent").returncode == 0


def test_two_stops_of_a_deaf_server_do_not_both_claim_the_signal(
    run_cli: RunCli, add_standin_profile: AddStandin, mlxchat_home: Path
) -> None:
    port = add_standin_profile("deaf", "--ignore-sigint", "--ignore-sigterm")
    assert run_cli("start", "deaf").returncode == 0
    stops = [cli_process(mlxchat_home, "stop", "deaf", "--grace", "1.5") for _ in range(2)]
    errs = [p.communicate(timeout=90)[1] for p in stops]
    assert [p.returncode for p in stops] == [0, 0], errs
    assert sum("needed SIGKILL" in e for e in errs) == 1, errs
    assert sum("another mlxchat stop" in e for e in errs) == 1, errs
    assert processes_on_port(port) == []
