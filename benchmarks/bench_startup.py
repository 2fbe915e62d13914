"""Start-up cost: `mlxchat --version` and `mlxchat --help` against `python -c pass`.

Goal (foundation issue): `mlxchat --version` under 80 ms wall on these machines. With
MLXCHAT_BENCH_AGAINST=DIR (benchmarks/against.py), the same two commands of another checkout too.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script (python benchmarks/bench_x.py), not with -m
    sys.path.insert(0, str(REPO))

from benchmarks.against import ratio_line, sides  # noqa: E402
from benchmarks.timing import interleaved, report  # noqa: E402


def main(runs: int = 15) -> None:
    python = sys.executable
    commands = {"baseline": [python, "-c", "pass"]}
    for args in (["--version"], ["--help"]):
        for side, argv in sides(*args).items():
            commands[f"{args[0]} {side}"] = argv
    cpu: dict[str, list[float]] = {}
    samples = interleaved(commands, runs=runs, cpu=cpu)
    base = samples["baseline"]
    for flag in ("--version", "--help"):
        print(report(f"mlxchat {flag}", samples[f"{flag} this"], base, "python -c pass"))
        if f"{flag} other" in samples:
            pair = [f"{flag} this", f"{flag} other"]
            wall = {k.split()[1]: samples[k] for k in pair}
            print(ratio_line(f"mlxchat {flag}", wall, {k.split()[1]: cpu[k] for k in pair}))


if __name__ == "__main__":
    main()
