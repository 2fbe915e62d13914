"""Writers that turn chat events into output: NDJSON for programs, plain text for people and shells.

Every writer has ``write_batch(events)`` (called once per batch; flushes at its end) and ``close()``.
A writer whose stdout reader went away raises ``mlxchat.errors.OutputClosed``.
"""

from __future__ import annotations

from typing import Protocol

from mlxchat.chat.events import Event


class EventWriter(Protocol):
    def write_batch(self, events: list[Event]) -> None: ...
    def close(self) -> None: ...
