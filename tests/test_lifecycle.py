"""`mlxchat start/stop/restart/logs` against the stand-in server as a real, misbehaving process.

Every test runs the CLI as a real subprocess; servers are real detached processes; nothing is mocked.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from tests.fixtures.common import RunCli
from tests.fixtures.lifecycle import (
    AddStandin,
    processes_on_port,
    read_record,
    record_file,
    spawned_pid,
)
from tests.fixtures.processes import pid_alive


def test_start_status_stop(run_cli: RunCli, add_standin_profile: AddStandin, mlxchat_home: Path) -> None:
    port = add_standin_profile("web")
    started = run_cli("start", "web")
    assert started.returncode == 0, started.stderr
    assert "web is ready" in started.stderr
    assert started.stdout == ""
    record = read_record(mlxchat_home, "web")
    pid = record["pid"]
    assert isinstance(pid, int)
    assert pid_alive(pid)
    assert os.getpgid(pid) == pid  # its own process group (and session)
    assert record["port"] == port

    rows = json.loads(run_cli("status", "--json").stdout)
    assert rows == [
        {
            "name": "web",
            "server": "command",
            "state": "running",
            "pid": pid,
            "host": "127.0.0.1",
            "port": port,
            "url": f"http://127.0.0.1:{port}/v1",
            "uptime_seconds": rows[0]["uptime_seconds"],
            "memory_bytes": rows[0]["memory_bytes"],
            "model": "-",
            "log": str(mlxchat_home / "state" / "logs" / "web.log"),
            "orphaned": False,
        }
    ]
    assert rows[0]["memory_bytes"] > 1_000_000
    assert rows[0]["uptime_seconds"] >= 0
    assert run_cli("status", "web").returncode == 0

    again = run_cli("start", "web")
    assert again.returncode == 0
    assert "already running" in again.stderr

    stopped = run_cli("stop", "web")
    assert stopped.returncode == 0, stopped.stderr
    assert "stopped web" in stopped.stderr
    assert not pid_alive(pid)
    assert not record_file(mlxchat_home, "web").exists()
    assert processes_on_port(port) == []
    after = run_cli("status", "web")
    assert after.returncode == 3  # `status NAME` says "not running" with its exit code
    assert "stopped" in after.stdout
    assert "not running" in run_cli("stop", "web").stderr


@pytest.mark.parametrize("code", [0, 1])
def test_exit_during_startup_fails_at_once_with_the_log_tail(
    run_cli: RunCli, add_standin_profile: AddStandin, mlxchat_home: Path, code: int
) -> None:
    port = add_standin_profile("bad", "--exit-during-startup", str(code))
    result = run_cli("start", "bad", "--timeout", "60")
    assert result.returncode == 3
    assert "exited during start-up" in result.stderr
    assert f"with code {code}" in result.stderr
    assert "loading model failed: out of stand-in memory" in result.stderr  # the log tail
    assert "Traceback" not in result.stderr
    assert not record_file(mlxchat_home, "bad").exists()
    assert processes_on_port(port) == []
    status = json.loads(run_cli("status", "--json").stdout)
    assert status[0]["state"] == "stopped"


def test_never_ready_times_out_with_exit_3_and_leaves_nothing(
    run_cli: RunCli, add_standin_profile: AddStandin, mlxchat_home: Path
) -> None:
    port = add_standin_profile("slow", "--never-ready")
    result = run_cli("start", "slow", "--timeout", "1.5")
    assert result.returncode == 3
    assert "not ready after" in result.stderr
    assert "--timeout" in result.stderr
    assert processes_on_port(port) == []
    assert not record_file(mlxchat_home, "slow").exists()


def test_stop_escalates_to_sigkill_when_signals_are_ignored(
    run_cli: RunCli, add_standin_profile: AddStandin, mlxchat_home: Path
) -> None:
    port = add_standin_profile("stubborn", "--ignore-sigterm", "--ignore-sigint")
    assert run_cli("start", "stubborn").returncode == 0
    pid = read_record(mlxchat_home, "stubborn")["pid"]
    assert isinstance(pid, int)
    result = run_cli("stop", "stubborn", "--grace", "0.5")
    assert result.returncode == 0, result.stderr
    assert "needed SIGKILL" in result.stderr
    assert not pid_alive(pid)
    assert processes_on_port(port) == []


def test_stop_leaves_no_child_behind(
    run_cli: RunCli, add_standin_profile: AddStandin, mlxchat_home: Path
) -> None:
    add_standin_profile("parent", "--spawn-child", "--spawn-detached-child")
    assert run_cli("start", "parent").returncode == 0
    child = spawned_pid(mlxchat_home, "parent")
    detached = spawned_pid(mlxchat_home, "parent", "detached child")
    assert pid_alive(child)
    assert pid_alive(detached)
    assert os.getpgid(detached) != os.getpgid(child)  # it left the group
    rows = json.loads(run_cli("status", "--json").stdout)
    single = psutil.Process(rows[0]["pid"]).memory_info().rss
    assert rows[0]["memory_bytes"] > single  # the whole tree is counted
    result = run_cli("stop", "parent", "--grace", "1")
    assert result.returncode == 0, result.stderr
    assert not pid_alive(child)
    assert not pid_alive(detached)


def test_port_taken_is_refused_at_once_naming_the_holder(
    run_cli: RunCli, add_standin_profile: AddStandin, mlxchat_home: Path
) -> None:
    with socket.socket() as holder:
        holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        add_standin_profile("clash", port=port)
        result = run_cli("start", "clash")
    assert result.returncode == 3
    assert f"port 127.0.0.1:{port} is already in use" in result.stderr
    try:
        psutil.net_connections(kind="inet")
        can_see = True
    except psutil.AccessDenied:
        can_see = False
    if can_see:
        assert f"pid {os.getpid()}" in result.stderr
    assert "--port" in result.stderr  # the way out
    assert not record_file(mlxchat_home, "clash").exists()
    assert (
        "mlxchat: start clash" not in (mlxchat_home / "state" / "logs" / "clash.log").read_text()
        if (mlxchat_home / "state" / "logs" / "clash.log").exists()
        else True
    )


def test_port_taken_by_another_profile_names_it(
    run_cli: RunCli, add_standin_profile: AddStandin, mlxchat_home: Path
) -> None:
    """`first` runs on P; its profile was then moved to another port by hand, and `second` given P:
    the record says who holds P."""
    from mlxchat.profile_store import load_profiles, write_profiles
    from tests.fixtures.common import free_port

    port = add_standin_profile("first")
    assert run_cli("start", "first").returncode == 0
    profiles = load_profiles()
    profiles["first"].port = free_port()
    write_profiles(profiles)
    add_standin_profile("second", port=port)
    result = run_cli("start", "second")
    assert result.returncode == 3
    assert "profile 'first'" in result.stderr
    assert run_cli("stop", "first").returncode == 0


def test_kill_9_then_status_shows_crashed_once_and_start_works_again(
    run_cli: RunCli, add_standin_profile: AddStandin, mlxchat_home: Path
) -> None:
    add_standin_profile("victim")
    assert run_cli("start", "victim").returncode == 0
    pid = read_record(mlxchat_home, "victim")["pid"]
    assert isinstance(pid, int)
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    status = run_cli("status")
    assert status.returncode == 0
    assert re.search(r"^victim\s+crashed", status.stdout, re.M)
    assert "mlxchat logs victim" in status.stderr
    assert not record_file(mlxchat_home, "victim").exists()
    assert re.search(r"^victim\s+stopped", run_cli("status").stdout, re.M)

    os.kill(pid, 0) if pid_alive(pid) else None
    restarted = run_cli("start", "victim")
    assert restarted.returncode == 0, restarted.stderr
    assert read_record(mlxchat_home, "victim")["pid"] != pid
    assert run_cli("stop", "victim").returncode == 0


def test_children_of_a_killed_server_are_stopped_not_forgotten(
    run_cli: RunCli, add_standin_profile: AddStandin, mlxchat_home: Path
) -> None:
    add_standin_profile("parent", "--spawn-child")
    assert run_cli("start", "parent").returncode == 0
    pid = read_record(mlxchat_home, "parent")["pid"]
    assert isinstance(pid, int)
    child = spawned_pid(mlxchat_home, "parent")
    os.kill(pid, signal.SIGKILL)
    while pid_alive(pid):
        time.sleep(0.05)
    status = run_cli("status")
    assert re.search(r"^parent\s+crashed", status.stdout, re.M)
    assert "left child processes running" in status.stderr
    assert pid_alive(child)
    result = run_cli("stop", "parent", "--grace", "1")
    assert result.returncode == 0, result.stderr
    assert "processes it left behind" in result.stderr
    assert not pid_alive(child)
    assert not record_file(mlxchat_home, "parent").exists()


def test_start_cleans_a_dead_record_itself(
    run_cli: RunCli, add_standin_profile: AddStandin, mlxchat_home: Path
) -> None:
    add_standin_profile("victim")
    assert run_cli("start", "victim").returncode == 0
    pid = read_record(mlxchat_home, "victim")["pid"]
    assert isinstance(pid, int)
    os.kill(pid, signal.SIGKILL)
    while pid_alive(pid):
        time.sleep(0.05)
    result = run_cli("start", "victim")
    assert result.returncode == 0, result.stderr
    assert "had exited; its record was cleaned" in result.stderr
    assert run_cli("stop", "victim").returncode == 0


def test_no_wait_returns_before_ready_and_status_says_starting(
    run_cli: RunCli, add_standin_profile: AddStandin, mlxchat_home: Path
) -> None:
    add_standin_profile("lazy", "--startup-delay", "30")
    result = run_cli("start", "lazy", "--no-wait")
    assert result.returncode == 0, result.stderr
    assert "launched" in result.stderr
    rows = json.loads(run_cli("status", "--json").stdout)
    assert rows[0]["state"] == "starting"
    assert run_cli("status", "lazy").returncode == 3
    assert run_cli("stop", "lazy").returncode == 0


def test_restart_gives_a_new_process(
    run_cli: RunCli, add_standin_profile: AddStandin, mlxchat_home: Path
) -> None:
    add_standin_profile("web")
    assert run_cli("start", "web").returncode == 0
    first = read_record(mlxchat_home, "web")["pid"]
    result = run_cli("restart", "web")
    assert result.returncode == 0, result.stderr
    assert result.stderr.index("stopped web") < result.stderr.index("web is ready")
    second = read_record(mlxchat_home, "web")["pid"]
    assert second != first
    assert isinstance(first, int)
    assert not pid_alive(first)
    assert run_cli("stop", "--all").returncode == 0
    assert isinstance(second, int)
    assert not pid_alive(second)


def test_stop_all_stops_every_server(run_cli: RunCli, add_standin_profile: AddStandin) -> None:
    ports = [add_standin_profile(n) for n in ("a", "b")]
    assert run_cli("start", "a").returncode == 0
    assert run_cli("start", "b").returncode == 0
    result = run_cli("stop", "--all")
    assert result.returncode == 0
    assert "stopped a" in result.stderr
    assert "stopped b" in result.stderr
    assert all(processes_on_port(p) == [] for p in ports)
    assert run_cli("stop").returncode == 2  # neither NAME nor --all


def test_remote_profiles_are_not_started_but_probed(run_cli: RunCli, standin: object) -> None:
    url = standin.base_url  # type: ignore[attr-defined]
    run_cli("profile", "add", "far", "--server", "remote", "--url", url)
    run_cli("profile", "add", "gone", "--server", "remote", "--url", "http://127.0.0.1:9/v1")
    for verb in ("start", "stop"):
        result = run_cli(verb, "far")
        assert result.returncode == 0
        assert "remote profile" in result.stderr
    rows = {r["name"]: r for r in json.loads(run_cli("status", "--json").stdout)}
    assert rows["far"]["state"] == "running"
    assert rows["far"]["url"] == url
    assert rows["gone"]["state"] == "unhealthy"


def test_unknown_profile_is_exit_2_with_the_known_names(
    run_cli: RunCli, add_standin_profile: AddStandin
) -> None:
    add_standin_profile("known")
    for args in (["start", "nope"], ["stop", "nope"], ["status", "nope"], ["logs", "nope"]):
        result = run_cli(*args)
        assert result.returncode == 2
        assert "no profile named 'nope'" in result.stderr
        assert "known" in result.stderr


def test_start_on_a_terminal_shows_a_spinner_and_finishes(
    add_standin_profile: AddStandin, mlxchat_home: Path
) -> None:
    import pexpect

    add_standin_profile("tty", "--startup-delay", "1.5")
    env = {**os.environ, "MLXCHAT_HOME": str(mlxchat_home), "TERM": "xterm"}
    child = pexpect.spawn(
        sys.executable, ["-m", "mlxchat", "start", "tty"], env=env, encoding="utf-8", timeout=60
    )
    child.expect("tty: [01] s")  # the spinner line with the elapsed time
    child.expect("tty is ready")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    stopped = subprocess.run(
        [sys.executable, "-m", "mlxchat", "stop", "tty"], env=env, capture_output=True, text=True, timeout=60
    )
    assert stopped.returncode == 0


@pytest.mark.parametrize("host", ["192.0.2.1", "nosuchhost.invalid"])
def test_start_on_a_host_this_machine_cannot_listen_on_is_exit_2(
    run_cli: RunCli, mlxchat_home: Path, host: str
) -> None:
    # Written straight to the file (profile add refuses it): a file edited by hand, or copied over.
    from mlxchat.profile import Profile
    from mlxchat.profile_store import write_profiles
    from tests.fixtures.common import free_port
    from tests.fixtures.lifecycle import standin_template

    write_profiles(
        {
            "far": Profile(
                name="far", server="command", command=standin_template(), host=host, port=free_port()
            )
        }
    )
    result = run_cli("start", "far")
    assert result.returncode == 2, result.stderr
    assert f"cannot listen on {host}" in result.stderr
    assert "Traceback" not in result.stderr
    assert not record_file(mlxchat_home, "far").exists()


def test_a_start_that_finds_the_server_starting_never_claims_to_have_stopped_it(
    run_cli: RunCli, add_standin_profile: AddStandin, mlxchat_home: Path
) -> None:
    add_standin_profile("slow", "--startup-delay", "120")  # its log stays short: a few lines
    log = mlxchat_home / "state" / "logs" / "slow.log"
    log.parent.mkdir(parents=True)
    log.write_text("OLD RUN: a line from an earlier start\n")
    assert run_cli("start", "slow", "--no-wait").returncode == 0
    pid = read_record(mlxchat_home, "slow")["pid"]
    assert isinstance(pid, int)
    second = run_cli("start", "slow", "--timeout", "2")
    assert second.returncode == 3, second.stderr
    assert "it was stopped" not in second.stderr
    assert "keeps running" in second.stderr
    assert "mlxchat stop slow" in second.stderr
    assert "OLD RUN" not in second.stderr  # the log tail is this run's only
    assert "standin: starting" in second.stderr
    assert pid_alive(pid)
    assert read_record(mlxchat_home, "slow")["pid"] == pid
    assert run_cli("stop", "slow").returncode == 0
    assert not pid_alive(pid)
