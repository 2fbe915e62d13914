"""Pretty rendering cost at the rates models really stream at, on a pseudo-terminal.

Each scenario is a document from tests/standin/markdown_doc.py streamed by the stand-in's ``paced``
scenario at a fixed number of tokens a second (0: all at once). ``mlxchat chat`` runs on it with
``--json`` and with pretty output, each on its own pty. With ``MLXCHAT_BENCH_AGAINST=DIR``
(benchmarks/against.py; DIR a checkout of the code before, e.g. ``git worktree add ../before
COMMIT``) that checkout's ``mlxchat`` runs the same two, so the figures of before and now come from
one run, on the same stream. CPU is user+system time of the whole child process (os.wait4). The
floor of a document is a whole ``python -c`` process that renders its final text once with Rich on
a pty of the same size.

Figures, each against the floor measured in the same run:
- extra CPU = median over runs of (pretty - NDJSON), run on the same stream, / median floor. Goals:
  the project document at 50 and 200 tok/s <= 1.5x; the 1,000-line code block and the 300-row
  table at 200 tok/s <= 2x; many short blocks, all at once, <= 1.5x;
- growth: the exponent of the extra CPU from a block of N to 2N (lines of code, characters of one
  paragraph); 1 is linear, the goal is <= 1;
- bytes pretty wrote to the terminal / bytes of the one render (goal <= 2x);
- frames: how many synchronized frames pretty drew, and how many a second.

The paced streams mostly wait, so they run in ``--lanes`` lanes side by side (each lane its
scenarios one after another; ``--lanes 1``: all one after another, quieter figures), NDJSON and
pretty of every side at the same time on the same stream, and the floor, three times, one after
another in the lane while the stream runs, so it is measured under the load its stream is. Those
sent at once are all CPU: each of their processes (NDJSON and pretty of every side, and the
floor) runs alone, in rounds (``--rounds``, 5 by default), each round in another order, so the
load of the machine falls on all of them alike. ``--instructions`` also counts, for those, the
instructions each process executes (valgrind's cachegrind, once each: the count repeats to a part
in a thousand however loaded the machine is; about two minutes a scenario): the same ratio and
growth, in instructions. ``--long`` uses the sizes the issue measured (2,000 tokens at 50 tok/s,
40 s; an 800 KB paragraph, about 15 s before); the default keeps the whole benchmark at about a
minute and a half.

``python -m benchmarks.bench_render [--runs N] [--rounds N] [--lanes N] [--long] [--only TEXT]
[--instructions]``
"""

from __future__ import annotations

import argparse
import math
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import tomli_w

CHECKOUT = str(Path(__file__).resolve().parents[1])
if CHECKOUT not in sys.path:  # run as a script (python benchmarks/bench_x.py), not with -m
    sys.path.insert(0, CHECKOUT)

from benchmarks.against import REPO, mlxchat_in, other_checkout  # noqa: E402
from benchmarks.pty_run import PtyRun, Run, instructions, together  # noqa: E402
from benchmarks.timing import process_env  # noqa: E402
from tests.fixtures.common import free_port  # noqa: E402
from tests.fixtures.standin import standin_command, wait_until_listening  # noqa: E402
from tests.standin.markdown_doc import document, token_chunks  # noqa: E402

FLOOR = (
    "import sys\nfrom rich.console import Console\nfrom rich.markdown import Markdown\n"
    "Console().print(Markdown(open(sys.argv[1], encoding='utf-8').read()))"
)
NOW, BEFORE = "now", "before"


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

    @property
    def seconds(self) -> float:
        """How long the stand-in takes to send it (0: at once)."""
        return len(token_chunks(document(self.kind, self.size))) / self.rate if self.rate else 0.0


def scenarios(long: bool) -> list[Scenario]:
    slow = 2000 if long else 500
    cases = [
        Scenario(f"project {slow} tokens @50", "project", slow, 50, 1.5),
        Scenario("project 2000 tokens @200", "project", 2000, 200, 1.5),
        Scenario("code 500 lines @200", "code", 500, 200, None),
        Scenario("code 1000 lines @200", "code", 1000, 200, 2.0),
        Scenario("table 300 rows @200", "table", 300, 200, 2.0),
        Scenario("short blocks 5000 tokens, instant", "blocks", 5000, 0, 1.5),
        Scenario("paragraph 100 KB, instant", "paragraph", 100_000, 0, None),
        Scenario("paragraph 200 KB, instant", "paragraph", 200_000, 0, None),
    ]
    if long:
        cases.append(Scenario("paragraph 800 KB, instant", "paragraph", 800_000, 0, None))
    return cases


GROWTH = (
    ("code 500 lines @200", "code 1000 lines @200"),
    ("paragraph 100 KB, instant", "paragraph 200 KB, instant"),
)


@dataclass
class Samples:
    runs: list[Run] = field(default_factory=list)

    def median(self, attr: str) -> float:
        return float(statistics.median(float(getattr(run, attr)) for run in self.runs))


@dataclass
class Side:
    """One checkout's figures for one scenario (the n-th pretty run beside the n-th NDJSON run)."""

    ndjson: Samples = field(default_factory=Samples)
    pretty: Samples = field(default_factory=Samples)
    counts: tuple[int, int] | None = None  # instructions of NDJSON and of pretty

    @property
    def extra(self) -> float:
        """Pretty's CPU beyond NDJSON's, in seconds: the median of the runs' differences."""
        pairs = zip(self.pretty.runs, self.ndjson.runs, strict=True)
        return float(statistics.median(pretty.cpu - ndjson.cpu for pretty, ndjson in pairs))


@dataclass
class Measured:
    case: Scenario
    doc: Path
    floor: Samples
    sides: dict[str, Side]
    floor_count: int = 0

    @property
    def floor_argv(self) -> list[str]:
        return [sys.executable, "-c", FLOOR, str(self.doc)]

    def ratio(self, side: str) -> float:
        return self.sides[side].extra / self.floor.median("cpu")

    def counted_ratio(self, side: str) -> float:
        ndjson, pretty = self.sides[side].counts or (0, 0)
        return (pretty - ndjson) / self.floor_count

    def written(self, side: str) -> float:
        return self.sides[side].pretty.median("written") / self.floor.median("written")

    def ok(self) -> bool:
        goal = self.case.goal
        counted = not self.floor_count or goal is None or self.counted_ratio(NOW) <= goal
        return (goal is None or self.ratio(NOW) <= goal) and self.written(NOW) <= 2 and counted

    def lines(self) -> list[str]:
        cpu, written = (
            self._figure("extra CPU", self.ratio, self.case.goal),
            self._figure("bytes", self.written, 2),
        )
        out = [f"{self.case.name}: {cpu}; {written}"]
        for name, side in self.sides.items():
            pretty = side.pretty
            frames, wall = pretty.median("frames"), pretty.median("wall")
            shown = f"; {frames:.0f} frames ({frames / wall:.1f}/s)" if frames else ""
            out.append(
                f"    {name}: pretty {pretty.median('cpu') * 1000:.0f} ms, ndjson "
                f"{side.ndjson.median('cpu') * 1000:.0f} ms (median of {len(pretty.runs)}), "
                f"extra {side.extra * 1000:.0f} ms; one render {self.floor.median('cpu') * 1000:.0f} ms "
                f"(of {len(self.floor.runs)}); {wall:.1f} s{shown}"
            )
        if self.floor_count:
            out.append("    " + self._figure("extra instructions", self.counted_ratio, self.case.goal))
            for name, side in self.sides.items():
                plain, fancy = side.counts or (0, 0)
                out.append(
                    f"    {name}: pretty {fancy / 1e6:,.0f} M, ndjson {plain / 1e6:,.0f} M, "
                    f"one render {self.floor_count / 1e6:,.0f} M instructions"
                )
        return out

    def _figure(self, what: str, of: Callable[[str], float], goal: float | None) -> str:
        """``what`` now against its goal, and before."""
        value = of(NOW)
        verdict = "" if goal is None else f" (goal <= {goal}x{'' if value <= goal else ' MISSED'})"
        return f"{what} {value:.2f}x{verdict}" + (
            f", before {of(BEFORE):.2f}x" if BEFORE in self.sides else ""
        )


def main(argv: list[str] | None = None) -> bool:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="runs of each paced scenario")
    parser.add_argument("--rounds", type=int, default=5, help="runs of each process sent at once")
    parser.add_argument("--lanes", type=int, default=2, help="paced scenarios run in this many lanes")
    parser.add_argument("--long", action="store_true", help="the issue's sizes (about a minute more)")
    parser.add_argument("--only", default="", metavar="TEXT", help="only the scenarios whose name has TEXT")
    parser.add_argument(
        "--instructions", action="store_true", help="also count instructions of those sent at once"
    )
    args = parser.parse_args(argv if argv is not None else [])
    if args.instructions and shutil.which("valgrind") is None:
        raise SystemExit("--instructions needs valgrind")
    home = Path(tempfile.mkdtemp(prefix="mlxchat-bench-"))
    port = free_port()
    server = subprocess.Popen(standin_command(port), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_listening(port, server)
        cases = [case for case in scenarios(args.long) if args.only in case.name]
        setup = _Setup(home, port)
        measured = _measure(setup, cases, args.runs, max(1, args.lanes), max(1, args.rounds))
        if args.instructions:
            _count(setup, [m for m in measured.values() if not m.case.rate])
        return _report(measured)
    finally:
        server.kill()
        server.wait()
        shutil.rmtree(home, ignore_errors=True)


class _Setup:
    """The profiles (one per scenario), the environment and the commands of each side."""

    def __init__(self, home: Path, port: int) -> None:
        self.home = home
        self.port = port
        env = {k: v for k, v in process_env().items() if k not in ("NO_COLOR", "FORCE_COLOR")}
        env.update(MLXCHAT_HOME=str(home), TERM="xterm-256color")
        self.env = env
        other = other_checkout()
        self.checkouts = {NOW: REPO, **({BEFORE: other} if other is not None else {})}

    def profiles(self, cases: list[Scenario]) -> list[str]:
        url = f"http://127.0.0.1:{self.port}/v1"
        profiles = {f"s{i}": {"server": "remote", "url": url, "model": c.model} for i, c in enumerate(cases)}
        (self.home / "config").mkdir(parents=True, exist_ok=True)
        (self.home / "config" / "profiles.toml").write_text(tomli_w.dumps({"profiles": profiles}))
        return list(profiles)

    def commands(self, profile: str) -> list[list[str]]:
        """Per side: NDJSON, then pretty."""
        out: list[list[str]] = []
        for checkout in self.checkouts.values():
            chat = mlxchat_in(checkout, "chat", profile, "q")
            out += [[*chat, "--json"], chat]
        return out


def _measure(setup: _Setup, cases: list[Scenario], runs: int, lanes: int, rounds: int) -> dict[str, Measured]:
    names = setup.profiles(cases)
    measured: dict[str, Measured] = {}
    for name, case in zip(names, cases, strict=True):
        doc = setup.home / f"{name}.md"
        doc.write_text(document(case.kind, case.size), encoding="utf-8")
        measured[name] = Measured(case, doc, Samples(), {side: Side() for side in setup.checkouts})
    if names:
        together(setup.commands(names[0]), setup.env)  # compiles the bytecode of each side
    paced = [name for name in names if measured[name].case.rate]
    for _ in range(runs):
        threads = [
            threading.Thread(target=_lane, args=(setup, lane, measured))
            for lane in _lanes(paced, measured, lanes)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    instant = [name for name in names if not measured[name].case.rate]
    for round_ in range(rounds):
        for name in instant:
            _alone(setup, name, measured[name], round_)
    return measured


def _lanes(names: list[str], measured: dict[str, Measured], count: int) -> list[list[str]]:
    """The longest stream first, each to the lane that ends soonest."""
    lanes: list[list[str]] = [[] for _ in range(min(count, len(names)))]
    ends = [0.0] * len(lanes)
    for name in sorted(names, key=lambda n: -measured[n].case.seconds):
        at = ends.index(min(ends))
        lanes[at].append(name)
        ends[at] += measured[name].case.seconds
    return lanes


FLOORS = 3
"""Runs of a paced stream's floor, spread over the time it streams."""


def _lane(setup: _Setup, names: list[str], measured: dict[str, Measured]) -> None:
    """Each scenario in turn, both formats of every side at the same time on the same stream, and
    its floor, ``FLOORS`` times one after another, spread over the time the stream takes, so the
    floor runs under the load its stream's processes run under (the streams mostly wait)."""
    for name in names:
        m = measured[name]
        started = [PtyRun(argv, setup.env) for argv in setup.commands(name)]
        gap = m.case.seconds / (FLOORS + 1)
        for _ in range(FLOORS):
            time.sleep(gap)
            m.floor.runs.append(PtyRun(m.floor_argv, setup.env).wait())
        results = [run.wait() for run in started]
        for k, side in enumerate(m.sides.values()):
            side.ndjson.runs.append(results[2 * k])
            side.pretty.runs.append(results[2 * k + 1])


def _alone(setup: _Setup, name: str, m: Measured, round_: int) -> None:
    """One round of a scenario sent at once: each process alone, starting at another one each round."""
    samples = [m.floor, *(s for side in m.sides.values() for s in (side.ndjson, side.pretty))]
    argvs = [m.floor_argv, *setup.commands(name)]
    at = round_ % len(argvs)
    for argv, into in [*zip(argvs, samples, strict=True)][at:] + [*zip(argvs, samples, strict=True)][:at]:
        into.runs.append(PtyRun(argv, setup.env).wait())


def _count(setup: _Setup, instant: list[Measured]) -> None:
    for m in instant:
        profile = m.doc.stem
        m.floor_count = instructions(m.floor_argv, setup.env)
        commands = iter(setup.commands(profile))
        for side in m.sides.values():
            side.counts = (instructions(next(commands), setup.env), instructions(next(commands), setup.env))


def _report(measured: dict[str, Measured]) -> bool:
    ok = True
    for m in measured.values():
        for line in m.lines():
            print(line, flush=True)
        ok = ok and m.ok()
    by_name = {m.case.name: m for m in measured.values()}
    for small, large in GROWTH:
        if small in by_name and large in by_name:
            ok = _growth(by_name[small], by_name[large]) and ok
    return ok


def _growth(small: Measured, large: Measured) -> bool:
    """Print the growth exponent of the extra CPU (and of the extra instructions, when counted)."""
    figures: list[tuple[str, Callable[[Measured, str], float]]] = [("CPU", lambda m, s: m.sides[s].extra)]
    if small.floor_count and large.floor_count:
        figures.append(("instructions", lambda m, s: m.counted_ratio(s) * m.floor_count))
    ok = True
    for what, extra in figures:
        parts = []
        for side in small.sides:
            exponent = _exponent(extra(small, side), extra(large, side))
            parts.append(f"{side} {exponent:.2f}")
            ok = ok and (side != NOW or exponent <= 1.0)
        names = f"{small.case.name} -> {large.case.name}"
        print(f"growth {names}: exponent of the extra {what} {', '.join(parts)} (goal <= 1)")
    return ok


def _exponent(small: float, large: float) -> float:
    """log2 of the growth when the block doubles (1: linear); nan when a figure is not above zero."""
    return math.log2(large / small) if small > 0 and large > 0 else math.nan


if __name__ == "__main__":
    sys.exit(0 if main(sys.argv[1:]) else 1)
