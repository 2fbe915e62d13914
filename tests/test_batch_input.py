"""Reading batch input: the OpenAI Batch request format (as OpenAI documents it and as vLLM's
run-batch examples use it), the short form, ``--text``, and every kind of bad line.

These read lines in-process through mlxchat.batch.input (pure parsing: nothing to mock); what is
sent and written is proven through the real CLI in test_batch_cli.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlxchat.batch.idset import IdSet
from mlxchat.batch.input import check_all, read_entries
from mlxchat.batch.items import BadLine, Item
from mlxchat.chat.options import ChatOptions
from mlxchat.errors import UsageError

BASE = ChatOptions(max_tokens=64)

# Lines written from the documented formats (the field names and values those documents use).
OPENAI_DOC_LINES = [
    {
        "custom_id": "request-1",
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {
            "model": "gpt-3.5-turbo-0125",
            "messages": [
                {"role": "system", "content": "You are a helpful assistant."},
                {"role": "user", "content": "Hello world!"},
            ],
            "max_tokens": 1000,
        },
    },
    {
        "custom_id": "request-2",
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {
            "model": "gpt-4o-mini",
            "messages": [{"role": "user", "content": "What is 2+2?"}],
            "temperature": 0,
        },
    },
]
VLLM_DOC_LINES = [
    {
        "custom_id": "request-1",
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {
            "model": "meta-llama/Meta-Llama-3-8B-Instruct",
            "messages": [
                {"role": "system", "content": "You are a helpful assistant."},
                {"role": "user", "content": "Hello world!"},
            ],
            "max_completion_tokens": 1000,
        },
    },
    {
        "custom_id": "request-2",
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {
            "model": "meta-llama/Meta-Llama-3-8B-Instruct",
            "messages": [
                {"role": "system", "content": "You are an unhelpful assistant."},
                {"role": "user", "content": "Hello world!"},
            ],
            "max_completion_tokens": 1000,
        },
    },
]


def lines(*objs: object) -> list[bytes]:
    return [(o if isinstance(o, str) else json.dumps(o)).encode() + b"\n" for o in objs]


def entries(*objs: object, text: bool = False) -> list[Item | BadLine]:
    return list(read_entries(lines(*objs), BASE, text=text))


@pytest.mark.parametrize("doc", [OPENAI_DOC_LINES, VLLM_DOC_LINES], ids=["openai", "vllm"])
def test_documented_openai_batch_lines_are_read_as_given(doc: list[dict[str, object]]) -> None:
    got = entries(*doc)
    assert all(isinstance(e, Item) for e in got)
    items = [e for e in got if isinstance(e, Item)]
    assert [i.id for i in items] == ["request-1", "request-2"]
    assert [i.form for i in items] == ["openai", "openai"]
    assert [i.body for i in items] == [line["body"] for line in doc]
    assert [i.line for i in items] == [1, 2]


def test_short_form_lines_carry_their_options_over_the_command_lines() -> None:
    item, plain = entries(
        {"id": "a", "prompt": "What is 2+2?", "system": "Be brief.", "max_tokens": 5, "no_think": True},
        {"prompt": "What is 3+3?"},
    )
    assert isinstance(item, Item) and isinstance(plain, Item)
    assert (item.id, item.form, item.options.prompt) == ("a", "short", "What is 2+2?")
    assert (item.options.system, item.options.max_tokens, item.options.no_think) == ("Be brief.", 5, True)
    assert plain.id == 2 and plain.options.max_tokens == 64 and plain.options.system is None


def test_text_lines_are_prompts_numbered_by_line_and_blank_lines_are_skipped() -> None:
    got = entries("What is 2+2?", "", "  ", "What is 3+3?", text=True)
    assert [(e.id, e.options.prompt) for e in got if isinstance(e, Item)] == [
        (1, "What is 2+2?"),
        (4, "What is 3+3?"),
    ]


def test_ids_compare_as_json_and_duplicates_are_bad_lines() -> None:
    got = entries({"id": 1, "prompt": "a"}, {"id": "1", "prompt": "b"}, {"id": 1, "prompt": "c"})
    assert [type(e).__name__ for e in got] == ["Item", "Item", "BadLine"]
    bad = got[2]
    assert isinstance(bad, BadLine) and bad.message.startswith("line 3: duplicate id 1")


@pytest.mark.parametrize(
    ("line", "form", "wanted"),
    [
        ("{not json", "short", "not valid JSON"),
        ('["a list"]', "short", "must be a JSON object, not a list"),
        ({"question": "hi"}, "short", "neither an OpenAI Batch request"),
        ({"prompt": "hi", "promt": "typo"}, "short", "unknown key(s) promt"),
        ({"prompt": ""}, "short", "nothing to send"),
        ({"prompt": "hi", "max_tokens": 0}, "short", "max_tokens must be a positive integer"),
        ({"prompt": "hi", "temperature": "hot"}, "short", "temperature must be a number"),
        ({"prompt": "hi", "no_think": 1}, "short", "no_think must be true or false"),
        ({"prompt": "hi", "images": ["missing.jpg"]}, "short", "image 'missing.jpg': no such file"),
        ({"prompt": "hi", "images": ["ftp://x/a.jpg"]}, "short", "only http://, https:// and data: URLs"),
        ({"prompt": "hi", "messages": [{"role": "robot", "content": "x"}]}, "short", "'role' must be one of"),
        ({"custom_id": "e", "url": "/v1/embeddings", "body": {"input": "x"}}, "openai", "only /v1/chat"),
        ({"custom_id": "g", "method": "GET", "body": {}}, "openai", "method must be POST"),
        ({"custom_id": "m", "body": {"messages": []}}, "openai", "body.messages must be a non-empty list"),
        (
            {"custom_id": "n", "body": {"messages": [{"role": "user", "content": "x"}], "n": 2}},
            "openai",
            "n must be 1",
        ),
        ({"custom_id": 7, "body": {}}, "openai", "custom_id must be a non-empty string"),
    ],
)
def test_a_bad_line_says_what_is_wrong_with_its_line_number(line: object, form: str, wanted: str) -> None:
    (bad,) = entries(line)
    assert isinstance(bad, BadLine), bad
    assert bad.form == form
    assert bad.message.startswith("line 1: ") and wanted in bad.message, bad.message


def test_strict_lists_the_bad_lines_and_counts_the_good(tmp_path: Path) -> None:
    good = {"prompt": "hi"}
    assert check_all(lines(good, good), BASE) == 2
    with pytest.raises(UsageError) as caught:
        check_all(lines(good, "{bad", {"prompt": ""}), BASE)
    assert "2 bad line(s)" in caught.value.message
    assert (
        "line 2: not valid JSON" in caught.value.message and "line 3: nothing to send" in caught.value.message
    )


def test_the_id_set_keeps_every_id_and_only_those() -> None:
    ids = IdSet()
    keys = [json.dumps(i).encode() for i in range(5000)] + [json.dumps(str(i)).encode() for i in range(5000)]
    assert all(ids.add(k) for k in keys)
    assert len(ids) == 10_000
    assert not any(ids.add(k) for k in keys)
    assert all(k in ids for k in keys)
    assert b'"x"' not in ids and b"10000" not in ids
