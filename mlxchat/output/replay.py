"""Read saved or piped NDJSON chat events back into typed events (for ``mlxchat render``).

Readers of the protocol ignore keys they do not know, and so does this one; a line that is not
JSON, or an event of a type this version does not know, is reported and skipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from mlxchat.chat.events import EVENT_TYPES, Event
from mlxchat.typed_json import FieldError, decode


@dataclass(frozen=True)
class Skipped:
    line: int
    reason: str


def event_from_dict(data: dict[str, Any]) -> Event:
    """A protocol dict as its typed event; ValueError naming the field that does not fit."""
    event: Event = decode(EVENT_TYPES[data["type"]], data)
    return event


def read_events(lines: Iterable[bytes]) -> Iterator[Event | Skipped]:
    """Typed events, and a ``Skipped`` for each line that cannot be one (blank lines are ignored)."""
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError:
            yield Skipped(number, "not JSON")
            continue
        if not isinstance(data, dict) or not isinstance(data.get("type"), str):
            yield Skipped(number, "not an event (no 'type')")
            continue
        if data["type"] not in EVENT_TYPES:
            yield Skipped(number, f"unknown event type {data['type']!r}")
            continue
        try:
            yield event_from_dict(data)
        except FieldError as exc:
            yield Skipped(number, f"malformed {data['type']!r} event: {exc}")
