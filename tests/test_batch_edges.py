"""``mlxchat batch`` at its edges: a UTF-8 byte order mark, null in lines and OpenAI bodies, what
lines that cannot be sent and an output that cannot be written say (docs/batch.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.batch_helpers import batch, by_id, jsonl, ok, parse_batch_events, parse_results, remote
from tests.fixtures.common import RunCli
from tests.fixtures.standin import Standin

BOM = "\ufeff"


def sent_body(result: dict[str, Any]) -> dict[str, Any]:
    """What the echo scenario says it was sent (either result shape)."""
    if "custom_id" in result:
        text = result["response"]["body"]["choices"][0]["message"]["content"]
    else:
        text = result["answer"]
    body: dict[str, Any] = json.loads(text)
    return body


@pytest.mark.parametrize("source", ["file", "stdin"])
@pytest.mark.parametrize(
    ("flags", "lines"),
    [
        ([], jsonl({"id": "a", "prompt": "first"}, {"id": "b", "prompt": "second"})),
        ([], jsonl({"custom_id": "a", "body": {"messages": [{"role": "user", "content": "first"}]}})),
        (["--text"], "first\nsecond\n"),
    ],
    ids=["short", "openai", "text"],
)
def test_a_byte_order_mark_is_not_part_of_the_first_line(  # noqa: PLR0913, PLR0917 (fixtures and parameters)
    run_here: RunCli,
    mlxchat_home: Path,
    server: Standin,
    tmp_path: Path,
    source: str,
    flags: list[str],
    lines: str,
) -> None:
    name = remote(mlxchat_home, server, "p", "echo")
    if source == "file":
        path = tmp_path / "in.jsonl"
        path.write_bytes((BOM + lines).encode("utf-8"))
        result = batch(run_here, name, *flags, "-i", str(path))
    else:
        result = batch(run_here, name, *flags, input=BOM + lines)
    assert result.returncode == 0, result.stdout + result.stderr
    results = parse_results(result.stdout)
    assert len(results) == len(lines.splitlines()) and all(ok(r) for r in results)
    prompts = {sent_body(r)["messages"][-1]["content"] for r in results}
    assert "first" in prompts and not any(BOM in p for p in prompts)


def test_a_byte_order_mark_after_the_first_line_is_left_alone(
    run_here: RunCli, mlxchat_home: Path, server: Standin
) -> None:
    name = remote(mlxchat_home, server, "p", "echo")
    result = batch(run_here, name, "--text", "--ordered", input=f"first\n{BOM}second\n")
    assert [sent_body(r)["messages"][-1]["content"] for r in parse_results(result.stdout)] == [
        "first",
        f"{BOM}second",
    ]


def test_null_means_not_given_in_every_checked_or_filled_key(
    run_here: RunCli, mlxchat_home: Path, server: Standin
) -> None:
    name = remote(mlxchat_home, server, "p", "echo")
    user = [{"role": "user", "content": "hi"}]
    nulls = dict.fromkeys(["n", "model", "max_tokens", "max_completion_tokens", "temperature", "stop"])
    lines = jsonl(
        {"custom_id": "o", "method": None, "url": None, "body": {"messages": user, **nulls}},
        {"custom_id": None, "body": {"messages": user, "chat_template_kwargs": None}},
        {"id": None, "prompt": "hi", "system": None, "max_tokens": None, "images": None},
    )
    flags = ["--max-tokens", "7", "--temperature", "0", "--system", "Be brief.", "--no-think"]
    result = batch(run_here, name, *flags, input=lines)
    assert result.returncode == 0, result.stdout + result.stderr
    results = by_id(parse_results(result.stdout))
    assert set(results) == {"o", "2", 3}  # no id: the line number (a string for OpenAI lines)
    for r in results.values():
        sent = sent_body(r)
        assert None not in sent.values(), sent  # a null is left out, not sent
        assert sent["model"] == "echo" and sent["max_tokens"] == 7 and sent["temperature"] == 0
        assert sent["messages"][0] == {"role": "system", "content": "Be brief."}
        assert sent["chat_template_kwargs"] == {"enable_thinking": False}


def test_an_image_that_cannot_be_a_file_says_what_is_there(
    run_here: RunCli, mlxchat_home: Path, server: Standin, tmp_path: Path
) -> None:
    name = remote(mlxchat_home, server, "p", "echo")
    (tmp_path / "dangling.png").symlink_to(tmp_path / "gone.png")
    images = [str(tmp_path), str(tmp_path / "missing.png"), str(tmp_path / "dangling.png")]
    lines = jsonl(*({"id": i, "prompt": "hi", "images": [image]} for i, image in enumerate(images)))
    result = batch(run_here, name, input=lines)
    assert result.returncode == 6
    messages = {r["id"]: r["error"]["message"] for r in parse_results(result.stdout)}
    assert messages == {
        0: f"line 1: image '{images[0]}': is a directory, not a file",
        1: f"line 2: image '{images[1]}': no such file",
        2: f"line 3: image '{images[2]}': no such file",
    }


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("flags", [[], ["--events"], ["--ordered"]], ids=["results", "events", "ordered"])
def test_an_output_file_that_cannot_be_written_is_named(
    run_here: RunCli, mlxchat_home: Path, server: Standin, flags: list[str]
) -> None:
    name = remote(mlxchat_home, server, "p")
    result = batch(run_here, name, "-o", "/dev/full", *flags, input=jsonl({"id": "a", "prompt": "hi"}))
    assert result.returncode == 2
    assert "error: cannot write to -o /dev/full: No space left on device" in result.stderr
    assert "stdout" not in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("custom_id", "carried"),
    [(123, "123"), (1.5, "1.5"), (True, "true"), (["a"], '["a"]'), ("", "1")],
    ids=["integer", "float", "boolean", "list", "empty"],
)
def test_a_custom_id_that_is_not_a_string_is_carried_as_one_by_its_error_line(
    run_here: RunCli, mlxchat_home: Path, server: Standin, custom_id: object, carried: str
) -> None:
    name = remote(mlxchat_home, server, "p")
    line = {"custom_id": custom_id, "body": {"messages": [{"role": "user", "content": "hi"}]}}
    result = batch(run_here, name, input=jsonl(line))
    assert result.returncode == 6
    (out,) = parse_results(result.stdout)  # an OpenAI Batch output line, schema-valid
    assert out["custom_id"] == carried and out["id"].startswith("batch_req_")
    assert out["response"] is None and out["error"]["code"] == "invalid_request"
    assert out["error"]["message"].startswith("line 1: custom_id must be a non-empty string, not ")
    _, requests = parse_batch_events(batch(run_here, name, "--events", input=jsonl(line)).stdout)
    assert list(requests) == [carried]
