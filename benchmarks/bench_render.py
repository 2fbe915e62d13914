"""Pretty rendering cost at the rates models really stream at, on a pseudo-terminal.

Each scenario is a document from tests/standin/markdown_doc.py streamed by the stand-in's ``paced``
scenario at a fixed number of tokens a second (0: all at once). ``mlxchat chat`` runs on it twice
at the same time, each on its own pty: with ``--json`` and with pretty output. CPU is user+system
time of the whole child process (os.wait4). The floor of a document is a whole ``python -c``
process that renders its final text once with Rich on a pty of the same size (median of 3 runs).

Figures, each against the floor measured in the same run:
- extra CPU = (pretty - NDJSON) / floor. Goals: the project document at 50 and 200 tok/s <= 1.5x;
  the 1,000-line code block and the 300-row table at 200 tok/s <= 2x; many short blocks, all at
  once, <= 1.5x;
- growth: the exponent of the extra CPU from a block of N to 2N lines (1 = linear; goal <= 1);
- bytes pretty wrote to the terminal / bytes of the one render (goal <= 2x);
- frames: how many synchronized frames pretty drew, and how many a second.

``python -m benchmarks.bench_render [--runs N] [--long]``: ``--long`` uses the sizes the issue
measured (2,000 tokens at 50 tok/s: 40 s for that scenario alone); the default keeps every paced
stream near 10 s so the whole benchmark takes about a minute and a half.
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
        Scenario("paragraph 200 KB, instant", "paragraph", 200_000, 0, None),
        Scenario("paragraph 400 KB, instant", "paragraph", 400_000, 0, None),
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
        return statistics.median(getattr(run, attr) for run in self.runs)


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
        self.proc = subprocess.Popen(list(argv), stdin=slave, stdout=slave, stderr=slave, env=env)
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
            raise RuntimeError(f"{self.proc.args} exited with {self.proc.returncode}")
        return Run(usage.ru_utime + usage.ru_stime, self.written, self.frames, wall)


def together(commands: Sequence[Sequence[str]], env: dict[str, str]) -> list[Run]:
    started = [PtyRun(argv, env) for argv in commands]
    return [run.wait() for run in started]


def main(argv: list[str] | None = None) -> bool:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="runs of each paced scenario (instant: 3x)")
    parser.add_argument("--long", action="store_true", help="the issue's sizes (adds about 40 s)")
    parser.add_argument("--only", default="", metavar="TEXT", help="only the scenarios whose name has TEXT")
    args = parser.parse_args(argv if argv is not None else [])
    home = Path(tempfile.mkdtemp(prefix="mlxchat-bench-"))
    port = free_port()
    server = subprocess.Popen(standin_command(port), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_listening(port, server)
        cases = [case for case in scenarios(args.long) if args.only in case.name]
        return _measure(home, port, cases, args.runs)
    finally:
        server.kill()
        server.wait()
        shutil.rmtree(home, ignore_errors=True)


def _measure(home: Path, port: int, cases: list[Scenario], runs: int) -> bool:
    url = f"http://127.0.0.1:{port}/v1"
    profiles = {f"s{i}": {"server": "remote", "url": url, "model": c.model} for i, c in enumerate(cases)}
    (home / "config").mkdir(parents=True)
    (home / "config" / "profiles.toml").write_text(tomli_w.dumps({"profiles": profiles}))
    env = {k: v for k, v in process_env().items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env.update(MLXCHAT_HOME=str(home), TERM="xterm-256color")
    chat = [sys.executable, "-m", "mlxchat", "chat"]
    ok = True
    extra: dict[str, float] = {}
    for i, case in enumerate(cases):
        doc = home / f"doc{i}.md"
        doc.write_text(document(case.kind, case.size), encoding="utf-8")
        floor = Samples([PtyRun([sys.executable, "-c", FLOOR, str(doc)], env).wait() for _ in range(3)])
        ndjson, pretty = Samples(), Samples()
        if case.rate == 0:
            together([[*chat, f"s{i}", "q", "--json"], [*chat, f"s{i}", "q"]], env)  # warm-up
        for _ in range(runs if case.rate else 3 * runs):
            a, b = together([[*chat, f"s{i}", "q", "--json"], [*chat, f"s{i}", "q"]], env)
            ndjson.runs.append(a)
            pretty.runs.append(b)
        base = floor.median("cpu")
        extra[case.name] = pretty.median("cpu") - ndjson.median("cpu")
        ratio = extra[case.name] / base
        written = pretty.median("written") / floor.median("written")
        frames = pretty.median("frames")
        verdict = (
            "" if case.goal is None else f" (goal <= {case.goal}x{'' if ratio <= case.goal else ' MISSED'})"
        )
        print(
            f"{case.name}: pretty {pretty.median('cpu') * 1000:.0f} ms, ndjson {ndjson.median('cpu') * 1000:.0f} ms, "
            f"one render {base * 1000:.0f} ms -> extra {ratio:.2f}x{verdict}; "
            f"bytes {written:.2f}x{'' if written <= 2 else ' MISSED'}; "
            f"{frames:.0f} frames ({frames / pretty.median('wall'):.1f}/s) in {pretty.median('wall'):.1f} s",
            flush=True,
        )
        ok = ok and (case.goal is None or ratio <= case.goal) and written <= 2
    for small, large in (
        ("code 500 lines @200", "code 1000 lines @200"),
        ("paragraph 200 KB, instant", "paragraph 400 KB, instant"),
    ):
        if small in extra and large in extra and extra[small] > 0 and extra[large] > 0:
            exponent = math.log2(extra[large] / extra[small])
            print(
                f"growth {small} -> {large}: extra CPU x{extra[large] / extra[small]:.2f}, exponent {exponent:.2f} (goal <= 1)"
            )
            ok = ok and exponent <= 1.0
    return ok


if __name__ == "__main__":
    sys.exit(0 if main(sys.argv[1:]) else 1)
