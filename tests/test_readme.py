"""The README's examples run, for real: the ``sh`` blocks of its "Use" section, in order, in bash;
so do those of docs/batch.md's "Examples".

The example model path is replaced by the tiny model that ships in the package; everything else
runs as written, against real servers (mlx-openai-server for the README, two mlx_lm.server for
the batch examples).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from mlxchat.paths import tiny_model_dir
from tests.fixtures.common import REPO

pytestmark = pytest.mark.real_server

EXAMPLE_MODEL = "~/models/Qwen3-0.6B-4bit"


def use_section_blocks() -> list[str]:
    return doc_blocks(REPO / "README.md", "## Use")


def shows(script: str, words: str) -> bool:
    """``words`` stand in ``script`` as words of their own: ``start`` is not found in ``restart``
    or ``--start``."""
    return re.search(rf"(?<![\w-]){re.escape(words)}(?![\w-])", script) is not None


def test_the_use_section_has_the_main_commands() -> None:
    script = "\n".join(use_section_blocks())
    for command in ("profile add", "start", "status", "chat", "render", "logs", "stop"):
        assert shows(script, f"mlxchat {command}"), command
    assert shows(script, "--json")
    assert not shows("mlxchat restart qwen --start", "mlxchat start")


def doc_blocks(path: Path, heading: str) -> list[str]:
    """The ``sh`` blocks of one section of a document, in order."""
    section = path.read_text().split(heading, 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)```", section, flags=re.S)


def run_blocks(blocks: list[str], tmp_path: Path) -> list[subprocess.CompletedProcess[str]]:
    """Run each block in bash (-euo pipefail) in ``tmp_path``, the example model replaced by the
    tiny model; every block must succeed. Servers left running are stopped at the end."""
    env = {
        **os.environ,
        "MLXCHAT_HOME": str(tmp_path / "home"),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    results = []
    try:
        for block in blocks:
            script = block.replace(EXAMPLE_MODEL, str(tiny_model_dir()))
            result = subprocess.run(
                ["bash", "-euo", "pipefail", "-c", script],
                cwd=tmp_path,
                env=env,
                capture_output=True,
                text=True,
                timeout=180,
                stdin=subprocess.DEVNULL,
            )
            assert result.returncode == 0, (
                f"{block}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
            )
            assert "Traceback" not in result.stderr
            results.append(result)
    finally:
        subprocess.run(
            [sys.executable, "-m", "mlxchat", "stop", "--all"], env=env, capture_output=True, timeout=60
        )
    return results


def test_readme_examples_run(tmp_path: Path) -> None:
    blocks = use_section_blocks()
    assert EXAMPLE_MODEL in blocks[0]
    Image.new("RGB", (64, 48), "orange").save(tmp_path / "photo.jpg")
    for block, result in zip(blocks, run_blocks(blocks, tmp_path), strict=True):
        if "jq -j" in block or "jq -r .answer" in block:
            assert "4" in result.stdout


def test_batch_doc_examples_run(tmp_path: Path) -> None:
    """docs/batch.md's examples: two servers, the short form, fan-out, an OpenAI Batch file, jq."""
    blocks = doc_blocks(REPO / "docs" / "batch.md", "## Examples")
    assert EXAMPLE_MODEL in blocks[0]
    outputs = {
        block: result.stdout for block, result in zip(blocks, run_blocks(blocks, tmp_path), strict=True)
    }
    everything = "\n".join(outputs.values())
    for line in ("sum\tThe answer is 4.", "capital\tParis.", "six\tThe answer is 6.", "request-1: "):
        assert line in everything, everything
    fan_out = next(text for block, text in outputs.items() if "--ordered" in block)
    rows = [line.split() for line in fan_out.splitlines() if line.endswith("s")]
    assert [row[0] for row in rows] == ["sum", "capital", "six"]  # --ordered
    assert {row[1] for row in rows} == {"a", "b"}  # both servers answered
    assert '"ok":3,"failed":0' in everything
