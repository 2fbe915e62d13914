"""Pretty rendering cost at the rates models really stream at, on a pseudo-terminal.

Each scenario is a document from tests/standin/markdown_doc.py streamed by the stand-in's ``paced``
scenario at a fixed number of tokens a second (0: all at once). ``mlxchat chat`` runs on it twice
at the same time, each on its own pty: with ``--json`` and with pretty output. The paced
scenarios mostly wait, so they all run side by side (``--one-by-one`` runs them one after another,
for quieter figures); the ones sent at once run alone, three times. CPU is user+system time of
the whole child process (os.wait4). The floor of a document is a whole ``python -c`` process that
renders its final text once with Rich on a pty of the same size (median of 3 runs, one at a time).

Figures, each against the floor measured in the same run:
- extra CPU = (pretty - NDJSON) / floor. Goals: the project document at 50 and 200 tok/s <= 1.5x;
  the 1,000-line code block and the 300-row table at 200 tok/s <= 2x; many short blocks, all at
  once, <= 1.5x;
- growth: the exponent of the extra CPU from a block of N to 2N (lines of code, characters of one
  paragraph); 1 is linear, the goal is <= 1;
- bytes pretty wrote to the terminal / bytes of the one render (goal <= 2x);
- frames: how many synchronized frames pretty drew, and how many a second.

``python -m benchmarks.bench_render [--runs N] [--long] [--one-by-one] [--only TEXT]``: ``--long``
uses the sizes the issue measured (2,000 tokens at 50 tok/s: 40 s for that scenario alone); the
default keeps the paced streams to 10-20 s, so the whole benchmark takes about a minute.
"""

from __future__ import annotations

import argparse
import fcntl
import math
import os
import pty
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import tomli_w

from benchmarks.timing import process_env
from tests.fixtures.common import free_port
from tests.fixtures.standin import standin_command, wait_until_listening
from tests.standin.markdown_doc import document

ROWS, COLS = 40, 100
SYNC_BEGIN = b"\x1b[?2026h"
FLOOR = (
    "import sys\nfrom rich.console import Console\nfrom rich.markdown import Markdown\n"
    "Console().print(Markdown(open(sys.argv[1], encoding='utf-8').read()))"
)


@dataclass(frozen=True)
class Scenario:
    name: str
    kind: str
    size: int
    rate: int
    goal: float | None

    @property
    def model(self) -> str:
        return f"paced:{self.kind}:{self.size}:{self.rate}"


def scenarios(long: bool) -> list[Scenario]:
    slow = 2000 if long else 500
    return [
        Scenario(f"project {slow} tokens @50", "project", slow, 50, 1.5),
        Scenario("project 2000 tokens @200", "project", 2000, 200, 1.5),
        Scenario("code 500 lines @200", "code", 500, 200, None),
        Scenario("code 1000 lines @200", "code", 1000, 200, 2.0),
        Scenario("table 300 rows @200", "table", 300, 200, 2.0),
        Scenario("short blocks 5000 tokens, instant", "blocks", 5000, 0, 1.5),
        Scenario("paragraph 100 KB, instant", "paragraph", 100_000, 0, None),
        Scenario("paragraph 200 KB, instant", "paragraph", 200_000, 0, None),
    ]


@dataclass
class Run:
    cpu: float
    written: int
    frames: int
    wall: float


@dataclass
class Samples:
    runs: list[Run] = field(default_factory=list)

    def median(self, attr: str) -> float:
        return float(statistics.median(float(getattr(run, attr)) for run in self.runs))


class PtyRun:
    """One whole process with stdout and stderr on a pseudo-terminal that is read as fast as it can be."""

    def __init__(self, argv: Sequence[str], env: dict[str, str]) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
        self.written = 0
        self.frames = 0
        self.reader = threading.Thread(target=self._drain, daemon=True)
        self.reader.start()
        self.started = time.perf_counter()
        self.argv = list(argv)
        self.proc = subprocess.Popen(self.argv, stdin=slave, stdout=slave, stderr=slave, env=env)
        os.close(slave)

    def _drain(self) -> None:
        tail = b""
        while True:
            try:
                data = os.read(self.master, 1 << 16)
            except OSError:
                return
            if not data:
                return
            self.written += len(data)
            both = tail + data
            self.frames += both.count(SYNC_BEGIN) - tail.count(SYNC_BEGIN)
            tail = both[-len(SYNC_BEGIN) :]

    def wait(self) -> Run:
        _, status, usage = os.wait4(self.proc.pid, 0)
        wall = time.perf_counter() - self.started
        self.proc.returncode = os.waitstatus_to_exitcode(status)
        self.reader.join(timeout=10)
        os.close(self.master)
        if self.proc.returncode != 0:
            raise RuntimeError(f"{' '.join(self.argv)} exited with {self.proc.returncode}")
        return Run(usage.ru_utime + usage.ru_stime, self.written, self.frames, wall)


def together(commands: Sequence[Sequence[str]], env: dict[str, str]) -> list[Run]:
    started = [PtyRun(argv, env) for argv in commands]
    return [run.wait() for run in started]


@dataclass
class Measured:
    case: Scenario
    floor: Samples
    ndjson: Samples = field(default_factory=Samples)
    pretty: Samples = field(default_factory=Samples)

    @property
    def extra(self) -> float:
        """Pretty's CPU beyond NDJSON's, in seconds."""
        return self.pretty.median("cpu") - self.ndjson.median("cpu")

    @property
    def ratio(self) -> float:
        return self.extra / self.floor.median("cpu")

    @property
    def written(self) -> float:
        return self.pretty.median("written") / self.floor.median("written")

    def ok(self) -> bool:
        return (self.case.goal is None or self.ratio <= self.case.goal) and self.written <= 2

    def line(self) -> str:
        goal = self.case.goal
        verdict = "" if goal is None else f" (goal <= {goal}x{'' if self.ratio <= goal else ' MISSED'})"
        frames, wall = self.pretty.median("frames"), self.pretty.median("wall")
        return (
            f"{self.case.name}: pretty {self.pretty.median('cpu') * 1000:.0f} ms, "
            f"ndjson {self.ndjson.median('cpu') * 1000:.0f} ms, one render "
            f"{self.floor.median('cpu') * 1000:.0f} ms -> extra {self.ratio:.2f}x{verdict}; "
            f"bytes {self.written:.2f}x{'' if self.written <= 2 else ' MISSED'}; "
            f"{frames:.0f} frames ({frames / wall:.1f}/s) in {wall:.1f} s"
        )


def main(argv: list[str] | None = None) -> bool:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="runs of each paced scenario (instant: 3x)")
    parser.add_argument("--long", action="store_true", help="the issue's sizes (adds about 40 s)")
    parser.add_argument("--only", default="", metavar="TEXT", help="only the scenarios whose name has TEXT")
    parser.add_argument("--one-by-one", action="store_true", help="paced scenarios one after another")
    args = parser.parse_args(argv if argv is not None else [])
    home = Path(tempfile.mkdtemp(prefix="mlxchat-bench-"))
    port = free_port()
    server = subprocess.Popen(standin_command(port), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_listening(port, server)
        cases = [case for case in scenarios(args.long) if args.only in case.name]
        return _measure(home, port, cases, args.runs, args.one_by_one)
    finally:
        server.kill()
        server.wait()
        shutil.rmtree(home, ignore_errors=True)


def _measure(home: Path, port: int, cases: list[Scenario], runs: int, one_by_one: bool) -> bool:
    url = f"http://127.0.0.1:{port}/v1"
    profiles = {f"s{i}": {"server": "remote", "url": url, "model": c.model} for i, c in enumerate(cases)}
    (home / "config").mkdir(parents=True)
    (home / "config" / "profiles.toml").write_text(tomli_w.dumps({"profiles": profiles}))
    env = {k: v for k, v in process_env().items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env.update(MLXCHAT_HOME=str(home), TERM="xterm-256color")
    chat = [sys.executable, "-m", "mlxchat", "chat"]
    measured: dict[str, Measured] = {}
    for i, case in enumerate(cases):  # the floors, one process at a time
        doc = home / f"doc{i}.md"
        doc.write_text(document(case.kind, case.size), encoding="utf-8")
        floor = Samples([PtyRun([sys.executable, "-c", FLOOR, str(doc)], env).wait() for _ in range(3)])
        measured[f"s{i}"] = Measured(case, floor)
    pairs = {name: [[*chat, name, "q", "--json"], [*chat, name, "q"]] for name in measured}
    together([argv for pair in list(pairs.values())[:1] for argv in pair], env)  # compiles bytecode
    paced = [name for name, m in measured.items() if m.case.rate]
    for _ in range(runs):
        # Paced streams mostly wait: they run side by side (or one after another with --one-by-one).
        groups = [[name] for name in paced] if one_by_one else [paced]
        for group in groups:
            results = together([argv for name in group for argv in pairs[name]], env)
            for k, name in enumerate(group):
                measured[name].ndjson.runs.append(results[2 * k])
                measured[name].pretty.runs.append(results[2 * k + 1])
    for name, m in measured.items():
        for _ in range(0 if m.case.rate else 3 * runs):
            a, b = together(pairs[name], env)
            m.ndjson.runs.append(a)
            m.pretty.runs.append(b)
    ok = True
    for m in measured.values():
        print(m.line(), flush=True)
        ok = ok and m.ok()
    return _growth(measured, ok)


def _growth(measured: dict[str, Measured], ok: bool) -> bool:
    """The exponent of the extra CPU when a block doubles (1: linear)."""
    by_name = {m.case.name: m for m in measured.values()}
    for small, large in (
        ("code 500 lines @200", "code 1000 lines @200"),
        ("paragraph 100 KB, instant", "paragraph 200 KB, instant"),
    ):
        if small in by_name and large in by_name and by_name[small].extra > 0 and by_name[large].extra > 0:
            growth = by_name[large].extra / by_name[small].extra
            exponent = math.log2(growth)
            print(f"growth {small} -> {large}: extra CPU x{growth:.2f}, exponent {exponent:.2f} (goal <= 1)")
            ok = ok and exponent <= 1.0
    return ok


if __name__ == "__main__":
    sys.exit(0 if main(sys.argv[1:]) else 1)
