"""Running a batch: the dispatcher (the calling thread) and one worker thread per request in flight.

The dispatcher reads the input only when a lane has room (so a file of any length streams), sends
due retries before new lines, and keeps ``--ordered`` output within its window. Each worker runs
one try with ``run_turn`` on its lane's shared HTTP client, then, under the one lock, decides with
mlxchat.batch.retry what comes next and hands the result line to the writer.

Ctrl-C (SIGINT) once: nothing more is sent; the requests in flight finish and their results are
written; requests waiting for a retry get no line (``--resume`` runs them). Twice: the requests in
flight are abandoned (no line either). The summary counts both as not run. SIGTERM (``timeout``,
``systemctl stop``, ``kill``) and SIGHUP (a closed terminal) act as Ctrl-C does, and count with it;
a signal the process was started with ignored (``nohup``, ``&`` in a script) stays ignored.
"""

from __future__ import annotations

import heapq
import itertools
import queue
import random
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import FrameType
from typing import Any, Protocol

from mlxchat.batch.idset import IdSet
from mlxchat.batch.items import BadLine, Entry, Item
from mlxchat.batch.lanes import Counts, Lane, Lanes
from mlxchat.batch.results import Outcome, bad_line_outcome, result_line
from mlxchat.batch.retry import REQUEST_BACKOFF, Verdict, verdict
from mlxchat.batch.writer import ResultWriter
from mlxchat.chat.events import Event
from mlxchat.chat.turn import TurnLog, run_turn
from mlxchat.errors import OutputClosed, UsageError
from mlxchat.profile import Profile
from mlxchat.servers import interrupts

POLL = 0.1
"""Seconds the dispatcher sleeps at most between looks at Ctrl-C and the retry queue."""


class TryLog(TurnLog, Protocol):
    """A turn log that keeps its turn only when told: the try that gives the request its result."""

    def keep(self) -> None: ...


@dataclass(frozen=True)
class RunOptions:
    retries: int = 3
    events: bool = False
    ordered: bool = False
    window: int = 1000
    """``--ordered``: most requests between the oldest unwritten one and the newest sent."""
    seed: int | None = None
    """For the jitter of backoffs (None: unpredictable)."""
    now: Callable[[], float] = time.time
    """The wall clock: the start events' timestamps, ``created`` of OpenAI results."""
    log: Callable[[Profile], TryLog] | None = None
    """``--log``: the conversation history's log of one try to a profile (mlxchat.history.log)."""


@dataclass
class Tally(Counts):
    not_run: int = 0
    resumed: int = 0
    """Requests skipped because the output already had their successful result."""
    interrupted: bool = False
    signal: str | None = None
    """The signal that interrupted it first (``SIGINT``, ``SIGTERM``, ``SIGHUP``)."""
    abandoned: bool = False
    abandoned_in_flight: int = 0
    """Of ``not_run``: the requests in flight when a second Ctrl-C abandoned them."""


@dataclass
class _Task:
    entry: Item
    seq: int
    attempt: int = 1
    failed_on: frozenset[str] = frozenset()
    """The profiles whose tries of it failed: its retries go elsewhere while they can."""


@dataclass(order=True)
class _Waiting:
    due: float
    order: int
    task: _Task = field(compare=False)


class _Collect:
    """``--events``: a try's events, kept for its block of lines."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def write_batch(self, events: list[Event]) -> None:
        self.events.extend(events)


class _Discard:
    """Results need only what the turn's result keeps (answer, reasoning, tool calls, usage)."""

    events = None

    def write_batch(self, events: list[Event]) -> None:
        pass


_DISCARD = _Discard()


class BatchRunner:
    def __init__(
        self,
        lanes: Lanes,
        entries: Iterator[Entry],
        writer: ResultWriter,
        options: RunOptions,
        *,
        skip: IdSet | None = None,
    ) -> None:
        self.lanes, self.writer, self.options = lanes, writer, options
        self.tally = Tally()
        self._entries, self._skip, self._now = entries, skip, options.now
        self._cond = threading.Condition()
        self._waiting: list[_Waiting] = []
        self._order = itertools.count()
        self._jobs: queue.SimpleQueue[tuple[_Task, Lane] | None] = queue.SimpleQueue()
        self._rng = random.Random(options.seed)
        self._seq = 0
        self._exhausted = False
        self._interrupts = 0
        self._signal: str | None = None
        self._closed = False
        self._crash: BaseException | None = None
        self.started = time.monotonic()

    # -- the dispatcher ------------------------------------------------------------------------

    def run(self) -> Tally:
        """Run every request to its result; the tally says how it went. OutputClosed when stdout's
        reader left; an exception of a worker (a bug) is raised here."""
        self.started = time.monotonic()
        workers = [threading.Thread(target=self._work, daemon=True) for _ in range(self.lanes.capacity)]
        for worker in workers:
            worker.start()
        restore = interrupts.catch(self._on_signal)
        try:
            self._dispatch()
            self._drain()
        finally:
            restore()
            for _ in workers:
                self._jobs.put(None)
        if self.options.ordered:
            self.writer.flush_waiting()
        if self._crash is not None and not self.tally.abandoned:
            raise self._crash
        if self._closed:
            raise OutputClosed("stdout was closed")
        return self.tally

    def _dispatch(self) -> None:
        task: _Task | None = None
        while not self._stopped():
            if task is None:
                task = self._next_task()
            with self._cond:
                if task is None:
                    if self._exhausted and not self._waiting and not self.lanes.in_flight:
                        return
                    self._cond.wait(self._pause())
                    continue
                lane = self.lanes.pick(time.monotonic(), task.failed_on)
                if lane is None:
                    self._cond.wait(self._pause())
                    continue
                lane.in_flight += 1
                lane.given += 1
            self._jobs.put((task, lane))
            task = None
        if task is not None:
            self._not_run(task)

    def _next_task(self) -> _Task | None:
        """A retry that is due, else the next line of the input (None: nothing to send now)."""
        with self._cond:
            if self._waiting and self._waiting[0].due <= time.monotonic():
                return heapq.heappop(self._waiting).task
            if self._exhausted:
                return None
        while self._window_open():
            entry = next(self._entries, None)
            if entry is None:
                self._exhausted = True
                return None
            if isinstance(entry, BadLine):
                self._finish(bad_line_outcome(entry), self._next_seq(), None)
            elif self._skip is not None and entry.key in self._skip:
                self.tally.resumed += 1
            else:
                return _Task(entry, self._next_seq())
        return None

    def _next_seq(self) -> int:
        seq = self._seq
        self._seq += 1
        return seq

    def _window_open(self) -> bool:
        return not self.options.ordered or self._seq - self.writer.next_seq < self.options.window

    def _pause(self) -> float:
        now = time.monotonic()
        times = [w.due for w in self._waiting[:1]]
        back = self.lanes.next_return(now)
        if back is not None:
            times.append(back)
        return max(0.0, min([now + POLL, *times]) - now)

    def _stopped(self) -> bool:
        self._look_at_signals()
        return self.tally.interrupted or self._closed or self._crash is not None

    def _drain(self) -> None:
        """After Ctrl-C: wait for the requests in flight (a second Ctrl-C abandons them)."""
        while True:
            self._look_at_signals()
            with self._cond:
                if self.tally.abandoned:
                    self.tally.abandoned_in_flight = self.lanes.in_flight
                    self.tally.not_run += self.lanes.in_flight
                    break
                if self._closed or self._crash is not None or not self.lanes.in_flight:
                    break
                self._cond.wait(POLL)
        with self._cond:
            for waiting in self._waiting:
                self._not_run(waiting.task)
            self._waiting.clear()

    def _not_run(self, task: _Task) -> None:
        self.tally.not_run += 1
        self.writer.put(task.seq, None)

    # -- Ctrl-C, SIGTERM, SIGHUP -----------------------------------------------------------------

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        # Only counted here: the dispatcher acts on it.
        self._signal = self._signal or signal.Signals(signum).name
        self._interrupts += 1

    def _look_at_signals(self) -> None:
        if self._interrupts:
            self.tally.interrupted = True
            self.tally.signal = self._signal
        if self._interrupts > 1:
            self.tally.abandoned = True

    # -- the workers ---------------------------------------------------------------------------

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            task, lane = job
            try:
                self._attempt(task, lane)
            except OutputClosed:
                self._closed = True
            except BaseException as exc:  # a bug: the dispatcher raises it
                self._crash = exc
            with self._cond:
                self._cond.notify()

    def _attempt(self, task: _Task, lane: Lane) -> None:
        entry = task.entry
        try:
            request = entry.request(lane.profile)
        except UsageError as exc:
            problem = f"line {entry.line}: {exc.message}"
            self._finish(Outcome(entry, lane.name, problem=problem, attempts=task.attempt), task.seq, lane)
            return
        sink = _Collect() if self.options.events else _DISCARD
        log = self.options.log(lane.profile) if self.options.log is not None else None
        turn = run_turn(request, sink, now=self._now, client=lane.client, log=log)
        now = time.monotonic()
        with self._cond:
            judged = verdict(turn.end)
            if judged is Verdict.OK:
                lane.answered()
            elif judged is Verdict.LANE:
                lane.failed(now, self._rng)
            elif judged is Verdict.RETRY:
                lane.refused(now, self._rng, turn.retry_after)
            again = judged in (Verdict.LANE, Verdict.RETRY)
            tries_left = self.tally.interrupted or task.attempt <= self.options.retries
            if self.tally.abandoned or (again and tries_left):
                lane.in_flight -= 1
                if self.tally.abandoned:
                    return
                if self.tally.interrupted:
                    self._not_run(task)
                else:
                    self._retry_later(task, lane, turn.retry_after, now)
                return
        if log is not None:
            log.keep()  # before the line: once every line is written, the batch may end at once
        self._finish(Outcome(entry, lane.name, turn, sink.events, attempts=task.attempt), task.seq, lane)

    def _retry_later(self, task: _Task, lane: Lane, retry_after: float | None, now: float) -> None:
        """Queue the next try: at once when a profile in rotation has not failed it yet, else after
        the backoff (and never sooner than ``Retry-After``). Once every profile has failed it, it
        starts over, passing over only the last one."""
        failed_on = task.failed_on | {lane.name}
        fresh = failed_on < self.lanes.names()
        task.failed_on = failed_on if fresh else frozenset({lane.name})
        if fresh and self.lanes.elsewhere(failed_on, now):
            delay = 0.0
        else:
            delay = max(REQUEST_BACKOFF.delay(task.attempt, self._rng), retry_after or 0.0)
        task.attempt += 1
        heapq.heappush(self._waiting, _Waiting(now + delay, next(self._order), task))
        lane.stats.retried += 1
        self.tally.retried += 1

    def _finish(self, outcome: Outcome, seq: int, lane: Lane | None) -> None:
        """Write the line of ``outcome`` and count it; then the slot it held on ``lane`` is free."""
        self.writer.put(seq, result_line(outcome, self._now(), self.options.events))
        with self._cond:
            self._count(outcome, lane)
            if lane is not None:
                lane.in_flight -= 1

    def _count(self, outcome: Outcome, lane: Lane | None) -> None:
        for counts in (self.tally, lane.stats) if lane is not None else (self.tally,):
            counts.add(outcome.ok, outcome.tokens)

    # -- for progress --------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        with self._cond:
            tally = self.tally
            return {
                "done": tally.done,
                "failed": tally.failed,
                "resumed": tally.resumed,
                "completion_tokens": tally.completion_tokens,
                "elapsed": time.monotonic() - self.started,
                "in_flight": {lane.name: lane.in_flight for lane in self.lanes.all},
                "out": [lane.name for lane in self.lanes.all if not lane.in_rotation(time.monotonic())],
            }
