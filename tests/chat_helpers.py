"""Helpers for chat tests: every event a test sees goes through ``check_events``, which validates it
against docs/events.schema.json and checks the stream rules (start first, exactly one terminal
event, last). That is how the suite proves every event it produces matches the published schema."""

from __future__ import annotations

import functools
import itertools
import json
from pathlib import Path
from typing import Any

import jsonschema
import tomli_w

from mlxchat.chat.events import EVENT_TYPES, Event
from mlxchat.output.ndjson import event_line

REPO = Path(__file__).resolve().parents[1]
SCHEMA_FILE = REPO / "docs" / "events.schema.json"
TERMINAL = ("done", "error")


@functools.cache
def schema_validator(path: Path) -> jsonschema.protocols.Validator:
    """A validator for the JSON Schema in ``path`` (the schema itself checked first)."""
    schema = json.loads(path.read_text())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validator() -> jsonschema.protocols.Validator:
    return schema_validator(SCHEMA_FILE)


@functools.cache
def type_validator(kind: str) -> jsonschema.protocols.Validator:
    """The schema's branch for one event type (what its ``oneOf`` selects; much faster to run)."""
    schema = json.loads(SCHEMA_FILE.read_text())
    if kind not in EVENT_TYPES or kind not in schema["$defs"]:
        return validator()  # the whole schema's oneOf decides (and rejects unknown types)
    cls = jsonschema.validators.validator_for(schema)
    return cls({"$ref": f"#/$defs/{kind}", "$defs": schema["$defs"]})


def validate_event(obj: dict[str, Any]) -> dict[str, Any]:
    type_validator(str(obj.get("type")) if isinstance(obj, dict) else "").validate(obj)
    return obj


def check_events(events: list[dict[str, Any]], *, complete: bool = True) -> list[dict[str, Any]]:
    """Validate each event; for a complete stream, check start first and one terminal event last."""
    for obj in events:
        validate_event(obj)
    if complete:
        assert events, "no events"
        assert events[0]["type"] == "start", events[0]
        terminals = [i for i, e in enumerate(events) if e["type"] in TERMINAL]
        assert terminals == [len(events) - 1], f"terminal events at {terminals} of {len(events)}"
    return events


def parse_ndjson(stdout: str | bytes, *, complete: bool = True) -> list[dict[str, Any]]:
    """NDJSON output of ``mlxchat chat --json``, parsed and checked line by line."""
    text = stdout.decode() if isinstance(stdout, bytes) else stdout
    assert text == "" or text.endswith("\n"), "NDJSON output must end with a newline"
    return check_events([json.loads(line) for line in text.splitlines()], complete=complete)


def event_dicts(events: list[Event], *, complete: bool = True) -> list[dict[str, Any]]:
    """Events made in-process, serialised exactly as the NDJSON writer does, then checked."""
    return check_events([json.loads(event_line(e)) for e in events], complete=complete)


def joined(events: list[dict[str, Any]], kind: str) -> str:
    return "".join(e["content"] for e in events if e["type"] == kind)


def types(events: list[dict[str, Any]]) -> list[str]:
    return [e["type"] for e in events]


def translate_pieces(pieces: list[bytes], *, prefilled: bool = False) -> list[Event]:
    """Run raw stream bytes, read in the given pieces, through the decoder and translator offline:
    ``ChatStream``'s own loop (``translate_stream``) after the response headers, without a network."""
    import time

    from mlxchat.chat.events import Start
    from mlxchat.chat.stream import translate_stream
    from mlxchat.chat.translate import Translator

    translator = Translator(started=time.perf_counter(), thinking_prefilled=prefilled)
    held: list[Event] = []
    events: list[Event] = [Start("offline", "m", "r", "2026-01-01T00:00:00.000Z", "http://127.0.0.1:1/v1")]
    batches = translate_stream(pieces, translator, held)
    while True:
        try:
            events += next(batches)
        except StopIteration as end:
            return [*events, *held, end.value]


def cut(data: bytes, positions: list[int]) -> list[bytes]:
    """``data`` split at the given byte offsets (any order, duplicates allowed)."""
    edges = sorted({0, len(data), *(p % (len(data) + 1) for p in positions)})
    return [data[a:b] for a, b in itertools.pairwise(edges)]


def add_profile(home: Path, name: str, **fields: Any) -> None:
    """Write a profile straight into the profile file (the format mlxchat.profile_store reads)."""
    path = home / "config" / "profiles.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    data: dict[str, Any] = {"profiles": {}}
    if path.exists():
        import tomllib

        data = tomllib.loads(path.read_text())
    data["profiles"][name] = fields
    path.write_text(tomli_w.dumps(data))
