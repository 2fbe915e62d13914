"""Every benchmark runs as a script too (``python benchmarks/bench_NAME.py``, from any directory), not
only with ``-m`` from the repository root (which mypy's and the suite's imports already use). Each
is loaded as a script is, without its ``main()``: the figures are not measured here."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.common import REPO

BENCHMARKS = [*sorted((REPO / "benchmarks").glob("bench_*.py")), REPO / "benchmarks" / "run.py"]


def load(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize("path", BENCHMARKS, ids=lambda p: p.stem)
def test_a_benchmark_loads_as_a_script_from_anywhere(path: Path, tmp_path: Path) -> None:
    # As `python benchmarks/bench_x.py` does: its own directory first on sys.path, not the checkout.
    code = (
        f"import runpy, sys; sys.path[0] = {str(path.parent)!r}; runpy.run_path({str(path)!r}, run_name='x')"
    )
    result = load(code, tmp_path)
    assert result.returncode == 0, result.stderr
