"""What a batch shows on stderr: a progress bar while it runs, a summary when it ends.

When stderr is a terminal (and the results do not go to the same terminal) a Rich progress bar:
done/total when the total is known (``-i FILE``), requests/s, ETA, failures, tokens/s and each
profile's requests in flight. With ``--progress`` otherwise, a plain line every few seconds. The summary
(ok, failed, retried, tokens, wall time, requests/s per profile) is text for mlxchat.terminal.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from mlxchat.batch.lanes import Lane
from mlxchat.batch.runner import Tally

if TYPE_CHECKING:
    from mlxchat.terminal import Terminal

Snapshot = dict[str, Any]
TICK = 0.25
LINE_EVERY = 5.0


class View(Protocol):
    def show(self, snap: Snapshot, total: int | None) -> None: ...
    def close(self) -> None: ...


def status_text(snap: Snapshot) -> str:
    """``3 failed · 812 tok/s · a 4, b 4 in flight`` (the part of the progress line after the count)."""
    elapsed = max(snap["elapsed"], 1e-9)
    parts = [f"{snap['failed']} failed", f"{snap['completion_tokens'] / elapsed:,.0f} tok/s"]
    flights = ", ".join(f"{name} {n}" for name, n in snap["in_flight"].items())
    parts.append(f"in flight: {flights}")
    if snap["out"]:
        parts.append("out of rotation: " + ", ".join(snap["out"]))
    return " · ".join(parts)


class BarView:
    """The Rich progress bar (transient: it is replaced by the summary)."""

    def __init__(self, terminal: Terminal) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        self._progress = Progress(
            TextColumn("batch"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeRemainingColumn(),
            TextColumn("{task.fields[status]}"),
            console=terminal.err_console(),
            transient=True,
            auto_refresh=False,
        )
        self._task = self._progress.add_task("batch", total=None, rate="", status="")
        self._progress.start()

    def show(self, snap: Snapshot, total: int | None) -> None:
        elapsed = max(snap["elapsed"], 1e-9)
        done = snap["done"] + snap["resumed"]
        rate = f"{snap['done'] / elapsed:,.1f} req/s"
        self._progress.update(self._task, completed=done, total=total, rate=rate, status=status_text(snap))
        self._progress.refresh()

    def close(self) -> None:
        self._progress.stop()


class LineView:
    """``--progress`` into a file or pipe: one plain line every few seconds."""

    def __init__(self, terminal: Terminal) -> None:
        self._terminal = terminal
        self._last: float | None = None

    def show(self, snap: Snapshot, total: int | None) -> None:
        if self._last is not None and snap["elapsed"] - self._last < LINE_EVERY:
            return
        self._last = snap["elapsed"]
        done = snap["done"] + snap["resumed"]
        count = f"{done}/{total}" if total is not None else f"{done}"
        rate = snap["done"] / max(snap["elapsed"], 1e-9)
        self._terminal.info(f"batch: {count} done, {rate:,.1f} req/s · {status_text(snap)}")

    def close(self) -> None:
        pass


class Ticker:
    """Shows the runner's snapshot every TICK seconds in a thread of its own, until stopped."""

    def __init__(self, view: View, snapshot: Callable[[], Snapshot], total: Callable[[], int | None]) -> None:
        self._view, self._snapshot, self._total = view, snapshot, total
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(TICK):
            self._view.show(self._snapshot(), self._total())

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self._view.close()


def make_view(terminal: Terminal, wanted: bool | None, *, results_to_stdout: bool) -> View | None:
    """The progress view: ``wanted`` None means only when the bar can have stderr's terminal to
    itself (result lines written to the same terminal would tear it)."""
    shared = results_to_stdout and terminal.stdout_isatty
    bar = terminal.stderr_isatty and not shared
    if wanted is False or (wanted is None and not bar):
        return None
    return BarView(terminal) if bar else LineView(terminal)


def summary_lines(tally: Tally, lanes: list[Lane], wall: float) -> list[str]:
    """The summary: the whole batch on the first line, then one line per profile."""
    wall = max(wall, 1e-9)
    tokens = tally.prompt_tokens + tally.completion_tokens
    head = (
        f"batch: {tally.ok} ok, {tally.failed} failed, {tally.retried} retried; "
        f"{tokens:,} tokens ({tally.completion_tokens:,} generated); "
        f"{wall:.1f} s, {tally.done / wall:,.1f} requests/s"
    )
    if tally.resumed:
        head += f"; {tally.resumed} already done"
    lines = [head]
    if len(lanes) > 1 or tally.failed:
        for lane in lanes:
            stats = lane.stats
            lines.append(
                f"  {lane.name}: {stats.ok} ok, {stats.failed} failed, {stats.retried} retried, "
                f"{stats.done / wall:,.1f} requests/s"
            )
    if tally.interrupted:
        waiting = tally.not_run - tally.abandoned_in_flight
        parts = [f"{tally.abandoned_in_flight} request(s) in flight abandoned"] if tally.abandoned else []
        parts.append(f"{waiting} waiting not run")
        by = f" by {tally.signal}" if tally.signal else ""
        lines.append(
            f"interrupted{by}: {', '.join(parts)}, the rest of the input not read; "
            "run the same command with --resume to finish"
        )
    return lines
