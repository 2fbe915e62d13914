"""NDJSON: one event per line, UTF-8, flushed at the end of every batch (see mlxchat.chat.stream)."""

from __future__ import annotations

from typing import BinaryIO

import orjson

from mlxchat.chat.events import Event, Response, Thinking
from mlxchat.terminal import stdout_guard

_dumps = orjson.dumps
_NL = orjson.OPT_APPEND_NEWLINE


def event_line(event: Event) -> bytes:
    """One event as one line of JSON, newline included."""
    cls = type(event)
    # The two events of the hot path, written without orjson's generic dataclass walk.
    if cls is Response:
        return b'{"type":"response","content":' + _dumps(event.content) + b"}\n"  # type: ignore[union-attr]
    if cls is Thinking:
        return b'{"type":"thinking","content":' + _dumps(event.content) + b"}\n"  # type: ignore[union-attr]
    return _dumps(event, option=_NL)


class NdjsonWriter:
    def __init__(self, out: BinaryIO) -> None:
        self._out = out

    def write_batch(self, events: list[Event]) -> None:
        data = b"".join([event_line(e) for e in events])
        with stdout_guard():
            self._out.write(data)
            self._out.flush()

    def close(self) -> None:
        with stdout_guard():
            self._out.flush()
