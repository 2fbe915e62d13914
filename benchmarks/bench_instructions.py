"""Instructions executed, not time: the figures that a shared, noisy machine cannot move.

On a loaded machine the CPU time of one command moves by 10-15% from run to run (two runs of
bench_stream against the same other checkout gave 1.11x and 0.88x), far more than the 5% a change
is held to. Counting the instructions a process executes (valgrind's cachegrind, no cache model)
gives the same figure on every run, to a part in a thousand, whatever else the machine does.
Instructions are not time (a cache miss costs more than an addition), so read these beside the
medians of bench_stream; a difference both show is real.

Measures, for this checkout and MLXCHAT_BENCH_AGAINST's (benchmarks/against.py): `mlxchat
--version`, the whole `mlxchat chat --json` against the stand-in's instant server, and the
throughput run (the stand-in's 200,000 tiny chunks), each with the history on (the default) and
off (``MLXCHAT_NO_HISTORY=1``). Needs valgrind; the throughput run takes about a minute per command.

Run on its own (`python benchmarks/bench_instructions.py`) or through `benchmarks/run.py`.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.against import mlxchat_in, other_checkout  # noqa: E402
from benchmarks.bench_stream import CHUNKS, mlxchat_home, standin  # noqa: E402
from benchmarks.timing import process_env  # noqa: E402

CACHEGRIND = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null"]
CASES = {
    "--version": ((), "fast", ("--version",)),
    "chat --json": ((), "think-content", ("chat", "think-content", "What is 2+2?", "--json")),
    f"throughput, {CHUNKS} chunks": (("--chunks", str(CHUNKS)), "fast", ("chat", "fast", "hi", "--json")),
}


def under_valgrind(argv: list[str], *options: str) -> list[str]:
    """``argv`` (as benchmarks.against.mlxchat_in builds it) run by cachegrind: ``argv`` starts
    with ``env VAR=...``, so valgrind goes after that, on python itself."""
    split = next(i for i, arg in enumerate(argv) if arg == sys.executable)
    return [*argv[:split], *CACHEGRIND, *options, *argv[split:]]


def counted(report: str) -> int:
    """The instructions in what cachegrind wrote at the end of a run."""
    found = re.search(r"I\s+refs:\s+([\d,]+)", report)
    if found is None:
        raise RuntimeError(f"valgrind gave no count: {report[-500:]}")
    return int(found.group(1).replace(",", ""))


def instructions(argv: list[str], env: dict[str, str]) -> int:
    """Instructions one run of ``argv`` executes (after a run that fills the bytecode cache)."""
    full = process_env({**env, "PYTHONHASHSEED": "0"})  # the same hashes, so the same work
    subprocess.run(argv, env=full, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    done = subprocess.run(
        under_valgrind(argv), env=full, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    return counted(done.stderr)


def main() -> None:
    if shutil.which("valgrind") is None:
        print("instructions: valgrind is not installed; skipped")
        return
    other = other_checkout()
    for label, (flags, model, args) in CASES.items():
        with standin(*flags) as base_url, mlxchat_home(base_url, [model]) as env:
            for history, extra in (("history on", {}), ("history off", {"MLXCHAT_NO_HISTORY": "1"})):
                if label == "--version" and extra:
                    continue
                this = instructions(mlxchat_in(REPO, *args), {**env, **extra})
                named = label if label == "--version" else f"{label} ({history})"
                line = f"{named}: {this / 1e6:,.1f} M instructions"
                if other is not None:
                    theirs = instructions(mlxchat_in(other, *args), {**env, **extra})
                    line += f" against {theirs / 1e6:,.1f} M, {this / theirs:.3f}x"
                print(line)


if __name__ == "__main__":
    main()
