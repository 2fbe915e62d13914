"""The real thing: `mlxchat profile add` + `start` + `status --json` + `stop` for the tiny model under
mlx-openai-server and mlx_lm.server, as real CLI subprocesses; nothing may be left running."""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path

import pytest

from mlxchat.paths import tiny_model_dir
from tests.fixtures.common import REPO, RunCli, free_port
from tests.fixtures.processes import alive, group_and_tree
from tests.fixtures.real_servers import mlxlm_server_available, openai_server_available

pytestmark = pytest.mark.real_server

START_TIMEOUT = "240"  # the machine is shared; mlx-openai-server's imports alone take seconds


def _round_trip(
    run_cli: RunCli, mlxchat_home: Path, kind: str, extra: list[str], home: str | None = None
) -> dict[str, object]:
    """``home``: MLXCHAT_HOME as the commands get it (a relative path to the same place, say)."""
    model = tiny_model_dir()
    if home is not None:
        run_cli = functools.partial(run_cli, env={"MLXCHAT_HOME": home})
    if not (model / "config.json").exists():
        pytest.skip("the tiny model is not built")
    port = free_port()
    added = run_cli(
        "profile", "add", "tiny", "--server", kind, "--model-path", str(model), "--port", str(port), *extra
    )
    assert added.returncode == 0, added.stderr
    started = run_cli("start", "tiny", "--timeout", START_TIMEOUT, timeout=300)
    assert started.returncode == 0, started.stderr + "\n" + (mlxchat_home / "state/logs/tiny.log").read_text()
    assert "tiny is ready" in started.stderr
    rows = json.loads(run_cli("status", "--json").stdout)
    assert len(rows) == 1
    row = rows[0]
    assert row["state"] == "running"
    assert row["port"] == port
    assert row["server"] == kind
    assert isinstance(row["memory_bytes"], int) and row["memory_bytes"] > 10_000_000
    pid = row["pid"]
    assert isinstance(pid, int)
    procs = group_and_tree(pid)
    stopped = run_cli("stop", "tiny", timeout=120)
    assert stopped.returncode == 0, stopped.stderr
    assert "stopped tiny" in stopped.stderr
    assert alive(procs) == []
    assert json.loads(run_cli("status", "--json").stdout)[0]["state"] == "stopped"
    shown: dict[str, object] = json.loads(run_cli("profile", "show", "tiny", "--json").stdout)
    return shown


@pytest.mark.skipif(not openai_server_available(), reason="mlx-openai-server is not installed")
def test_mlx_openai_server_round_trip(run_cli: RunCli, mlxchat_home: Path, parser_cache: bool) -> None:
    shown = _round_trip(run_cli, mlxchat_home, "mlx-openai-server", ["--tool-call-parser", "qwen3"])
    # Detected from the tiny model's config.json (model_type qwen3).
    assert shown["reasoning_parser"] == "qwen3"
    assert shown["model_type"] == "lm"
    log = (mlxchat_home / "state" / "logs" / "tiny.log").read_text()
    assert "--no-log-file" in log.splitlines()[0]  # mlxchat's header names the command
    assert not (mlxchat_home / "state" / "logs" / "app.log").exists()


@pytest.mark.skipif(not mlxlm_server_available(), reason="mlx_lm is not installed")
def test_mlx_lm_server_round_trip(run_cli: RunCli, mlxchat_home: Path) -> None:
    # A relative MLXCHAT_HOME: the server runs in the state directory, so every path mlxchat hands
    # it (HF_HUB_CACHE) must be absolute.
    relative = os.path.relpath(mlxchat_home, REPO)  # run_cli runs in REPO
    shown = _round_trip(run_cli, mlxchat_home, "mlx-lm", [], home=relative)
    assert shown["request_model"] == str(tiny_model_dir())
    assert (mlxchat_home / "state" / "hf-cache").is_dir()
