"""The same figures for another checkout, side by side: ``MLXCHAT_BENCH_AGAINST=DIR``.

DIR is a checkout of another commit (``git worktree add DIR COMMIT``, outside the repository);
the benchmarks that support it (startup, stream) then run that checkout's ``mlxchat`` interleaved
with this one's, with the same Python and packages, and print the ratio. Both run from their own
sources through ``PYTHONPATH`` (``-P``: not from the current directory), so each side pays the same.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from benchmarks.timing import median_ms

REPO = Path(__file__).resolve().parents[1]
AGAINST_ENV = "MLXCHAT_BENCH_AGAINST"


def other_checkout() -> Path | None:
    value = os.environ.get(AGAINST_ENV)
    if not value:
        return None
    path = Path(value).resolve()
    if not (path / "mlxchat" / "__main__.py").is_file():
        raise SystemExit(f"{AGAINST_ENV}={value}: not a checkout of mlxchat")
    return path


def mlxchat_in(checkout: Path, *args: str) -> list[str]:
    """``python -m mlxchat ARGS`` from ``checkout``'s sources, wherever it is run."""
    return ["env", f"PYTHONPATH={checkout}", sys.executable, "-P", "-m", "mlxchat", *args]


def sides(*args: str) -> dict[str, list[str]]:
    """``this`` and ``other`` (when an other checkout is given): the two commands to compare."""
    other = other_checkout()
    out = {"this": mlxchat_in(REPO, *args)}
    if other is not None:
        out["other"] = mlxchat_in(other, *args)
    return out


def ratio_line(label: str, wall: dict[str, list[float]], cpu: dict[str, list[float]]) -> str:
    """``this`` against ``other``: medians of wall and of CPU time, and their ratios."""
    parts = []
    for what, samples in (("wall", wall), ("CPU", cpu)):
        this, other = median_ms(samples["this"]), median_ms(samples["other"])
        parts.append(f"{what} {this:.1f} ms against {other:.1f} ms, {this / other:.3f}x")
    return f"{label}, this checkout against the other: " + "; ".join(parts)
