"""A server is known by pid + create time, whatever it execs into; a process that is not provably
the server's is never signalled. Real processes throughout: launch variants that exec (a shim, env,
nohup, sh -c, bash -c, a #!/usr/bin/env script, a re-exec) and staged stale records."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
from pathlib import Path

import psutil
import pytest

from tests.fixtures.common import RunCli
from tests.fixtures.lifecycle import (
    LAUNCH_VARIANTS,
    AddStandin,
    concurrent_starts,
    orphaned_group,
    place_record,
    processes_on_port,
    record_file,
    recorded_pid,
    spawned_pid,
    wait_dead,
)
from tests.fixtures.processes import pid_alive


@pytest.mark.parametrize("launch", sorted(LAUNCH_VARIANTS))
def test_a_server_launched_through_exec_is_still_known_as_itself(
    run_cli: RunCli, add_standin_profile: AddStandin, mlxchat_home: Path, launch: str
) -> None:
    port = add_standin_profile("web", launch=launch)
    started = run_cli("start", "web")
    assert started.returncode == 0, started.stderr
    pid = recorded_pid(mlxchat_home, "web")
    status = run_cli("status", "web")
    assert status.returncode == 0, status.stdout + status.stderr
    assert re.search(r"^web\s+running", status.stdout, re.M)
    again = run_cli("start", "web")
    assert again.returncode == 0, again.stderr
    assert "already running" in again.stderr
    assert recorded_pid(mlxchat_home, "web") == pid
    assert run_cli("profile", "rm", "web").returncode == 2  # the guard sees it running
    stopped = run_cli("stop", "web", "--grace", "2")
    assert stopped.returncode == 0, stopped.stderr
    assert "stopped web" in stopped.stderr
    assert wait_dead(pid)
    assert processes_on_port(port) == []


def test_a_start_that_times_out_stops_a_server_that_exec_d(
    run_cli: RunCli, add_standin_profile: AddStandin, mlxchat_home: Path
) -> None:
    port = add_standin_profile("slow", "--never-ready", launch="shim")
    result = run_cli("start", "slow", "--timeout", "1.5")
    assert result.returncode == 3
    assert "it was stopped" in result.stderr
    assert processes_on_port(port) == []
    assert not record_file(mlxchat_home, "slow").exists()


def test_parallel_starts_of_a_server_that_exec_d_give_one_server(
    run_cli: RunCli, add_standin_profile: AddStandin, mlxchat_home: Path
) -> None:
    port = add_standin_profile("busy", "--startup-delay", "1", launch="shim")
    results = concurrent_starts(mlxchat_home, "busy", 4)
    assert [code for code, _ in results] == [0] * 4, results
    assert sum("busy is ready" in err for _, err in results) == 1, results
    assert sum("already running" in err for _, err in results) == 3, results
    assert len(processes_on_port(port)) == 1
    assert run_cli("stop", "busy").returncode == 0
    assert processes_on_port(port) == []


def test_a_stale_record_never_signals_the_group_that_now_has_its_pid(
    run_cli: RunCli, add_standin_profile: AddStandin, mlxchat_home: Path
) -> None:
    """The recorded server died long ago; its pid was taken by a shell that started a daemon in its
    own group and exited. Group G has a member created after the old server, and no evidence that
    it is the server's: status, stop and start leave it alone."""
    port = add_standin_profile("ghost")
    with orphaned_group() as (pgid, created, member):
        record, path = place_record(
            mlxchat_home,
            "ghost",
            pid=pgid,
            create_time=created - 86400.0,  # a server of yesterday
            cmdline=["python", "server.py", "--port", str(port)],
            port=port,
        )
        status = run_cli("status")
        assert re.search(r"^ghost\s+crashed", status.stdout, re.M), status.stdout
        assert "left child processes" not in status.stderr
        assert pid_alive(member)
        assert not path.exists()
        path.write_text(json.dumps(record))
        stopped = run_cli("stop", "ghost", "--grace", "0.5")
        assert stopped.returncode == 0, stopped.stderr
        assert "not running" in stopped.stderr
        assert pid_alive(member)
        path.write_text(json.dumps(record))
        started = run_cli("start", "ghost")
        assert started.returncode == 0, started.stderr
        assert pid_alive(member)
        assert run_cli("stop", "ghost").returncode == 0
        assert pid_alive(member)


def test_a_record_from_another_boot_proves_nothing(
    run_cli: RunCli, add_standin_profile: AddStandin, mlxchat_home: Path
) -> None:
    """Even processes the record names exactly (pid and create time) are not signalled when the
    record was written before this boot: it can say nothing about what runs now."""
    port = add_standin_profile("ghost")
    with orphaned_group() as (pgid, _, member):
        boot = psutil.boot_time()
        place_record(
            mlxchat_home,
            "ghost",
            pid=pgid,
            create_time=boot - 3600.0,
            cmdline=["python", "server.py"],
            port=port,
            boot_time=boot - 7200.0,
            descendants=[[member, psutil.Process(member).create_time()]],
        )
        stopped = run_cli("stop", "ghost", "--grace", "0.5")
        assert stopped.returncode == 0, stopped.stderr
        assert "not running" in stopped.stderr
        assert pid_alive(member)


def test_a_live_process_named_by_a_record_of_another_boot_is_never_its_server(
    run_cli: RunCli, add_standin_profile: AddStandin, mlxchat_home: Path
) -> None:
    """The record names a live process exactly (pid and create time), but was written before this
    boot: status, logs and start all take the server for gone, and the process is left alone."""
    port = add_standin_profile("ghost")
    stranger = subprocess.Popen(["sleep", "600"])
    try:
        proc = psutil.Process(stranger.pid)

        def place() -> None:
            place_record(
                mlxchat_home,
                "ghost",
                pid=proc.pid,
                create_time=proc.create_time(),
                cmdline=proc.cmdline(),
                port=port,
                boot_time=psutil.boot_time() - 7200.0,
            )

        place()
        logs = run_cli("logs", "ghost")
        assert logs.returncode == 0, logs.stderr
        assert "no log for ghost" in logs.stderr
        status = run_cli("status", "ghost", "--json")
        assert [row["state"] for row in json.loads(status.stdout)] == ["crashed"]
        place()
        started = run_cli("start", "ghost")
        assert started.returncode == 0, started.stderr
        assert "was from before the machine last started" in started.stderr
        assert recorded_pid(mlxchat_home, "ghost") != proc.pid
        assert run_cli("stop", "ghost", "--grace", "2").returncode == 0
        assert pid_alive(proc.pid)
    finally:
        stranger.kill()
        stranger.wait()


def test_the_children_a_killed_server_left_are_stopped_after_it(
    run_cli: RunCli, add_standin_profile: AddStandin, mlxchat_home: Path
) -> None:
    """The positive case of the rule: children mlxchat saw (recorded at readiness) are the
    server's, and are stopped once it is gone, even when they left its process group."""
    add_standin_profile("parent", "--spawn-detached-child")
    assert run_cli("start", "parent").returncode == 0
    pid = recorded_pid(mlxchat_home, "parent")
    child = spawned_pid(mlxchat_home, "parent", "detached child")
    os.kill(pid, signal.SIGKILL)
    assert wait_dead(pid)
    status = run_cli("status")
    assert "left child processes running" in status.stderr
    result = run_cli("stop", "parent", "--grace", "0.5")
    assert result.returncode == 0, result.stderr
    assert "processes it left behind" in result.stderr
    assert wait_dead(child)


def test_stale_record_pointing_at_an_unrelated_process_never_signals_it(
    run_cli: RunCli, add_standin_profile: AddStandin, mlxchat_home: Path
) -> None:
    """The recorded pid now belongs to another process (its create time differs). The command
    line decides nothing either way: a recorded pid and create time name one process for good."""
    port = add_standin_profile("ghost")
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        proc = psutil.Process(sleeper.pid)
        record, path = place_record(
            mlxchat_home,
            "ghost",
            pid=sleeper.pid,
            create_time=proc.create_time() - 100.0,
            cmdline=proc.cmdline(),  # the same command line: still not the same process
            port=port,
        )
        assert run_cli("status", "ghost").returncode == 3  # not ours: crashed, then cleaned
        path.write_text(json.dumps(record))
        result = run_cli("stop", "ghost", "--grace", "0.5")
        assert result.returncode == 0, result.stderr
        assert "record cleaned" in result.stderr
        assert sleeper.poll() is None  # never signalled
        assert not path.exists()
        path.write_text(json.dumps(record))
        started = run_cli("start", "ghost")  # and start goes ahead
        assert started.returncode == 0, started.stderr
        assert sleeper.poll() is None
        assert run_cli("stop", "ghost").returncode == 0
        assert sleeper.poll() is None
    finally:
        sleeper.kill()
        sleeper.wait()


def test_a_reused_pid_that_leads_an_unrelated_group_is_never_signalled(
    run_cli: RunCli, add_standin_profile: AddStandin, mlxchat_home: Path
) -> None:
    """The recorded server is gone and its pid now leads another session (a shell job, another
    server): that group is not what the server left behind, so status and stop leave it alone."""
    port = add_standin_profile("ghost")
    leader = subprocess.Popen(["sleep", "300"], start_new_session=True)
    try:
        assert os.getpgid(leader.pid) == leader.pid
        record, path = place_record(
            mlxchat_home,
            "ghost",
            pid=leader.pid,
            create_time=psutil.Process(leader.pid).create_time() - 5.0,
            cmdline=["python", "server.py", "--port", str(port)],
            port=port,
        )
        status = run_cli("status")
        assert re.search(r"^ghost\s+crashed", status.stdout, re.M), status.stdout
        assert "left child processes running" not in status.stderr
        assert not path.exists()  # nothing left behind: the record is cleaned at once
        path.write_text(json.dumps(record))
        stopped = run_cli("stop", "ghost", "--grace", "0.5")
        assert stopped.returncode == 0, stopped.stderr
        assert "record cleaned" in stopped.stderr
        assert not path.exists()
        path.write_text(json.dumps(record))
        started = run_cli("start", "ghost")
        assert started.returncode == 0, started.stderr
        assert run_cli("stop", "ghost").returncode == 0
        assert leader.poll() is None  # never signalled
    finally:
        leader.kill()
        leader.wait()
