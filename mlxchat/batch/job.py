"""One ``mlxchat batch`` run, put together: profiles and their lanes, input, output, the runner,
progress, and the ``--events`` batch events around it."""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, ExitStack, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import orjson

from mlxchat.batch.events import BatchDone, BatchStart
from mlxchat.batch.input import check_all, read_entries
from mlxchat.batch.lanes import Lane, Lanes
from mlxchat.batch.progress import Ticker, View, make_view
from mlxchat.batch.resume import Resumed, open_output
from mlxchat.batch.runner import BatchRunner, RunOptions, Tally, TryLog
from mlxchat.batch.writer import ResultWriter
from mlxchat.chat.options import ChatOptions
from mlxchat.chat.stream import http_client, utc_timestamp
from mlxchat.errors import UnreachableError, UsageError
from mlxchat.profile import Profile
from mlxchat.terminal import Terminal

DEFAULT_JOBS = 4
MIN_WINDOW = 1000
"""``--ordered`` holds at most this many requests (or 4 x the total -j, when larger) in its window."""


@dataclass(frozen=True)
class BatchSpec:
    profiles: list[Profile]
    options: ChatOptions
    """What every request gets unless its line says otherwise (system, max_tokens, ...)."""
    input: str | None = None
    """A path; None or ``-`` for stdin."""
    output: str | None = None
    jobs: int | None = None
    text: bool = False
    strict: bool = False
    resume: bool = False
    overwrite: bool = False
    events: bool = False
    ordered: bool = False
    retries: int = 3
    profile_model: bool = False
    progress: bool | None = None
    seed: int | None = None
    log: bool = False
    """``--log``: each request kept in the conversation history as a conversation of its own."""


@dataclass
class BatchReport:
    tally: Tally
    lanes: list[Lane]
    wall: float


def window(capacity: int) -> int:
    return max(MIN_WINDOW, 4 * capacity)


def check_running(profiles: list[Profile], start: Callable[[Profile], None] | None) -> None:
    """Every local profile's server must run: ``start`` starts what needs it (it checks which, as
    ``chat --start`` does), else a server that is not running is UnreachableError (exit 3)."""
    from mlxchat.servers import lifecycle

    for profile in profiles:
        if start is not None:
            start(profile)
        elif lifecycle.needs_start(profile):
            raise UnreachableError(
                f"the server of profile {profile.name} is not running",
                hint=f"mlxchat start {profile.name}  (or give --start)",
            )


def run_batch(
    spec: BatchSpec,
    terminal: Terminal,
    now: Callable[[], float],
    notify: Callable[[str], None] = lambda message: None,
    environ: Mapping[str, str] = os.environ,
) -> BatchReport:
    """Run the batch ``spec`` describes; ``now`` is the wall clock,
    ``notify`` gets what is worth saying before it starts (what a resumed output holds), ``environ``
    may keep ``--log`` out of the history (``MLXCHAT_NO_HISTORY``). The
    terminal gives the input (stdin), the output (stdout) and the progress view (stderr)."""
    names = [p.name for p in spec.profiles]
    if len(set(names)) != len(names):
        raise UsageError("a profile is named twice: give each profile once")
    if spec.resume and spec.output in (None, "-"):
        raise UsageError("--resume needs the output file: -o FILE")
    with ExitStack() as stack:
        source = stack.enter_context(_open_input(spec.input, terminal))
        total = _Total(spec.input)
        if spec.strict:
            source = stack.enter_context(_Rewindable(source))
            total.known = check_all(source, spec.options, text=spec.text)
            source.seek(0)
        out, resumed = _open_output(spec, stack, terminal)
        if resumed.kept or resumed.dropped:
            notify(f"resuming {spec.output}: {resumed.kept} done already, {resumed.dropped} to run again")
        lanes = _lanes(spec)
        stack.callback(lanes.close)
        to_file = spec.output not in (None, "-")
        writer = ResultWriter(out, ordered=spec.ordered, name=f"-o {spec.output}" if to_file else None)
        entries = read_entries(source, spec.options, text=spec.text, drop_model=spec.profile_model)
        log = _history(spec, stack, environ, terminal.warn)
        options = RunOptions(
            spec.retries, spec.events, spec.ordered, window(lanes.capacity), spec.seed, now, log
        )
        runner = BatchRunner(lanes, entries, writer, options, skip=resumed.done)
        if spec.events:
            start = BatchStart(utc_timestamp(now()), _profile_list(lanes), resumed.kept, spec.ordered)
            writer.write_now(_line(start))
        view = make_view(terminal, spec.progress, results_to_stdout=spec.output in (None, "-"))
        report = _run(runner, view, total)
        if spec.events:
            writer.write_now(_line(batch_done(report.tally, report.lanes, report.wall)))
        return report


def _history(
    spec: BatchSpec, stack: ExitStack, environ: Mapping[str, str], warn: Callable[[str], None]
) -> Callable[[Profile], TryLog] | None:
    """``--log``: the log of each try, on one history connection held for the whole batch."""
    if not spec.log:
        return None
    from mlxchat.history.log import batch_logs

    logs = batch_logs(environ, warn)
    if logs is None:
        return None
    writer, for_try = logs
    stack.enter_context(writer.held())
    return for_try


def _run(runner: BatchRunner, view: View | None, total: _Total) -> BatchReport:
    ticker = Ticker(view, runner.snapshot, total.get) if view is not None else None
    started = time.monotonic()
    try:
        tally = runner.run()
    finally:
        if ticker is not None:
            ticker.stop()
    return BatchReport(tally, runner.lanes.all, time.monotonic() - started)


def _line(event: BatchStart | BatchDone) -> bytes:
    return orjson.dumps(event, option=orjson.OPT_APPEND_NEWLINE)


def batch_done(tally: Tally, lanes: list[Lane], wall: float) -> BatchDone:
    usage = {
        "prompt_tokens": tally.prompt_tokens,
        "completion_tokens": tally.completion_tokens,
        "total_tokens": tally.prompt_tokens + tally.completion_tokens,
    }
    per_lane = [
        {
            "name": lane.name,
            "ok": lane.stats.ok,
            "failed": lane.stats.failed,
            "retried": lane.stats.retried,
            "completion_tokens": lane.stats.completion_tokens,
            "requests_per_second": round(lane.stats.done / max(wall, 1e-9), 3),
        }
        for lane in lanes
    ]
    done = BatchDone(tally.ok, tally.failed, tally.retried, tally.not_run, tally.interrupted, usage)
    done.wall, done.profiles = round(wall, 6), per_lane
    return done


def _profile_list(lanes: Lanes) -> list[dict[str, object]]:
    return [{"name": lane.name, "url": lane.profile.base_url(), "jobs": lane.jobs} for lane in lanes.all]


def _lanes(spec: BatchSpec) -> Lanes:
    from mlxchat.servers.kinds import kind_of

    lanes = []
    for profile in spec.profiles:
        jobs = spec.jobs or profile.batch_jobs or DEFAULT_JOBS
        client = http_client(local=not kind_of(profile).is_remote, url=profile.base_url(), pool=jobs)
        lanes.append(Lane(profile, jobs, client))
    return Lanes(lanes)


class _Total:
    """How many requests the input holds, counted in a thread for a file (None until known)."""

    def __init__(self, path: str | None) -> None:
        self.known: int | None = None
        self._path = path
        self._counting: threading.Thread | None = None

    def get(self) -> int | None:
        if self.known is None and self._counting is None and self._path not in (None, "-"):
            self._counting = threading.Thread(target=self._count, daemon=True)
            self._counting.start()
        return self.known

    def _count(self) -> None:
        try:
            with Path(str(self._path)).open("rb") as f:
                self.known = sum(1 for line in f if line.strip())
        except OSError:
            pass


def _open_input(path: str | None, terminal: Terminal) -> AbstractContextManager[BinaryIO]:
    """The input, closed at the end when it is a file (stdin is left open)."""
    if path in (None, "-"):
        stream = terminal.stdin
        if stream is None:
            raise UsageError("stdin is closed: give the input with -i FILE")
        if path is None and terminal.stdin_isatty:
            raise UsageError("no input: give -i FILE, or pipe the request lines in")
        return nullcontext(stream.buffer if hasattr(stream, "buffer") else stream)  # type: ignore[arg-type]
    try:
        return Path(path).open("rb")
    except OSError as exc:
        raise UsageError(f"cannot read -i {path}: {exc.strerror or exc}") from None


class _Rewindable:
    """The input as a file that can be read twice (``--strict``): stdin is copied to a temporary file."""

    def __init__(self, source: BinaryIO) -> None:
        self._source = source
        self._spool: BinaryIO | None = None

    def __enter__(self) -> BinaryIO:
        if self._source.seekable():
            return self._source
        self._spool = tempfile.TemporaryFile()
        while chunk := self._source.read(1 << 20):
            self._spool.write(chunk)
        self._spool.seek(0)
        return self._spool

    def __exit__(self, *exc: object) -> None:
        if self._spool is not None:
            self._spool.close()


def _open_output(spec: BatchSpec, stack: ExitStack, terminal: Terminal) -> tuple[BinaryIO, Resumed]:
    if spec.output in (None, "-"):
        if spec.overwrite:
            raise UsageError("--overwrite needs the output file: -o FILE")
        return terminal.stdout.buffer, Resumed()
    if spec.input not in (None, "-") and _same_file(spec.input, spec.output):
        raise UsageError(f"-o {spec.output} is the input file: results need a file of their own")
    handle, resumed = open_output(
        spec.output, resume=spec.resume, overwrite=spec.overwrite, events=spec.events
    )
    stack.callback(handle.close)
    return handle, resumed


def _same_file(a: str | None, b: str) -> bool:
    try:
        return a is not None and Path(a).samefile(b)
    except OSError:
        return False
