"""The ``mlx-vlm`` server kind's profile rules, through the real CLI (no server is started here;
tests/test_vlm_real.py starts one): what ``profile add`` detects, refuses and warns about."""

from __future__ import annotations

import json
from pathlib import Path

from tests.fixtures.common import RunCli
from tests.fixtures.lifecycle import write_model_dir

VISION: dict[str, object] = {"model_type": "internvl_chat", "vision_config": {"model_type": "intern_vit_6b"}}


def _show(run_cli: RunCli, name: str) -> dict[str, object]:
    shown: dict[str, object] = json.loads(run_cli("profile", "show", name, "--json").stdout)
    return shown


def test_a_vision_model_is_detected_as_multimodal(run_cli: RunCli, tmp_path: Path) -> None:
    model = write_model_dir(tmp_path / "vlm", VISION)
    added = run_cli("profile", "add", "v", "--server", "mlx-vlm", "--model-path", str(model))
    assert added.returncode == 0, added.stderr
    assert "model type: multimodal (detected from config.json)" in added.stderr
    assert "warning" not in added.stderr
    shown = _show(run_cli, "v")
    assert (shown["server"], shown["model_type"], shown["model_path"]) == (
        "mlx-vlm",
        "multimodal",
        str(model),
    )


def test_a_text_model_gets_a_warning(run_cli: RunCli, tmp_path: Path) -> None:
    model = write_model_dir(tmp_path / "text", {"model_type": "qwen3"})
    added = run_cli("profile", "add", "t", "--server", "mlx-vlm", "--model-path", str(model))
    assert added.returncode == 0, added.stderr
    assert "no vision config" in added.stderr and "--server mlx-lm" in added.stderr
    assert _show(run_cli, "t")["model_type"] == "multimodal"


def test_parsers_and_a_missing_model_path_are_refused(run_cli: RunCli, tmp_path: Path) -> None:
    model = str(write_model_dir(tmp_path / "vlm", VISION))
    parser = run_cli(
        "profile", "add", "v", "--server", "mlx-vlm", "--model-path", model, "--reasoning-parser", "qwen3"
    )
    assert parser.returncode == 2 and "reasoning_parser" in parser.stderr
    no_model = run_cli("profile", "add", "v", "--server", "mlx-vlm")
    assert no_model.returncode == 2 and "--model-path" in no_model.stderr
    assert "Traceback" not in parser.stderr + no_model.stderr
    assert json.loads(run_cli("profile", "list", "--json").stdout) == []


def test_a_model_name_other_than_the_path_gets_a_warning(run_cli: RunCli, tmp_path: Path) -> None:
    model = str(write_model_dir(tmp_path / "vlm", VISION))
    added = run_cli("profile", "add", "v", "--server", "mlx-vlm", "--model-path", model, "--model", "other")
    assert added.returncode == 0, added.stderr
    assert "loads whatever model a request names" in added.stderr


def test_requests_name_the_model_path(run_cli: RunCli, tmp_path: Path) -> None:
    model = str(write_model_dir(tmp_path / "vlm", VISION))
    run_cli("profile", "add", "v", "--server", "mlx-vlm", "--model-path", model)
    assert _show(run_cli, "v")["request_model"] == model  # mlx_vlm.server loads what a request names
