"""Interrupts while a start has a server half-started: SIGINT, SIGTERM and SIGHUP act alike.

``timeout 3 mlxchat start x`` (SIGTERM) and a closed terminal (SIGHUP) end a start as Ctrl-C does:
as a KeyboardInterrupt (Interrupted), so the start stops what it launched. Two stretches are protected:

- ``deferred()``: launching the server and writing its record. An interrupt then is held back and
  raised right after, so no server is ever launched without a record.
- ``cleaning()``: stopping the half-started server. An interrupt then does not abandon the clean-up;
  it asks it to hurry (skip to SIGKILL), which ``hurry()`` tells.

A signal the process started with ignored (``nohup``) stays ignored, here as in a batch
(:func:`catch`). Signal handlers belong to the main thread; elsewhere (a start called from another
thread) this does nothing and interrupts keep their usual effect.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType, TracebackType
from typing import Any

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

Handler = Callable[[int, FrameType | None], Any]


def catch(handler: Handler) -> Callable[[], None]:
    """Route SIGNALS to ``handler`` and return what puts the previous handlers back. A signal the
    process started with ignored stays ignored (``nohup mlxchat ...``: a closed terminal must not
    stop it). Only in the main thread, which owns signal handlers; elsewhere nothing changes."""
    saved: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for sig in SIGNALS:
            if signal.getsignal(sig) is not signal.SIG_IGN:
                saved[sig] = signal.signal(sig, handler)

    def restore() -> None:
        for sig, previous in saved.items():
            signal.signal(sig, previous)
        saved.clear()

    return restore


class Interrupted(KeyboardInterrupt):
    """SIGINT, SIGTERM or SIGHUP during a start: handled wherever Ctrl-C is (exit 130).

    A subclass, not KeyboardInterrupt itself: CPython remembers a KeyboardInterrupt raised while a
    string of code is exec'd (a dataclass being defined by a lazy import, say) and, under
    ``python -m``, ends the process with SIGINT at exit even though it was caught. It compares the
    exact type, so this one is not remembered.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class Interrupts:
    def __init__(self) -> None:
        self._restore: Callable[[], None] = lambda: None
        self._mode = "raise"
        self._pending: int | None = None
        self._hurry = False

    def __enter__(self) -> Interrupts:
        self._restore = catch(self._handle)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._restore()

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self._mode == "defer":
            self._pending = signum
        elif self._mode == "clean":
            self._hurry = True
        else:
            raise Interrupted(signum)

    @contextmanager
    def deferred(self) -> Iterator[None]:
        self._mode = "defer"
        try:
            yield
        finally:
            self._mode = "raise"
        if self._pending is not None:
            signum, self._pending = self._pending, None
            raise Interrupted(signum)

    @contextmanager
    def cleaning(self) -> Iterator[None]:
        previous, self._mode = self._mode, "clean"
        try:
            yield
        finally:
            self._mode = previous

    def hurry(self) -> bool:
        """An interrupt arrived during the clean-up: stop waiting, kill."""
        return self._hurry
