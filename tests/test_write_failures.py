"""mlxchat's own files when they cannot be written, for every reason a write fails: a directory
without write permission, a read-only mount, a full disk, a file where a directory belongs.
Each ends with a clear exit 2 naming the path and the way out, never an internal error, and leaves
the files as they were.

A read-only mount and a full disk are staged for the CLI child alone, in a mount namespace of its
own (``unshare``: a user namespace needs no privilege); where that is not possible, those cases
are skipped."""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.common import REPO, run_mlxchat
from tests.fixtures.lifecycle import AddStandin, plain_user_preexec, processes_on_port

HOW = ("read-only directory", "read-only mount", "full disk", "file in the way")
WAY_OUT = {
    "read-only directory": "make it writable",
    "read-only mount": "mounted read-only",
    "full disk": "free some space",
    "file in the way": "a file stands where",
}
STAGE = {
    # $D is the directory; "$@" the command. Mounts exist in the child's namespace only.
    "read-only mount": 'mount --bind "$D" "$D" && mount -o remount,bind,ro "$D"',
    "full disk": 't=$(mktemp -d) && cp -a "$D/." "$t" && mount -t tmpfs -o size=64k tmpfs "$D" '
    '&& cp -a "$t/." "$D" && rm -rf "$t" && { cat /dev/zero > "$D/.fill" 2>/dev/null; true; }',
}


@functools.cache
def _namespaces_work() -> bool:
    if not sys.platform.startswith("linux") or shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True, check=False)
    return probe.returncode == 0


def run_with(home: Path, directory: Path, how: str, *args: str) -> subprocess.CompletedProcess[str]:
    """The CLI with ``directory`` unwritable in the way ``how`` says (given back afterwards)."""
    if how == "read-only directory":
        directory.mkdir(parents=True, exist_ok=True)
        directory.chmod(0o555)
        try:
            return run_mlxchat(home, *args, preexec_fn=plain_user_preexec())
        finally:
            directory.chmod(0o755)
    if how == "file in the way":
        shutil.rmtree(directory, ignore_errors=True)
        directory.write_text("not a directory\n")
        try:
            return run_mlxchat(home, *args)
        finally:
            directory.unlink()
    if not _namespaces_work():
        pytest.skip("no mount namespace for the child on this system (unshare -rm)")
    directory.mkdir(parents=True, exist_ok=True)
    script = f'{STAGE[how]} && exec "$@"'
    env = {**os.environ, "MLXCHAT_HOME": str(home), "D": str(directory)}
    argv = ["unshare", "-rm", "sh", "-c", script, "sh", sys.executable, "-m", "mlxchat", *args]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, env=env, cwd=REPO, check=False)


def add_remote_profile(name: str) -> None:
    """A profile written through the real store, in this process (no CLI start-up to pay)."""
    from mlxchat.profile import Profile
    from mlxchat.profile_store import save_profile

    save_profile(Profile(name=name, server="remote", url="http://127.0.0.1:8/v1"))


def assert_clear_exit_2(result: subprocess.CompletedProcess[str], path: Path, how: str) -> None:
    assert "internal error" not in result.stderr, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert ".tmp" not in result.stderr, result.stderr  # the real file is named, not a temp file
    assert result.returncode == 2, result.stderr
    assert str(path) in result.stderr
    assert WAY_OUT[how] in result.stderr


PROFILE_CHANGES = {
    "add": ["profile", "add", "new", "--server", "remote", "--url", "http://127.0.0.1:9/v1"],
    "edit": ["profile", "edit", "web", "--max-tokens", "9"],
    "copy": ["profile", "copy", "web", "web2"],
    "rm": ["profile", "rm", "web"],
}


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize("change", PROFILE_CHANGES)
def test_a_profile_change_that_cannot_be_written_is_a_clear_exit_2(
    mlxchat_home: Path, how: str, change: str
) -> None:
    add_remote_profile("web")
    config = mlxchat_home / "config"
    before = (config / "profiles.toml").read_bytes()
    if how == "file in the way":
        shutil.rmtree(config)
        path = config
    else:
        path = config / "profiles.toml"
    result = run_with(mlxchat_home, config, how, *PROFILE_CHANGES[change])
    if how == "file in the way":  # nothing can even be read there: still exit 2, naming it
        assert "internal error" not in result.stderr, result.stderr
        assert result.returncode == 2, result.stderr
        assert str(path) in result.stderr
        return
    assert_clear_exit_2(result, path, how)
    assert (config / "profiles.toml").read_bytes() == before
    assert [p.name for p in config.iterdir()] == ["profiles.toml"]  # no temp file left


@pytest.mark.parametrize("how", ["read-only directory", "read-only mount"])
def test_a_profile_change_under_an_unwritable_state_directory_is_a_clear_exit_2(
    mlxchat_home: Path, how: str
) -> None:
    """The profile file's lock lives in the state directory."""
    add_remote_profile("web")
    state = mlxchat_home / "state"
    shutil.rmtree(state, ignore_errors=True)
    state.mkdir()
    result = run_with(mlxchat_home, state, how, *PROFILE_CHANGES["edit"])
    assert_clear_exit_2(result, state, how)


def test_start_on_a_full_disk_leaves_no_untracked_server(
    add_standin_profile: AddStandin, mlxchat_home: Path
) -> None:
    """A record that cannot be written would leave a server nobody can stop: the start fails, exit 2,
    and stops what it launched."""
    port = add_standin_profile("web")
    result = run_with(mlxchat_home, mlxchat_home / "state", "full disk", "start", "web")
    assert_clear_exit_2(result, mlxchat_home / "state", "full disk")
    assert processes_on_port(port) == []


def test_batch_resume_in_an_unwritable_directory_is_a_clear_exit_2(
    mlxchat_home: Path, tmp_path: Path
) -> None:
    add_remote_profile("web")
    out_dir = tmp_path / "results"
    out_dir.mkdir()
    output = out_dir / "out.jsonl"
    output.write_text(json.dumps({"custom_id": "1", "response": None, "error": {"message": "x"}}) + "\n")
    inputs = tmp_path / "in.jsonl"
    inputs.write_text('{"id": "1", "prompt": "hi"}\n')
    args = ("batch", "web", "-i", str(inputs), "-o", str(output), "--resume")
    result = run_with(mlxchat_home, out_dir, "read-only directory", *args)
    assert "internal error" not in result.stderr, result.stderr
    assert result.returncode == 2, result.stderr
    assert str(output) in result.stderr
