"""Shared timing helpers for the benchmarks: whole-process wall time, medians, ratios.

These machines are shared and noisy, so every figure is a median over several runs and is
reported as a ratio against a baseline measured in the same run, interleaved with it.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence

_PYCACHE = tempfile.mkdtemp(prefix="mlxchat-bench-pycache-")


def process_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for measured processes: bytecode caching on, as in a normal install.

    Some machines set PYTHONDONTWRITEBYTECODE, which makes every run recompile mlxchat's modules;
    the compiled files go to a temporary directory so the work tree stays clean.
    """
    return {**os.environ, "PYTHONDONTWRITEBYTECODE": "", "PYTHONPYCACHEPREFIX": _PYCACHE, **(env or {})}


def wall_time(argv: Sequence[str], env: dict[str, str] | None = None) -> float:
    """Seconds of wall time for one run of a whole process (output discarded)."""
    started = time.perf_counter()
    subprocess.run(
        list(argv),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=process_env(env),
        check=True,
    )
    return time.perf_counter() - started


def wall_and_cpu(argv: Sequence[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of one run of a whole process. CPU time moves
    far less than wall time when other work loads the machine."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = wall_time(argv, env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def interleaved(
    commands: Mapping[str, Sequence[str]],
    runs: int = 15,
    env: dict[str, str] | None = None,
    cpu: dict[str, list[float]] | None = None,
) -> dict[str, list[float]]:
    """Run every command ``runs`` times, taking turns (in the opposite order every other round, so
    that no command always follows the same one), so drifting load hits all of them alike.
    Returns the wall times; ``cpu``, when given, receives the CPU times."""
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for argv in commands.values():  # warm caches once
        wall_time(argv, env)
    for round_ in range(runs):
        order = list(commands.items())
        for name, argv in order if round_ % 2 == 0 else reversed(order):
            wall, used = wall_and_cpu(argv, env)
            samples[name].append(wall)
            if cpu is not None:
                cpu.setdefault(name, []).append(used)
    return samples


def median_ms(values: Sequence[float]) -> float:
    return statistics.median(values) * 1000.0


def report(label: str, values: Sequence[float], baseline: Sequence[float], baseline_label: str) -> str:
    value = median_ms(values)
    base = median_ms(baseline)
    return f"{label}: median {value:.1f} ms, {value / base:.2f}x {baseline_label} ({base:.1f} ms)"
