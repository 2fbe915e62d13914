"""The cases other projects test their own stream parsers with, as cases of ours.

tests/data/peer_cases/ holds them as data, written from the behaviour each suite documents (where
each comes from is named in the file): WHATWG's web-platform-tests, httpx-sse and openai-python for
event-stream decoding; vLLM's and sglang's reasoning parsers for separating reasoning; the OpenAI
SDK's stream reader and other servers' chunk shapes. Every case is fed whole, byte by byte, and cut
at random; the reasoning cases also one character per delta. docs/protocol.md tabulates how many
agree, and a test here keeps that table true.
"""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlxchat.chat.sse import SSEDecoder, SSEError
from tests.chat_helpers import REPO, cut, event_dicts, joined, translate_pieces

CASES = Path(__file__).resolve().parent / "data" / "peer_cases"


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((CASES / name).read_text())
    return data


def suite_cases(name: str) -> list[tuple[str, dict[str, Any]]]:
    return [(s["suite"], case) for s in load(name)["suites"] for case in s["cases"]]


def case_id(item: tuple[str, dict[str, Any]]) -> str:
    return f"{item[0]}: {item[1]['case']}"


SSE_CASES = suite_cases("sse.json")
REASONING_CASES = suite_cases("reasoning.json")
CHUNK_CASES = load("chunks.json")["cases"]

# -- event-stream decoding ---------------------------------------------------------------------


def decode(pieces: list[bytes]) -> list[str]:
    decoder = SSEDecoder()
    out: list[bytes] = []
    for piece in pieces:
        out += decoder.feed(piece)
    out += decoder.finish()
    assert not any(isinstance(p, SSEError) for p in out)
    return [p.decode() for p in out]


def sse_expected(case: dict[str, Any]) -> list[str]:
    expected: list[str] = case.get("ours", case["events"])
    return expected


@pytest.mark.parametrize("item", SSE_CASES, ids=[case_id(c) for c in SSE_CASES])
def test_event_stream_case_whole_and_byte_by_byte(item: tuple[str, dict[str, Any]]) -> None:
    case = item[1]
    data = case["stream"].encode()
    assert decode([data]) == sse_expected(case)
    assert decode([data[i : i + 1] for i in range(len(data))]) == sse_expected(case)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(SSE_CASES), st.lists(st.integers(min_value=0), max_size=12))
def test_event_stream_case_in_random_pieces(item: tuple[str, dict[str, Any]], positions: list[int]) -> None:
    data = item[1]["stream"].encode()
    assert decode(cut(data, positions)) == sse_expected(item[1])


# -- reasoning ------------------------------------------------------------------------------------


def sse_content(chunks: list[str]) -> bytes:
    """The stream a server without a reasoning parser sends for these content deltas."""
    events = [{"choices": [{"index": 0, "delta": {"role": "assistant"}}]}]
    events += [{"choices": [{"index": 0, "delta": {"content": c}}]} for c in chunks]
    events.append({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    lines = [b"data: " + json.dumps(e).encode() + b"\n\n" for e in events]
    return b"".join(lines) + b"data: [DONE]\n\n"


def separate(pieces: list[bytes], *, prefilled: bool) -> tuple[str, str]:
    events = event_dicts(translate_pieces(pieces, prefilled=prefilled))
    assert events[-1]["type"] == "done"
    return joined(events, "thinking"), joined(events, "response")


def reasoning_expected(case: dict[str, Any]) -> tuple[str, str]:
    ours = case.get("ours", case)
    return ours["reasoning"], ours["content"]


def prefilled_for(case: dict[str, Any], default: bool | None = None) -> bool:
    """The profile's setting for this case: detected from the template (None), or a fixed default;
    thinking switched off in the request always means no pre-filled ``<think>``."""
    if case.get("no_think"):
        return False
    return bool(case["prefilled"]) if default is None else default


@pytest.mark.parametrize("item", REASONING_CASES, ids=[case_id(c) for c in REASONING_CASES])
def test_reasoning_case_as_given_per_character_and_byte_by_byte(item: tuple[str, dict[str, Any]]) -> None:
    case = item[1]
    prefilled = prefilled_for(case)
    expected = reasoning_expected(case)
    text = "".join(case["chunks"])
    assert separate([sse_content(case["chunks"])], prefilled=prefilled) == expected
    assert separate([sse_content(list(text))], prefilled=prefilled) == expected
    data = sse_content([text])
    assert separate([data[i : i + 1] for i in range(len(data))], prefilled=prefilled) == expected


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(REASONING_CASES),
    st.lists(st.integers(min_value=0), max_size=8),
    st.lists(st.integers(min_value=0), max_size=12),
)
def test_reasoning_case_in_random_pieces(
    item: tuple[str, dict[str, Any]], content_cuts: list[int], byte_cuts: list[int]
) -> None:
    case = item[1]
    text = "".join(case["chunks"])
    edges = sorted({0, len(text), *(c % (len(text) + 1) for c in content_cuts)})
    chunks = [text[a:b] for a, b in itertools.pairwise(edges)]
    data = sse_content(chunks)
    assert separate(cut(data, byte_cuts), prefilled=prefilled_for(case)) == reasoning_expected(case)


def agreement(default: bool | None) -> dict[str, tuple[int, int]]:
    """Per suite: (cases whose peer expectation mlxchat meets, cases), with ``thinking_prefilled``
    detected from the template (None) or fixed to a default for every profile."""
    counts: dict[str, tuple[int, int]] = {}
    for suite, case in REASONING_CASES:
        got = separate([sse_content(case["chunks"])], prefilled=prefilled_for(case, default))
        agree, total = counts.get(suite, (0, 0))
        counts[suite] = (agree + (got == (case["reasoning"], case["content"])), total + 1)
    return counts


def test_thinking_prefilled_detected_from_the_template_agrees_with_the_peers_most() -> None:
    detected, never, always = agreement(None), agreement(False), agreement(True)

    def total(counts: dict[str, tuple[int, int]]) -> int:
        return sum(agree for agree, _ in counts.values())

    assert total(detected) > max(total(never), total(always))
    # The figures docs/protocol.md gives.
    cases = len(REASONING_CASES)
    doc = (REPO / "docs" / "protocol.md").read_text()
    for label, counts in (("detected", detected), ("false", never), ("true", always)):
        assert f"| {label} | {total(counts)} of {cases} |" in doc, (label, total(counts))


# -- chunk shapes ---------------------------------------------------------------------------------


def chunk_stream(case: dict[str, Any]) -> bytes:
    if "stream" in case:
        return str(case["stream"]).encode()
    payloads = [p if isinstance(p, str) else json.dumps(p) for p in case["payloads"]]
    return b"".join(b"data: " + p.encode() + b"\n\n" for p in payloads)


def check_chunk_case(case: dict[str, Any], pieces: list[bytes]) -> None:
    events = event_dicts(translate_pieces(pieces))
    assert joined(events, "thinking") == case.get("thinking", "")
    assert joined(events, "response") == case.get("response", "")
    keys = ("index", "id", "name", "arguments")
    calls = [{k: e[k] for k in keys} for e in events if e["type"] == "tool_call"]
    assert calls == case.get("tool_calls", [])
    terminal = events[-1]
    for key, value in case["terminal"].items():
        if key == "message":
            assert value in terminal[key]
        else:
            assert terminal[key] == value, key


@pytest.mark.parametrize("case", CHUNK_CASES, ids=[c["case"] for c in CHUNK_CASES])
def test_chunk_shape_whole_and_byte_by_byte(case: dict[str, Any]) -> None:
    data = chunk_stream(case)
    check_chunk_case(case, [data])
    check_chunk_case(case, [data[i : i + 1] for i in range(len(data))])


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(CHUNK_CASES), st.lists(st.integers(min_value=0), max_size=12))
def test_chunk_shape_in_random_pieces(case: dict[str, Any], positions: list[int]) -> None:
    check_chunk_case(case, cut(chunk_stream(case), positions))


# -- the table in docs/protocol.md ------------------------------------------------------------------


def test_the_protocol_docs_table_counts_the_cases_and_names_every_difference() -> None:
    doc = (REPO / "docs" / "protocol.md").read_text()
    found = re.findall(r"^\| ([^|]+) \| (\d+) \| (\d+) \|", doc, re.M)
    rows = {m[0].strip(): (int(m[1]), int(m[2])) for m in found}
    for name in ("sse.json", "reasoning.json"):
        for suite in load(name)["suites"]:
            cases = suite["cases"]
            agree = sum("ours" not in c for c in cases)
            assert rows.get(suite["suite"]) == (len(cases), agree), suite["suite"]
            for case in cases:
                if "ours" in case:
                    assert case["case"] in doc, f"{suite['suite']}: {case['case']} is not explained"
