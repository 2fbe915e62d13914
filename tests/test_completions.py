"""Shell completion scripts: current with the CLI, and working in a real bash (profile names included)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.common import REPO, RunCli

COMPLETIONS = REPO / "completions"


def test_scripts_are_current_with_the_cli() -> None:
    sys.path.insert(0, str(REPO))
    from tools.make_completions import render

    for name, text in render().items():
        path = COMPLETIONS / name
        assert path.exists(), f"missing {path}: run `make completions`"
        assert path.read_text() == text, f"{path.name} is stale: run `make completions`"


def bash_complete(line: str, home: Path) -> list[str]:
    """Complete ``line`` (cursor at its end) with the generated script in a real bash."""
    words = line.split(" ")
    script = f"""
source {COMPLETIONS / "mlxchat.bash"}
COMP_WORDS=({" ".join(repr(w) for w in words)})
COMP_CWORD={len(words) - 1}
COMP_LINE={line!r}
COMP_POINT={len(line)}
_mlxchat
printf '%s\\n' "${{COMPREPLY[@]}}"
"""
    env = {
        **os.environ,
        "MLXCHAT_HOME": str(home),
        "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""),
    }
    result = subprocess.run(
        ["bash", "--norc", "-c", script], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return [w for w in result.stdout.splitlines() if w]


@pytest.mark.skipif(shutil.which("bash") is None, reason="no bash")
def test_bash_completes_commands_options_values_and_profile_names(
    run_cli: RunCli, mlxchat_home: Path
) -> None:
    if not (Path(sys.executable).parent / "mlxchat").exists():
        pytest.skip("the mlxchat entry point is not installed beside this Python")
    for name in ("tiny", "big"):
        assert run_cli("profile", "add", name, "--server", "remote", "--url", "http://h:1/v1").returncode == 0
    assert bash_complete("mlxchat pro", mlxchat_home) == ["profile"]
    assert bash_complete("mlxchat profile ", mlxchat_home) == ["add", "copy", "edit", "list", "rm", "show"]
    assert sorted(bash_complete("mlxchat start ", mlxchat_home)) == ["big", "tiny"]
    assert bash_complete("mlxchat start --timeout 5 t", mlxchat_home) == ["tiny"]
    assert bash_complete("mlxchat profile show ", mlxchat_home) == ["big", "tiny"]
    assert bash_complete("mlxchat profile copy tiny ", mlxchat_home) == []  # DST is a new name
    assert bash_complete("mlxchat stop --a", mlxchat_home) == ["--all"]
    assert bash_complete("mlxchat profile add x --server mlx", mlxchat_home) == [
        "mlx-openai-server",
        "mlx-lm",
        "mlx-vlm",
    ]
    assert bash_complete("mlxchat profile edit tiny --model-type ", mlxchat_home) == ["lm", "multimodal"]


@pytest.mark.parametrize(
    ("shell", "name"), [("bash", "mlxchat.bash"), ("zsh", "mlxchat.zsh"), ("fish", "mlxchat.fish")]
)
def test_scripts_parse_in_their_shell(shell: str, name: str) -> None:
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed")
    result = subprocess.run(
        [shell, "-n", str(COMPLETIONS / name)], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr
