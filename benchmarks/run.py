"""Run every benchmark: `make bench` or `python -m benchmarks.run [NAME ...]` from the repository root.

Each benchmark also runs alone, both ways: `python -m benchmarks.bench_NAME` and
`python benchmarks/bench_NAME.py` (from any directory).

Each module `bench_<name>.py` beside this file has a `main()` that prints its figures as
medians and ratios against a baseline measured in the same run.
"""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:  # run as a script (python benchmarks/run.py), not with -m
    sys.path.insert(0, str(HERE.parent))


def available() -> list[str]:
    return sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))


def main(argv: list[str]) -> int:
    names = argv or available()
    unknown = sorted(set(names) - set(available()))
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(available())}")
        return 2
    for name in names:
        print(f"== {name}", flush=True)
        started = time.perf_counter()
        importlib.import_module(f"benchmarks.bench_{name}").main()
        print(f"   ({time.perf_counter() - started:.1f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
