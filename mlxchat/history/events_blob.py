"""A turn's events, kept compactly so that ``history show --events`` writes them back exactly.

The answer and the reasoning are stored once, as text, and the terminal event in a column of its
own; the other events are stored as a skeleton: each run of ``response`` (or ``thinking``) events
becomes the lengths of its chunks, every other event is kept whole. The skeleton is JSON,
zlib-compressed. Decoding slices the texts back into the chunks they arrived in and appends the
terminal event, so the events (and their NDJSON lines) are the ones the chat wrote.
"""

from __future__ import annotations

import zlib
from typing import Any

import orjson

from mlxchat.chat.events import Done, Error, Event, Response, Thinking


def encode(outline: list[Any]) -> bytes:
    """The skeleton of a turn's ``TurnResult.outline`` (mlxchat.chat.turn.TurnRecorder makes it as
    the events pass), the terminal event left out (it is stored beside it)."""
    items = outline
    if items and isinstance(items[-1], Done | Error):
        items = items[:-1]
    parts = [
        orjson.dumps({"type": item[0], "chunks": item[1]}) if isinstance(item, tuple) else orjson.dumps(item)
        for item in items
    ]
    return zlib.compress(b"[" + b",".join(parts) + b"]", 6)


def decode(blob: bytes, reasoning: str, answer: str, end: dict[str, Any]) -> list[Event]:
    """The events back, ending with ``end`` (the terminal event as JSON); ValueError when the blob
    is not one this module wrote."""
    from mlxchat.output.replay import event_from_dict
    from mlxchat.typed_json import FieldError

    try:
        items: list[Any] = orjson.loads(zlib.decompress(blob))
    except (zlib.error, orjson.JSONDecodeError) as exc:
        raise ValueError(f"unreadable events ({exc})") from None
    texts = {"response": answer, "thinking": reasoning}
    at = {"response": 0, "thinking": 0}
    out: list[Event] = []
    try:
        for item in items:
            chunks = item.get("chunks")
            if isinstance(chunks, list):
                name = item["type"]
                make = Response if name == "response" else Thinking
                text, pos = texts[name], at[name]
                for length in chunks:
                    out.append(make(text[pos : pos + length]))
                    pos += length
                at[name] = pos
            else:
                out.append(event_from_dict(item))
        if not (out and isinstance(out[-1], Done | Error)):  # turns kept by schema version 1 hold it
            out.append(event_from_dict(end))
    except (KeyError, TypeError, FieldError) as exc:
        raise ValueError(f"unreadable events ({exc})") from None
    return out
