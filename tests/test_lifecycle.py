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
from tests.fixtures.lifecycle import AddStandin, pid_alive, processes_on_port


def record_file(home: Path, name: str) -> Path:
    return home / "state" / "run" / f"{name}.json"


GOOD_RECORD: dict[str, object] = {
    "profile": "odd",
    "pid": 1,
    "create_time": 1.0,
    "cmdline": ["python"],
    "command": ["python"],
    "kind": "command",
    "host": "127.0.0.1",
    "port": 9,
    "log_path": "odd.log",
    "started_at": 1.0,
    "ready": False,
    "ready_at": None,
}


def place_record(
    home: Path, name: str, *, pid: int, create_time: float, cmdline: list[str], port: int
) -> tuple[dict[str, object], Path]:
    """A run record written by hand, as if a server of profile ``name`` had been started."""
    record = {
        **GOOD_RECORD,
        "profile": name,
        "pid": pid,
        "create_time": create_time,
        "cmdline": cmdline,
        "command": ["python", "server.py", "--port", str(port)],
        "port": port,
        "log_path": str(home / "state" / "logs" / f"{name}.log"),
        "started_at": create_time,
        "ready": True,
    }
    path = record_file(home, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record))
    return record, path


def read_record(home: Path, name: str) -> dict[str, object]:
    data: dict[str, object] = json.loads(record_file(home, name).read_text())
    return data


def log_text(home: Path, name: str) -> str:
    return (home / "state" / "logs" / f"{name}.log").read_text()


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
    log = log_text(mlxchat_home, "parent")
    child = int(re.search(r"spawned child (\d+)", log).group(1))  # type: ignore[union-attr]
    detached = int(re.search(r"spawned detached child (\d+)", log).group(1))  # type: ignore[union-attr]
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
    port = add_standin_profile("first")
    assert run_cli("start", "first").returncode == 0
    # Written straight to the file: `profile add` would refuse the same port.
    from mlxchat.profile import Profile
    from mlxchat.profile_store import load_profiles, write_profiles
    from tests.fixtures.lifecycle import standin_template

    profiles = load_profiles()
    profiles["second"] = Profile(name="second", server="command", command=standin_template(), port=port)
    write_profiles(profiles)
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
    child = int(re.search(r"spawned child (\d+)", log_text(mlxchat_home, "parent")).group(1))  # type: ignore[union-attr]
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


@pytest.mark.parametrize("mismatch", ["create_time", "cmdline"])
def test_stale_record_pointing_at_an_unrelated_process_never_signals_it(
    run_cli: RunCli, add_standin_profile: AddStandin, mlxchat_home: Path, mismatch: str
) -> None:
    port = add_standin_profile("ghost")
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        proc = psutil.Process(sleeper.pid)
        record, path = place_record(
            mlxchat_home,
            "ghost",
            pid=sleeper.pid,
            create_time=proc.create_time() - (100.0 if mismatch == "create_time" else 0.0),
            cmdline=proc.cmdline() if mismatch == "create_time" else ["python", "server.py"],
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


def test_ten_concurrent_starts_give_exactly_one_server(
    add_standin_profile: AddStandin, mlxchat_home: Path, run_cli: RunCli
) -> None:
    port = add_standin_profile("busy", "--startup-delay", "1")
    env = {**os.environ, "MLXCHAT_HOME": str(mlxchat_home)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "mlxchat", "start", "busy"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(10)
    ]
    results = [(p.wait(120), p.communicate()[1]) for p in procs]
    assert [code for code, _ in results] == [0] * 10, results
    assert sum("busy is ready" in err for _, err in results) == 1
    assert sum("already running" in err for _, err in results) == 9
    assert len(processes_on_port(port)) == 1
    assert json.loads(run_cli("status", "--json").stdout)[0]["state"] == "running"
    assert run_cli("stop", "busy").returncode == 0
    assert processes_on_port(port) == []


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


def test_a_running_server_is_never_lost_by_editing_its_profile(
    run_cli: RunCli, add_standin_profile: AddStandin, mlxchat_home: Path
) -> None:
    port = add_standin_profile("web")
    assert run_cli("start", "web").returncode == 0
    pid = read_record(mlxchat_home, "web")["pid"]
    assert isinstance(pid, int)
    profiles = mlxchat_home / "config" / "profiles.toml"
    before = profiles.read_bytes()
    for change in (
        ["--server", "remote", "--url", "http://127.0.0.1:9/v1", "--unset", "command"],
        ["--port", str(port + 1)],
        ["--host", "localhost"],
        ["--command", "sleep {port}"],
        ["--extra-args", "--verbose"],
        ["--unset", "extra_args", "--model-path", "/tmp"],
    ):
        refused = run_cli("profile", "edit", "web", *change)
        assert refused.returncode == 2, (change, refused.stderr)
        assert "stop it first" in refused.stderr
        assert "Traceback" not in refused.stderr
    assert profiles.read_bytes() == before
    removed = run_cli("profile", "rm", "web")
    assert removed.returncode == 2
    assert "stop it first" in removed.stderr
    # Fields that do not say where or how the server runs may change (a restart applies them).
    allowed = run_cli("profile", "edit", "web", "--temperature", "0.5", "--port", str(port))
    assert allowed.returncode == 0, allowed.stderr
    assert "mlxchat restart web" in allowed.stderr
    assert pid_alive(pid)


def test_stop_follows_the_record_whatever_the_profile_says_now(
    run_cli: RunCli, add_standin_profile: AddStandin, mlxchat_home: Path
) -> None:
    from mlxchat.profile import Profile
    from mlxchat.profile_store import load_profiles, write_profiles

    for name in ("one", "two"):
        add_standin_profile(name)
        assert run_cli("start", name).returncode == 0
    pids = [read_record(mlxchat_home, n)["pid"] for n in ("one", "two")]
    # Changed by hand while the servers run: both are remote profiles now.
    profiles = load_profiles()
    for name in ("one", "two"):
        profiles[name] = Profile(name=name, server="remote", url="http://127.0.0.1:9/v1")
    write_profiles(profiles)
    stopped = run_cli("stop", "one", "--grace", "2")
    assert stopped.returncode == 0, stopped.stderr
    assert "stopped one" in stopped.stderr
    assert not pid_alive(pids[0])  # type: ignore[arg-type]
    assert "remote profile" in run_cli("stop", "one").stderr  # and now there is nothing to stop
    everything = run_cli("stop", "--all", "--grace", "2")
    assert everything.returncode == 0, everything.stderr
    assert "stopped two" in everything.stderr
    assert not pid_alive(pids[1])  # type: ignore[arg-type]


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


@pytest.mark.parametrize(
    "bad",
    [
        {"pid": "abc"},
        {"pid": True},
        {"create_time": "x"},
        {"cmdline": "python"},
        {"port": None},
        {"profile": 3},
    ],
    ids=lambda bad: ",".join(f"{k}={v!r}" for k, v in bad.items()),
)
def test_a_malformed_record_counts_as_none(
    run_cli: RunCli, add_standin_profile: AddStandin, mlxchat_home: Path, bad: dict[str, object]
) -> None:
    add_standin_profile("odd")
    path = record_file(mlxchat_home, "odd")
    path.parent.mkdir(parents=True)
    for args in (["status"], ["status", "--json"], ["stop", "odd"], ["stop", "--all"], ["start", "odd"]):
        if not path.exists() or args[0] != "start":
            path.write_text(json.dumps({**GOOD_RECORD, **bad}))
        result = run_cli(*args)
        assert "Traceback" not in result.stderr
        assert "internal error" not in result.stderr, (args, result.stderr)
        assert result.returncode in (0, 3), (args, result.stderr)
    assert read_record(mlxchat_home, "odd")["pid"] != bad.get("pid")  # start replaced it
    assert run_cli("stop", "odd").returncode == 0


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


def _cli(home: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "MLXCHAT_HOME": str(home)}
    return subprocess.Popen(
        [sys.executable, "-m", "mlxchat", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


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
        stopper = _cli(mlxchat_home, "stop", "web", "--grace", "2")
        _wait_until_it_opens(stopper, lock.path)
        deadline = time.monotonic() + 3  # longer than stop waited for the lock before
        while stopper.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        server = subprocess.Popen(["sleep", "300"], start_new_session=True)
        proc = psutil.Process(server.pid)
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
        starter = _cli(mlxchat_home, "start", "web", "--no-wait")
        _wait_until_it_opens(starter, lock.path)
        time.sleep(0.3)
    finally:
        lock.release()
    _, err = starter.communicate(timeout=60)
    assert starter.returncode == 0, err
    assert "launched" in err
    assert record_file(mlxchat_home, "web").exists()
    assert run_cli("stop", "web").returncode == 0


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
