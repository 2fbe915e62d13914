"""Reasoning from every source gives the same events, however the bytes are cut.

Sources: ``delta.reasoning_content``, ``delta.reasoning``, ``<think>...</think>`` inside
``delta.content`` (tags split at any character), and pre-filled thinking (only ``</think>`` appears).
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from mlxchat.chat.reasoning import ThinkSplitter
from tests.chat_helpers import cut, event_dicts, joined, translate_pieces, types

# -- the splitter on its own -----------------------------------------------------------------


def split_all(chunks: list[str], *, prefilled: bool = False) -> tuple[str, str]:
    splitter = ThinkSplitter(prefilled=prefilled)
    thinking: list[str] = []
    answer: list[str] = []
    for chunk in chunks:
        for is_reasoning, text in [*splitter.feed(chunk)]:
            assert text, "no empty pieces"
            (thinking if is_reasoning else answer).append(text)
    for is_reasoning, text in splitter.finish():
        (thinking if is_reasoning else answer).append(text)
    return "".join(thinking), "".join(answer)


def test_tags_split_at_every_position() -> None:
    text = "<think>\nTwo plus two.\n</think>\n\nThe answer is 4."
    for i in range(len(text) + 1):
        for j in range(i, len(text) + 1):
            assert split_all([text[:i], text[i:j], text[j:]]) == ("\nTwo plus two.\n", "\n\nThe answer is 4.")


def test_text_that_only_looks_like_a_tag_is_kept() -> None:
    assert split_all(["a <b> c <", "thin", "g> <th", "ink"]) == ("", "a <b> c <thing> <think")
    assert split_all(["x < y", " and </", "thinker>"]) == ("", "x < y and </thinker>")


def test_prefilled_thinking_ends_at_the_closing_tag() -> None:
    assert split_all(["Two plus", " two.</th", "ink>\n\nFour."], prefilled=True) == (
        "Two plus two.",
        "\n\nFour.",
    )


def test_only_the_first_block_is_reasoning_and_other_tags_are_text() -> None:
    # A bare </think> in an answer, a second block, and a <think> inside reasoning are all text.
    assert split_all(["reasoning</think>answer"]) == ("", "reasoning</think>answer")
    assert split_all(["<think>a</think>b<think>c</think>d"]) == ("a", "b<think>c</think>d")
    assert split_all(["<think>a<think>b</think>c"]) == ("a<think>b", "c")


def test_a_tag_after_the_answer_began_is_answer_text() -> None:
    text = "Wrap reasoning in <think> tags, then close them."
    for i in range(len(text) + 1):
        assert split_all([text[:i], text[i:]]) == ("", text)
    block = "Use:\n```\n<think>\nplan\n</think>\n```\nDone."
    assert split_all([block]) == ("", block)


def test_whitespace_before_the_opening_tag_joins_the_reasoning() -> None:
    assert split_all(["\n", " <thi", "nk>a</think>b"]) == ("\n a", "b")
    assert split_all(["\n\n", "Hello"]) == ("", "\n\nHello")
    assert split_all(["\n\n"]) == ("", "\n\n")


def test_prefilled_reasoning_swallows_a_repeated_opening_tag_only_at_the_start() -> None:
    assert split_all(["\n<think>a</think>b"], prefilled=True) == ("\na", "b")
    assert split_all(["a<think>b</think>c"], prefilled=True) == ("a<think>b", "c")
    assert split_all(["no tags at all"], prefilled=True) == ("no tags at all", "")


def test_reasoning_ends_where_a_tool_call_begins() -> None:
    text = "I need the weather.\n<tool_call>\n{}\n</tool_call>"
    for i in range(len(text) + 1):
        assert split_all([text[:i], text[i:]], prefilled=True) == (
            "I need the weather.\n",
            "<tool_call>\n{}\n</tool_call>",
        )


def test_a_chunk_without_tags_is_passed_on_whole() -> None:
    splitter = ThinkSplitter()
    assert splitter.feed("The answer") == [(False, "The answer")]
    assert splitter.feed("") == []


# -- whole streams, from every source ------------------------------------------------------

SOURCES = ("reasoning_content", "reasoning", "inline", "prefilled")
ALPHABET = st.sampled_from(list('ab <>/thinkTé😀漢\n\r"\\'))
TEXT = st.text(alphabet=ALPHABET, min_size=1, max_size=12)


def no_tags(text: str) -> bool:
    return "<think>" not in text and "</think>" not in text


def sse(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> bytes:
    obj = {"id": "c1", "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}
    return b"data: " + json.dumps(obj, ensure_ascii=False).encode() + b"\n\n"


def build_stream(source: str, reasoning: list[str], answer: list[str], content_cuts: list[int]) -> bytes:
    """The bytes a server of this kind would send for this reasoning and answer."""
    parts = [sse({"role": "assistant"})]
    if source in ("reasoning_content", "reasoning"):
        parts += [sse({source: r}) for r in reasoning]
        parts += [sse({"content": a}) for a in answer]
    else:
        opener = "<think>" if source == "inline" else ""
        text = opener + "".join(reasoning) + "</think>" + "".join(answer)
        # Chunks of content cut at any character, so tags are split anywhere.
        edges = sorted({0, len(text), *(c % (len(text) + 1) for c in content_cuts)})
        parts += [sse({"content": text[a:b]}) for a, b in itertools.pairwise(edges)]
    parts.append(sse({}, "stop", usage={"prompt_tokens": 3, "completion_tokens": 5, "total_tokens": 8}))
    parts.append(b"data: [DONE]\n\n")
    return b"".join(parts)


@settings(max_examples=300, deadline=None)
@given(
    source=st.sampled_from(SOURCES),
    reasoning=st.lists(TEXT.filter(no_tags), min_size=1, max_size=6).filter(lambda r: no_tags("".join(r))),
    answer=st.lists(TEXT.filter(no_tags), min_size=1, max_size=6).filter(lambda a: no_tags("".join(a))),
    content_cuts=st.lists(st.integers(min_value=0), max_size=10),
    byte_cuts=st.lists(st.integers(min_value=0), max_size=15),
)
def test_same_events_from_every_source_however_the_bytes_are_cut(
    source: str, reasoning: list[str], answer: list[str], content_cuts: list[int], byte_cuts: list[int]
) -> None:
    data = build_stream(source, reasoning, answer, content_cuts)
    prefilled = source == "prefilled"
    whole = event_dicts(translate_pieces([data], prefilled=prefilled))
    pieces = event_dicts(translate_pieces(cut(data, byte_cuts), prefilled=prefilled))
    for events in (whole, pieces):
        assert joined(events, "thinking") == "".join(reasoning)
        assert joined(events, "response") == "".join(answer)
        kinds = types(events)
        # Reasoning, then one thinking_done, then the answer; done last.
        assert kinds.count("thinking_done") == 1
        assert max(i for i, k in enumerate(kinds) if k == "thinking") < kinds.index("thinking_done")
        assert kinds.index("thinking_done") < min(i for i, k in enumerate(kinds) if k == "response")
        assert events[-1]["type"] == "done"
        assert events[-1]["finish_reason"] == "stop"
        assert events[-1]["usage"]["completion_tokens"] == 5
    if source in ("reasoning_content", "reasoning"):
        # Chunks are kept as the server sent them: one event per non-empty delta.
        assert [e["content"] for e in whole if e["type"] == "thinking"] == reasoning
        assert [e["content"] for e in whole if e["type"] == "response"] == answer
    # Cutting the bytes never changes the events, only (at most) nothing.
    strip = [{k: v for k, v in e.items() if k not in ("duration", "timing")} for e in whole]
    assert strip == [{k: v for k, v in e.items() if k not in ("duration", "timing")} for e in pieces]


def test_reasoning_content_wins_over_its_alias() -> None:
    # mlx-vlm sends both names for the same text: it must appear once.
    data = (
        sse({"reasoning_content": "think", "reasoning": "think"})
        + sse({"content": "ok"})
        + b"data: [DONE]\n\n"
    )
    events = event_dicts(translate_pieces([data]))
    assert joined(events, "thinking") == "think"
    assert joined(events, "response") == "ok"


def test_prefilled_profile_with_a_parsing_server_keeps_the_answer_as_answer() -> None:
    # The profile says the template pre-fills <think>, but the server separates reasoning itself.
    data = sse({"reasoning_content": "hmm"}) + sse({"content": "Four."}) + b"data: [DONE]\n\n"
    events = event_dicts(translate_pieces([data], prefilled=True))
    assert (joined(events, "thinking"), joined(events, "response")) == ("hmm", "Four.")


def test_reasoning_cut_off_by_the_end_still_gets_thinking_done() -> None:
    data = sse({"reasoning": "still thinking"}) + sse({}, "length") + b"data: [DONE]\n\n"
    events = event_dicts(translate_pieces([data]))
    assert types(events) == ["start", "thinking", "thinking_done", "done"]
    assert events[-1]["finish_reason"] == "length"


def test_tags_in_the_content_of_a_server_that_separates_reasoning_are_answer_text() -> None:
    # The server removed the block's own tags; the ones left are the answer's, even after "".
    data = (
        sse({"reasoning_content": "plan"})
        + sse({"reasoning_content": ""})
        + sse({"content": "Write <think>…</think>"})
        + b"data: [DONE]\n\n"
    )
    for prefilled in (False, True):
        events = event_dicts(translate_pieces([data], prefilled=prefilled))
        assert (joined(events, "thinking"), joined(events, "response")) == ("plan", "Write <think>…</think>")


def test_held_whitespace_is_released_when_the_server_turns_out_to_separate_reasoning() -> None:
    data = sse({"content": "\n"}) + sse({"reasoning": "hmm"}) + sse({"content": "ok"}) + b"data: [DONE]\n\n"
    events = event_dicts(translate_pieces([data]))
    assert (joined(events, "thinking"), joined(events, "response")) == ("hmm", "\nok")
