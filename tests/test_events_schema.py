"""docs/events.schema.json covers every event type in mlxchat.chat.events, and accepts what they produce.

Every event the other chat tests see is validated against the schema too (tests.chat_helpers).
"""

from __future__ import annotations

import dataclasses
import json
import typing
from typing import Any

import jsonschema
import orjson
import pytest

from mlxchat.batch.events import BATCH_EVENT_TYPES, BatchDone, BatchStart
from mlxchat.chat import events as ev
from mlxchat.chat.events import EVENT_TYPES, EXIT_CODES, PROTOCOL_VERSION
from mlxchat.exitcodes import ExitCode
from mlxchat.output.ndjson import event_line
from tests.chat_helpers import REPO, SCHEMA_FILE, validator

SAMPLES: list[ev.Event] = [
    ev.Start("p", "m", "abc", "2026-01-02T03:04:05.678Z", "http://127.0.0.1:8080/v1/chat/completions"),
    ev.Thinking("hmm"),
    ev.ThinkingDone(0.25),
    ev.Response("4"),
    ev.ToolCall(0, "call_1", "get_weather", '{"city": "Paris"}'),
    ev.ToolCall(1, None, None, ""),
    ev.Done(
        "stop", {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}, ev.Timing(0.1, 0.05, 1, 2.0)
    ),
    ev.Done(None, None, ev.Timing(None, None, 0.5, None), "id-1", 3),
    ev.Error("http_error", "HTTP 404: no", status=404),
    ev.Error("unreachable", "down", hint="mlxchat start p"),
]
BATCH_SAMPLES: list[BatchStart | BatchDone] = [
    BatchStart("2026-01-02T03:04:05.678Z", [{"name": "p", "url": "http://127.0.0.1:8080/v1", "jobs": 4}]),
    BatchDone(1, 0, 0, 0, False, {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}, 0.5),
]
ALL_TYPES = {**EVENT_TYPES, **BATCH_EVENT_TYPES}


def schema() -> dict[str, Any]:
    return typing.cast(dict[str, Any], json.loads(SCHEMA_FILE.read_text()))


def test_schema_is_valid_and_covers_every_event_type() -> None:
    s = schema()
    jsonschema.validators.validator_for(s).check_schema(s)
    branches = {ref["$ref"].rsplit("/", 1)[-1] for ref in s["oneOf"]}
    assert branches == set(ALL_TYPES)
    for name, cls in ALL_TYPES.items():
        fields = {f.name for f in dataclasses.fields(cls)}
        properties = set(s["$defs"][name]["properties"])
        assert fields == properties, f"{name}: fields and schema properties differ"
        assert s["$defs"][name]["properties"]["type"] == {"const": name}
    assert set(s["$defs"]["error"]["properties"]["code"]["enum"]) == set(EXIT_CODES)
    assert s["$defs"]["start"]["properties"]["v"]["const"] == PROTOCOL_VERSION
    assert s["$defs"]["batch_start"]["properties"]["v"]["const"] == PROTOCOL_VERSION


def test_every_event_type_has_a_sample() -> None:
    assert {type(e) for e in SAMPLES} == set(EVENT_TYPES.values())
    assert {type(e) for e in BATCH_SAMPLES} == set(BATCH_EVENT_TYPES.values())


@pytest.mark.parametrize("event", BATCH_SAMPLES, ids=lambda e: type(e).__name__)
def test_batch_events_match_exactly_one_branch(event: BatchStart | BatchDone) -> None:
    obj = json.loads(orjson.dumps(event))
    validator().validate(obj)
    assert next(iter(obj)) == "type"


@pytest.mark.parametrize("event", SAMPLES, ids=lambda e: type(e).__name__)
def test_each_event_matches_exactly_one_branch_of_the_full_schema(event: ev.Event) -> None:
    line = event_line(event)
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    obj = json.loads(line)
    validator().validate(obj)  # the whole schema, oneOf included
    assert next(iter(obj)) == "type"


@pytest.mark.parametrize(
    "bad",
    [
        {"type": "response"},
        {"type": "response", "content": ""},
        {"type": "start", "v": 2, "profile": "p", "model": "m", "request_id": "r", "ts": "x", "url": "u"},
        {"type": "error", "code": "nope", "message": "m"},
        {"type": "thinking_done", "duration": -1},
        {"type": "mystery"},
    ],
)
def test_the_schema_rejects_wrong_events(bad: dict[str, Any]) -> None:
    with pytest.raises(jsonschema.ValidationError):
        validator().validate(bad)


def test_error_codes_map_to_the_documented_exit_codes() -> None:
    assert EXIT_CODES == {
        "unreachable": ExitCode.UNREACHABLE,
        "http_error": ExitCode.SERVER_ERROR,
        "server_error": ExitCode.SERVER_ERROR,
        "bad_response": ExitCode.SERVER_ERROR,
        "stream_broken": ExitCode.TIMEOUT,
        "idle_timeout": ExitCode.TIMEOUT,
        "interrupted": ExitCode.INTERRUPTED,
        "invalid_request": ExitCode.USAGE,
    }
    assert ev.exit_code_for(SAMPLES[6]) == ExitCode.OK  # type: ignore[arg-type]


def test_protocol_doc_names_every_event_and_error_code() -> None:
    doc = (REPO / "docs" / "protocol.md").read_text()
    for name in [*ALL_TYPES, *EXIT_CODES]:
        assert f"`{name}`" in doc, name
