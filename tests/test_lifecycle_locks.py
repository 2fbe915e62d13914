"""One start or stop of a profile at a time: concurrent starts, a stop that meets a start, brief holds
of the profile lock. Real CLI processes racing each other."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import psutil

from tests.fixtures.common import RunCli
from tests.fixtures.lifecycle import (
    GOOD_RECORD,
    AddStandin,
    cli_process,
    concurrent_starts,
    processes_on_port,
    record_file,
)
from tests.fixtures.processes import after_exec


def test_ten_concurrent_starts_give_exactly_one_server(
    add_standin_profile: AddStandin, mlxchat_home: Path, run_cli: RunCli
) -> None:
    port = add_standin_profile("busy", "--startup-delay", "1")
    results = concurrent_starts(mlxchat_home, "busy", 10)
    assert [code for code, _ in results] == [0] * 10, results
    assert sum("busy is ready" in err for _, err in results) == 1
    assert sum("already running" in err for _, err in results) == 9
    assert len(processes_on_port(port)) == 1
    assert json.loads(run_cli("status", "--json").stdout)[0]["state"] == "running"
    assert run_cli("stop", "busy").returncode == 0
    assert processes_on_port(port) == []


def _wait_until_it_opens(proc: subprocess.Popen[str], path: Path) -> None:
    """Until ``proc`` has ``path`` open (it is trying to take that lock), or has ended."""
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            if any(f.path == str(path) for f in psutil.Process(proc.pid).open_files()):
                return
        except psutil.Error:
            pass
        time.sleep(0.02)


def test_a_stop_that_meets_a_start_before_its_record_stops_what_it_starts(
    add_standin_profile: AddStandin, mlxchat_home: Path
) -> None:
    """A start holds the profile lock from before it launches the server until it is ready; a stop
    arriving before the record is written must wait for the record, not report 'not running'."""
    from mlxchat.files import profile_lock

    add_standin_profile("web")
    lock = profile_lock("web")
    lock.acquire()  # we are the start now
    server = None
    try:
        stopper = cli_process(mlxchat_home, "stop", "web", "--grace", "2")
        _wait_until_it_opens(stopper, lock.path)
        deadline = time.monotonic() + 3  # longer than stop waited for the lock before
        while stopper.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        server = subprocess.Popen(["sleep", "300"], start_new_session=True)
        proc = after_exec(server)
        record = {
            **GOOD_RECORD,
            "profile": "web",
            "pid": server.pid,
            "create_time": proc.create_time(),
            "cmdline": proc.cmdline(),
        }
        path = record_file(mlxchat_home, "web")
        path.parent.mkdir(parents=True, exist_ok=True)
        # Atomically, as mlxchat writes records: the waiting stop polls for this very file and
        # removes one it cannot read (an empty file, half-way through a plain write).
        path.with_suffix(".tmp").write_text(json.dumps(record))
        path.with_suffix(".tmp").replace(path)
    finally:
        lock.release()
    try:
        _, err = stopper.communicate(timeout=60)
        assert stopper.returncode == 0, err
        assert "stopped web" in err, err
        assert server is not None
        assert server.wait(10) is not None
    finally:
        if server is not None:
            server.kill()
            server.wait()


def test_start_no_wait_while_another_start_holds_the_lock_is_exit_3(
    add_standin_profile: AddStandin, mlxchat_home: Path, run_cli: RunCli
) -> None:
    """Held longer than a brief hold, and no record written yet: another start is launching the
    server. `start --no-wait` says so (as it does once the record exists), exit 3, and launches
    nothing."""
    from mlxchat.files import profile_lock

    port = add_standin_profile("web")
    lock = profile_lock("web")
    lock.acquire()
    try:
        result = run_cli("start", "web", "--no-wait")
    finally:
        lock.release()
    assert result.returncode == 3, result.stderr
    assert "web is starting, not ready yet: another mlxchat is starting it" in result.stderr
    assert "mlxchat status web" in result.stderr
    assert processes_on_port(port) == []
    assert not record_file(mlxchat_home, "web").exists()


def test_start_no_wait_waits_out_a_brief_hold_of_the_lock(
    add_standin_profile: AddStandin, mlxchat_home: Path, run_cli: RunCli
) -> None:
    """`status` holds the profile lock for a moment to clean or mark a record; a `start --no-wait`
    arriving then starts the server instead of concluding another start is under way."""
    from mlxchat.files import profile_lock

    add_standin_profile("web")
    lock = profile_lock("web")
    lock.acquire()
    try:
        starter = cli_process(mlxchat_home, "start", "web", "--no-wait")
        _wait_until_it_opens(starter, lock.path)
        time.sleep(0.3)
    finally:
        lock.release()
    _, err = starter.communicate(timeout=60)
    assert starter.returncode == 0, err
    assert "launched" in err
    assert record_file(mlxchat_home, "web").exists()
    assert run_cli("stop", "web").returncode == 0
