"""Start-up cost: `mlxchat --version` and `mlxchat --help` against `python -c pass`.

Goal (foundation issue): `mlxchat --version` under 80 ms wall on these machines.
"""

from __future__ import annotations

import sys

from benchmarks.timing import interleaved, report


def main(runs: int = 15) -> None:
    python = sys.executable
    samples = interleaved(
        {
            "baseline": [python, "-c", "pass"],
            "version": [python, "-m", "mlxchat", "--version"],
            "help": [python, "-m", "mlxchat", "--help"],
        },
        runs=runs,
    )
    base = samples["baseline"]
    print(report("mlxchat --version", samples["version"], base, "python -c pass"))
    print(report("mlxchat --help", samples["help"], base, "python -c pass"))


if __name__ == "__main__":
    main()
