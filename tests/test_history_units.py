"""The history's pure parts, offline: event skeletons, attachment references, ids, search words."""

from __future__ import annotations

import base64
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from mlxchat.chat.events import Done, Error, Event, Response, Start, Thinking, ThinkingDone, Timing, ToolCall
from mlxchat.chat.turn import TurnRecorder
from mlxchat.history import events_blob
from mlxchat.history.ids import LENGTH, looks_like_id, new_id, normalise
from mlxchat.history.media import Media, restore_messages, strip_messages
from mlxchat.history.search import fts_query, unmark
from mlxchat.history.turn_row import public_url
from mlxchat.output.ndjson import event_line

START = Start("p", "m", "r1", "2026-01-02T03:04:05.678Z", "http://127.0.0.1:1/v1/chat/completions")
text = st.text(min_size=1, max_size=8)
middle = st.lists(
    st.one_of(
        text.map(Thinking),
        text.map(Response),
        st.floats(0, 10).map(ThinkingDone),
        st.builds(ToolCall, st.integers(0, 3), st.none(), st.just("f"), st.just("{}")),
    ),
    max_size=40,
)
ends = st.sampled_from(
    [Done("stop", {"completion_tokens": 3}, Timing(0.1, None, 0.5, 6.0), "id-1"), Error("interrupted", "x")]
)


@given(middle, ends)
def test_events_come_back_exactly(events: list[Event], end: Done | Error) -> None:
    stream: list[Event] = [START, *events, end]
    answer = "".join(e.content for e in events if isinstance(e, Response))
    reasoning = "".join(e.content for e in events if isinstance(e, Thinking))
    end_json = json.loads(event_line(end))
    recorder = TurnRecorder()
    for cut in range(0, len(stream), 3):  # as batches of three
        recorder.add(stream[cut : cut + 3])
    outline = recorder.result(end).outline
    back = events_blob.decode(events_blob.encode(outline), reasoning, answer, end_json)
    assert [event_line(e) for e in back] == [event_line(e) for e in stream]


def test_a_blob_that_is_not_one_is_a_value_error() -> None:
    for blob in (b"not zlib", events_blob.encode([]) + b"x"):
        try:
            events_blob.decode(blob, "", "", {"type": "done"})
        except ValueError:
            continue
        raise AssertionError("decoded a broken blob")


def _data_url(data: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def test_attachments_become_references_and_come_back_only_when_kept() -> None:
    url = _data_url(b"\x89PNG fake bytes")
    content = [
        {"type": "text", "text": "look"},
        {"type": "image_url", "image_url": {"url": url, "detail": "low"}},
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.jpg"}},
    ]
    messages: list[dict[str, Any]] = [
        {"role": "user", "content": content},
        {"role": "assistant", "content": "a cat"},
    ]
    found: list[Media] = []
    stored = strip_messages(messages, found)
    (media,) = found
    assert media.mime == "image/png" and media.data == b"\x89PNG fake bytes"
    assert stored[0]["content"][1] == {
        "type": "image_url",
        "image_url": {"sha256": media.sha256, "mime": "image/png", "detail": "low"},
    }
    assert stored[0]["content"][2] == content[2] and stored[1] == messages[1]
    assert url not in json.dumps(stored)

    dropped: list[str] = []
    assert restore_messages(stored, {media.sha256: media.data}.get, dropped) == messages and dropped == []
    without = restore_messages(stored, lambda _: None, dropped)
    assert without[0]["content"] == [content[0], content[2]] and dropped == [media.sha256]
    only_image = [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": url}}]}]
    assert restore_messages(strip_messages(only_image, []), lambda _: None, [])[0]["content"] == ""


def test_ids_sort_by_time_and_read_back_as_typed() -> None:
    early, late = new_id(1_700_000_000.0), new_id(1_700_000_000.5)
    assert len(early) == LENGTH and early < late
    assert new_id(1.0) != new_id(1.0)
    assert normalise(" " + late.upper() + " ") == late
    assert normalise("0ILO") == "0110"
    assert looks_like_id(late[:4]) and not looks_like_id(late[:3]) and not looks_like_id("hello world")


def test_plain_words_are_literal_fts_terms() -> None:
    assert fts_query("zebra") == '"zebra"'
    assert fts_query('say "hi" AND (go)') == '"say" """hi""" "AND" "(go)"'
    assert fts_query("zeb* *") == '"zeb"* "*"'


def test_marks_become_offsets() -> None:
    clean, spans = unmark("the \ue000big\ue001 cat and the \ue000bigger\ue001 one…")
    assert clean == "the big cat and the bigger one…"
    assert [clean[a:b] for a, b in spans] == ["big", "bigger"]


def test_urls_are_kept_without_credentials_or_query() -> None:
    assert public_url("http://user:secret@127.0.0.1:8080/v1?key=abc#x") == "http://127.0.0.1:8080/v1"
    assert public_url("https://[::1]:9/v1") == "https://[::1]:9/v1"
    assert public_url("http://host/v1") == "http://host/v1"
