"""The state directory and the run records: unwritable state, a relative MLXCHAT_HOME, records that
cannot be trusted, and status and stop that go by what runs (its record) even when the profile file
says otherwise."""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.fixtures.common import REPO, RunCli, run_mlxchat
from tests.fixtures.lifecycle import (
    GOOD_RECORD,
    AddStandin,
    plain_user_preexec,
    processes_on_port,
    read_record,
    record_file,
    recorded_pid,
    wait_dead,
)
from tests.fixtures.processes import pid_alive

NOBODY = 65534


def run_plain(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The CLI as an ordinary user meets it (for root: without the powers that ignore file modes)."""
    return run_mlxchat(home, *args, preexec_fn=plain_user_preexec())


@contextmanager
def unwritable(state: Path, how: str) -> Iterator[None]:
    """``state`` made read-only, or handed to another user (read-only for us), and given back after."""
    if how == "foreign-owned" and os.geteuid() != 0:
        pytest.skip("handing a directory to another user needs root")
    tree = [state, *state.rglob("*")]
    for path in tree:
        if how == "foreign-owned":
            os.chown(path, NOBODY, NOBODY)
        path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        yield
    finally:
        for path in tree:
            if how == "foreign-owned":
                os.chown(path, os.getuid(), os.getgid())
            path.chmod(0o755 if path.is_dir() else 0o644)


def _no_internal_error(result: subprocess.CompletedProcess[str]) -> None:
    assert "internal error" not in result.stderr, result.stderr
    assert "Traceback" not in result.stderr, result.stderr


@pytest.mark.parametrize("how", ["read-only", "foreign-owned"])
def test_a_server_under_an_unwritable_state_directory_can_still_be_stopped(
    run_cli: RunCli, add_standin_profile: AddStandin, mlxchat_home: Path, how: str
) -> None:
    port = add_standin_profile("web")
    assert run_cli("start", "web").returncode == 0
    pid = recorded_pid(mlxchat_home, "web")
    state = mlxchat_home / "state"
    with unwritable(state, how):
        status = run_plain(mlxchat_home, "status")
        _no_internal_error(status)
        assert status.returncode == 0
        assert re.search(r"^web\s+running", status.stdout, re.M)
        again = run_plain(mlxchat_home, "start", "web")
        _no_internal_error(again)
        assert again.returncode == 0, again.stderr
        assert "already running" in again.stderr
        stopped = run_plain(mlxchat_home, "stop", "web", "--grace", "2")
        _no_internal_error(stopped)
        assert stopped.returncode == 0, stopped.stderr
        assert "stopped web" in stopped.stderr
        assert str(state / "run" / "web.json") in stopped.stderr  # the record it could not remove
        assert wait_dead(pid)
        after = run_plain(mlxchat_home, "status")
        _no_internal_error(after)
        assert after.returncode == 0
        logs = run_plain(mlxchat_home, "logs", "web", "-n", "2")
        _no_internal_error(logs)
        assert logs.returncode == 0
    assert processes_on_port(port) == []


@pytest.mark.parametrize(
    ("how", "kind"), [("read-only", "command"), ("foreign-owned", "command"), ("read-only", "mlx-lm")]
)
def test_start_under_an_unwritable_state_directory_is_a_clear_exit_2(
    run_cli: RunCli, add_standin_profile: AddStandin, mlxchat_home: Path, how: str, kind: str
) -> None:
    if kind == "command":
        port = add_standin_profile("web")
    else:  # it prepares a directory of its own (the Hugging Face cache) before anything is launched
        from mlxchat.paths import tiny_model_dir
        from tests.fixtures.common import free_port

        port = free_port()
        added = run_cli("profile", "add", "web", "--server", kind, "--model-path", str(tiny_model_dir()))
        assert added.returncode == 0, added.stderr
        assert run_cli("profile", "edit", "web", "--port", str(port)).returncode == 0
    state = mlxchat_home / "state"
    (state / "logs").mkdir(parents=True)
    with unwritable(state, how):
        result = run_plain(mlxchat_home, "start", "web")
        _no_internal_error(result)
        assert result.returncode == 2, result.stderr
        assert str(state) in result.stderr
        assert "MLXCHAT_HOME" in result.stderr  # the way out
        status = run_plain(mlxchat_home, "status", "--json")
        _no_internal_error(status)
        assert json.loads(status.stdout)[0]["state"] == "stopped"
    assert processes_on_port(port) == []


def test_a_relative_mlxchat_home_is_made_absolute_once(
    run_cli: RunCli, add_standin_profile: AddStandin, mlxchat_home: Path
) -> None:
    add_standin_profile("web")
    relative = os.path.relpath(mlxchat_home, REPO)  # run_cli runs in REPO
    started = run_cli("start", "web", env={"MLXCHAT_HOME": relative})
    assert started.returncode == 0, started.stderr
    record = read_record(mlxchat_home, "web")
    assert Path(str(record["log_path"])).is_absolute()
    assert run_cli("stop", "web", env={"MLXCHAT_HOME": relative}).returncode == 0


def _edit_profile_file(home: Path, change: str, name: str, value: str | None) -> None:
    from mlxchat.profile_store import load_profiles, write_profiles

    profiles = load_profiles()
    if value is None:
        del profiles[name]
    else:
        setattr(profiles[name], change, int(value))
    write_profiles(profiles)


def test_status_shows_a_running_server_whose_profile_was_removed_by_hand(
    run_cli: RunCli, add_standin_profile: AddStandin, mlxchat_home: Path
) -> None:
    port = add_standin_profile("web")
    add_standin_profile("other")
    assert run_cli("start", "web").returncode == 0
    pid = recorded_pid(mlxchat_home, "web")
    _edit_profile_file(mlxchat_home, "", "web", None)
    rows = {r["name"]: r for r in json.loads(run_cli("status", "--json").stdout)}
    assert rows["web"]["state"] == "running"
    assert rows["web"]["pid"] == pid
    assert rows["web"]["port"] == port
    table = run_cli("status")
    assert re.search(r"^web\s+running", table.stdout, re.M)
    assert "no profile" in table.stderr
    assert run_cli("status", "web").returncode == 0
    assert run_cli("stop", "web").returncode == 0
    assert [r["name"] for r in json.loads(run_cli("status", "--json").stdout)] == ["other"]


def test_status_follows_the_record_when_the_port_was_changed_by_hand(
    run_cli: RunCli, add_standin_profile: AddStandin, mlxchat_home: Path
) -> None:
    from tests.fixtures.common import free_port

    port = add_standin_profile("web")
    assert run_cli("start", "web").returncode == 0
    other = free_port()
    _edit_profile_file(mlxchat_home, "port", "web", str(other))
    (row,) = json.loads(run_cli("status", "--json").stdout)
    assert row["state"] == "running"
    assert row["port"] == port
    assert row["url"] == f"http://127.0.0.1:{port}/v1"
    table = run_cli("status")
    assert str(other) in table.stderr  # it says the profile now says otherwise
    assert "restart" in table.stderr
    assert run_cli("status", "web").returncode == 0
    assert run_cli("stop", "web").returncode == 0


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
    # Fields that do not say where or how the server runs may change. mlxchat's own apply to the
    # next request: no restart is asked for.
    for client_side in (
        ["--temperature", "0.5", "--port", str(port)],
        ["--max-tokens", "9"],
        ["--system-prompt", "Be brief.", "--max-image-size", "512"],
        ["--batch-jobs", "2", "--thinking-prefilled"],
    ):
        allowed = run_cli("profile", "edit", "web", *client_side)
        assert allowed.returncode == 0, allowed.stderr
        assert "restart" not in allowed.stderr, (client_side, allowed.stderr)
    # Those the server is started with (its command line) take effect at a restart: named.
    for server_side, named in ((["--context-length", "2048"], "context_length"), (["--model", "m"], "model")):
        allowed = run_cli("profile", "edit", "web", *server_side)
        assert allowed.returncode == 0, allowed.stderr
        assert f"still runs with the old {named}: mlxchat restart web" in allowed.stderr
    assert pid_alive(pid)
    assert run_cli("stop", "web").returncode == 0
    again = run_cli("profile", "edit", "web", "--context-length", "4096")  # not running: no note
    assert again.returncode == 0 and "restart" not in again.stderr


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
