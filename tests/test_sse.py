"""SSE decoding from raw bytes: line endings, comments, ``data:`` spacing, reads cut anywhere, a BOM,
error fields, and bodies that are not event streams. (The peers' cases: test_peer_cases.py.)"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from mlxchat.chat.sse import MAX_KEPT, SSEDecoder, SSEError
from tests.chat_helpers import cut


def decode(pieces: list[bytes]) -> list[bytes]:
    decoder = SSEDecoder()
    out: list[bytes] = []
    for piece in pieces:
        out += decoder.feed(piece)
    return out + decoder.finish()


def test_plain_events_and_done() -> None:
    data = b'data: {"a":1}\n\ndata: {"b":2}\n\ndata: [DONE]\n\n'
    assert decode([data]) == [b'{"a":1}', b'{"b":2}', b"[DONE]"]


def test_comments_are_skipped_and_data_without_a_space_is_read() -> None:
    data = b': keepalive 1/1\n\ndata:{"a":1}\n\n:another\ndata:  two spaces\n\n'
    assert decode([data]) == [b'{"a":1}', b" two spaces"]


def test_crlf_and_bare_cr_line_endings() -> None:
    assert decode([b"data: x\r\n\r\ndata: y\r\rdata: z\n\n"]) == [b"x", b"y", b"z"]


def test_crlf_split_between_reads_is_one_line_end() -> None:
    # "\r" ends one read, "\n" starts the next: one line end, not two (which would end the event early).
    assert decode([b"data: a\r", b"\ndata: b\r", b"\n\r\n"]) == [b"a\nb"]


def test_multiline_data_is_joined_and_other_fields_are_ignored() -> None:
    assert decode([b"event: message\nid: 7\ndata: one\ndata: two\nretry: 5\n\n"]) == [b"one\ntwo"]


def test_an_event_missing_its_blank_line_at_the_end_is_still_delivered() -> None:
    assert decode([b"data: last"]) == [b"last"]
    assert decode([b"data: last\n"]) == [b"last"]


def test_multibyte_utf8_split_across_reads_is_whole_in_the_payload() -> None:
    data = 'data: {"c":"é😀漢"}\n\n'.encode()
    for i in range(len(data) + 1):
        assert decode([data[:i], data[i:]]) == ['{"c":"é😀漢"}'.encode()]


LINE_ENDS = st.sampled_from([b"\n", b"\r\n", b"\r"])
VALUES = st.text(
    alphabet=st.characters(blacklist_characters="\r\n", blacklist_categories=["Cs"]), max_size=20
)


@st.composite
def streams(draw: st.DrawFn) -> tuple[bytes, list[bytes]]:
    """A stream of events with random line endings, spacing and comments, and its expected payloads."""
    parts: list[bytes] = []
    expected: list[bytes] = []
    for value in draw(st.lists(VALUES, max_size=8)):
        if draw(st.booleans()):
            parts.append(b":" + draw(VALUES).encode() + draw(LINE_ENDS))
        raw = value.encode()
        space = b" " if draw(st.booleans()) or raw.startswith(b" ") else b""
        end = draw(LINE_ENDS)  # the same ending twice: "\r" then "\n" would be one CRLF
        parts.append(b"data:" + space + raw + end + end)
        expected.append(raw)
    return b"".join(parts), expected


@given(streams(), st.lists(st.integers(min_value=0), max_size=12))
def test_cutting_the_bytes_anywhere_gives_the_same_payloads(
    stream: tuple[bytes, list[bytes]], positions: list[int]
) -> None:
    data, expected = stream
    assert decode([data]) == expected
    assert decode(cut(data, positions)) == expected
    assert decode([bytes([b]) for b in data]) == expected


def test_a_bom_split_across_reads_is_skipped_and_a_short_body_is_kept() -> None:
    data = b"\xef\xbb\xbfdata: x\n\n"
    for i in range(len(data) + 1):
        assert decode([data[:i], data[i:]]) == [b"x"]
    # Fewer bytes than a BOM, all of them the start of one: they are text, not lost.
    decoder = SSEDecoder()
    assert decoder.feed(b"\xef") == []
    assert decoder.finish() == []
    assert decoder.head == b"\xef"


def test_errors_outside_data_come_out_as_error_payloads() -> None:
    stream = b'data: {"a":1}\n\nerror: {"message":"boom"}\n\nevent: error\ndata: late\n\n'
    out = decode([stream])
    assert out == [b'{"a":1}', b'{"message":"boom"}', b"late"]
    assert [type(p) for p in out] == [bytes, SSEError, SSEError]
    # The event type lasts one event only.
    assert [type(p) for p in decode([b"event: error\n\ndata: x\n\n"])] == [bytes]


def test_the_head_of_a_body_that_is_not_an_event_stream_is_kept() -> None:
    body = b'{"error":{"code":400,"message":"request exceeds the available context size"}}'
    decoder = SSEDecoder()
    assert decoder.feed(body[:10]) + decoder.feed(body[10:]) + decoder.finish() == []
    assert not decoder.seen_sse
    assert decoder.head == body
    # Once a line only an event stream has is seen, nothing more is kept.
    decoder = SSEDecoder()
    decoder.feed(b": keepalive\n\n" + b"x" * 100)
    assert decoder.seen_sse and decoder.head == b""


def test_a_huge_body_keeps_only_its_start() -> None:
    decoder = SSEDecoder()
    line = b"<p>" + b"x" * 4096 + b"</p>\n"
    for _ in range(MAX_KEPT // len(line) + 10):
        decoder.feed(line)
    assert len(decoder.head) == MAX_KEPT
