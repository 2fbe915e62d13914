"""Read saved or piped NDJSON chat events back into typed events (for ``mlxchat render``).

Readers of the protocol ignore keys they do not know, and so does this one; a line that is not
JSON, or an event of a type this version does not know, is reported and skipped.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from mlxchat.chat.events import EVENT_TYPES, Done, Event, Timing


@dataclass(frozen=True)
class Skipped:
    line: int
    reason: str


def _conforms(value: Any, hint: Any) -> bool:
    """Whether a JSON value fits a field's type (str, int, float, bool, dict, list, unions, Literal)."""
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        return any(_conforms(value, arg) for arg in typing.get_args(hint))
    if origin is typing.Literal:
        return isinstance(value, str)  # a newer writer may use codes this reader does not know
    if hint is type(None):
        return value is None
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if dataclasses.is_dataclass(hint):
        return isinstance(value, dict)
    return isinstance(value, origin or hint)


def event_from_dict(data: dict[str, Any]) -> Event:
    """A protocol dict as its typed event; ValueError naming the field that does not fit."""
    cls = EVENT_TYPES[data["type"]]
    hints = typing.get_type_hints(cls)
    kwargs: dict[str, Any] = {}
    for field in dataclasses.fields(cls):
        if not field.init:
            continue
        if field.name not in data:
            if field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
                raise ValueError(f"no {field.name!r}")
            continue
        value = data[field.name]
        if not _conforms(value, hints[field.name]):
            raise ValueError(f"{field.name!r} is {type(value).__name__}")
        kwargs[field.name] = value
    if cls is Done:
        timing = kwargs["timing"]
        for key in ("ttft", "thinking", "total", "tokens_per_second"):
            if not _conforms(timing.get(key), float | None):
                raise ValueError(f"'timing.{key}' is {type(timing.get(key)).__name__}")
        kwargs["timing"] = Timing(
            ttft=timing.get("ttft"),
            thinking=timing.get("thinking"),
            total=float(timing.get("total") or 0.0),
            tokens_per_second=timing.get("tokens_per_second"),
        )
    event: Event = cls(**kwargs)
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
        except ValueError as exc:
            yield Skipped(number, f"malformed {data['type']!r} event: {exc}")
