"""Drawing on a thread of its own, so a terminal that is slow to draw never holds back the stream.

The thread that reads the stream only hands events over (:meth:`Painter.post`, a list append).
The painter thread takes everything that arrived since its last frame, applies it, and draws one
frame: at most ``rate`` frames a second, and only when something arrived or the display moves by
itself (a spinner). While a write to the terminal blocks, events pile up and are applied together
in the next frame: frames are dropped, never queued. An exception in the painter (the terminal
went away) is raised in the posting thread on its next call.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Painter(Generic[T]):
    def __init__(self, tick: Callable[[list[T]], None], animated: Callable[[], bool], rate: float) -> None:
        self._tick = tick
        self._animated = animated
        self._interval = 1.0 / rate
        self._pending: list[T] = []
        self._closing = False
        self._error: BaseException | None = None
        self._wake = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="mlxchat-painter", daemon=True)
        self._thread.start()

    def post(self, items: list[T]) -> None:
        self._raise()
        with self._wake:
            self._pending += items
            self._wake.notify()

    def close(self) -> None:
        """Draw what is left, end the thread, and raise what went wrong in it. A Ctrl-C while
        waiting is raised once the last frame is drawn, so nothing is drawn after this returns."""
        with self._wake:
            self._closing = True
            self._wake.notify()
        interrupted = False
        while self._thread.is_alive():
            try:
                self._thread.join()
            except KeyboardInterrupt:
                interrupted = True
        self._raise()
        if interrupted:
            raise KeyboardInterrupt

    def _raise(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def _run(self) -> None:
        last = 0.0
        try:
            while True:
                with self._wake:
                    while not self._pending and not self._closing:
                        if not self._wake.wait(self._interval if self._animated() else None):
                            break  # time for the next frame of an animation
                    closing = self._closing
                wait = last + self._interval - time.monotonic()
                if wait > 0 and not closing:
                    time.sleep(wait)
                with self._wake:
                    items, self._pending = self._pending, []
                    closing = self._closing
                self._tick(items)
                last = time.monotonic()
                if closing:
                    return
        except BaseException as exc:  # handed to the posting thread
            self._error = exc
