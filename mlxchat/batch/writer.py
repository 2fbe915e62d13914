"""Writing result lines: each line (or ``--events`` block) in one write, flushed, from any thread.

In completion order by default. With ``--ordered``, in input order: a result that comes before its
turn waits in a reorder buffer; the runner keeps at most ``window`` requests between the oldest
unwritten one and the newest sent, so the buffer is bounded (docs/batch.md gives the bound).
A reader of stdout that goes away raises OutputClosed (``| head -1``: a normal end).
"""

from __future__ import annotations

import io
import threading
from typing import BinaryIO

from mlxchat.terminal import STDOUT_HINT, stdout_guard

OUTPUT_HINT = "the results file must be writable; when it is again, --resume runs what is missing"


class ResultWriter:
    def __init__(self, out: BinaryIO, *, ordered: bool = False, name: str | None = None) -> None:
        """``name``: the ``-o`` file's (None: ``out`` is stdout), for the message when a write fails."""
        self._out = out
        self._guard = (name, OUTPUT_HINT) if name is not None else ("stdout", STDOUT_HINT)
        self._ordered = ordered
        self._lock = threading.Lock()
        self._waiting: dict[int, bytes | None] = {}
        self.next_seq = 0
        """Ordered: the input position of the next line to write."""
        self.lines = 0

    def put(self, seq: int, data: bytes | None) -> None:
        """The result of the request at input position ``seq`` (None: it has no line, e.g. not run)."""
        with self._lock:
            if not self._ordered:
                if data:
                    self._write(data)
                return
            self._waiting[seq] = data
            while self.next_seq in self._waiting:
                ready = self._waiting.pop(self.next_seq)
                self.next_seq += 1
                if ready:
                    self._write(ready)

    def write_now(self, data: bytes) -> None:
        """A line outside the order of results (``batch_start``, ``batch_done``)."""
        with self._lock:
            self._write(data)

    def flush_waiting(self) -> None:
        """Write what the reorder buffer holds, in order, skipping positions that never finished."""
        with self._lock:
            for seq in sorted(self._waiting):
                ready = self._waiting.pop(seq)
                if ready:
                    self._write(ready)

    def _write(self, data: bytes) -> None:
        out = self._out
        with stdout_guard(*self._guard):
            if isinstance(out, io.RawIOBase):
                # An unbuffered file: one write call per line, repeated only if the OS took less.
                view = memoryview(data)
                while view:
                    view = view[out.write(view) or 0 :]
            else:
                out.write(data)
                out.flush()
        self.lines += 1
