"""``mlxchat chat`` as a real process against the stand-in, for stream shapes of other servers and
for 200 answers that go wrong: the right text, events valid against the schema, exactly one
terminal event and last, and the documented exit code. (Scenarios: tests/standin/stream_faults.py.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.chat_helpers import add_profile, joined, parse_ndjson
from tests.fixtures.common import RunCli
from tests.fixtures.standin import Standin
from tests.standin.stream_faults import (
    BAD_CHUNKS,
    ERROR_OBJECTS,
    FIRST_THINK_ONLY,
    HUGE_EVENT_BYTES,
    LEMONADE_MESSAGE,
    SERVER_MESSAGE,
    TAGS_IN_ANSWER,
    VLLM_MESSAGE,
)


def profile(home: Path, server: Standin, scenario: str, **fields: Any) -> str:
    add_profile(home, scenario, server="remote", url=server.base_url, model=scenario, **fields)
    return scenario


def run(run_cli: RunCli, name: str, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli("chat", name, "What is 2+2?", *args, input="", timeout=60)


def events_of(run_cli: RunCli, name: str) -> tuple[int, list[dict[str, Any]], str]:
    result = run(run_cli, name, "--json")
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, parse_ndjson(result.stdout), result.stderr


@pytest.mark.parametrize(
    ("scenario", "expected"),
    [
        ("bom", ("", "Hello world")),
        ("falsy-error", ("", "The answer is 4.")),
        ("refusal", ("", "I'm sorry, I can't help with that.")),
        ("content-parts", ("Two plus two is four.", "The answer is 4.")),
        ("odd-choices", ("", "The answer is 4.")),
        ("two-choices", ("", "The answer is 4.")),
        ("first-think-only", ("", FIRST_THINK_ONLY)),
        ("tags-in-answer", ("\nTwo plus two.\n", "\n\n" + TAGS_IN_ANSWER)),
        ("no-final-blank-line", ("", "The answer is 4.")),
        ("stream-labelled-json", ("", "The answer is 4.")),
    ],
)
def test_shapes_that_end_well_lose_no_text(  # noqa: PLR0913 (fixtures and parameters)
    scenario: str,
    expected: tuple[str, str],
    *,
    run_cli: RunCli,
    run_here: RunCli,
    mlxchat_home: Path,
    server: Standin,
) -> None:
    name = profile(mlxchat_home, server, scenario)
    code, events, stderr = events_of(run_cli, name)
    assert code == 0, stderr
    assert (joined(events, "thinking"), joined(events, "response")) == expected
    answer = expected[1]
    assert (events[-1]["type"], events[-1]["finish_reason"]) == ("done", "stop")
    text = run(run_here, name)  # the text writer too (in-process: an output case)
    assert (text.returncode, text.stdout) == (0, answer.lstrip("\n") + "\n")


@pytest.mark.parametrize("scenario", ["error-field", "event-error"])
def test_an_error_outside_data_ends_with_the_servers_message_and_exit_4(
    run_cli: RunCli, run_here: RunCli, mlxchat_home: Path, server: Standin, scenario: str
) -> None:
    name = profile(mlxchat_home, server, scenario)
    code, events, _ = events_of(run_cli, name)
    assert code == 4
    assert joined(events, "response") == "The"  # partial output stays
    error = events[-1]
    assert (error["type"], error["code"]) == ("error", "server_error")
    assert SERVER_MESSAGE in error["message"]
    text = run(run_here, name)  # the text writer too (in-process: an output case)
    assert text.returncode == 4 and text.stdout.startswith("The")
    assert SERVER_MESSAGE in text.stderr and "Traceback" not in text.stderr


@pytest.mark.parametrize("shape", ERROR_OBJECTS)
@pytest.mark.parametrize("where", ["chunk", "first", "body"])
def test_an_error_object_of_any_shape_in_a_200_is_a_server_error_exit_4(  # noqa: PLR0913 (fixtures and parameters)
    where: str, shape: str, *, run_cli: RunCli, run_here: RunCli, mlxchat_home: Path, server: Standin
) -> None:
    """After content, as the first chunk, or as the whole body: vLLM's flat error object, a string
    error, FastAPI's detail (text or a validation list) all end with the server's message."""
    name = profile(mlxchat_home, server, f"error-{where}-{shape}")
    code, events, stderr = events_of(run_cli, name)
    assert code == 4, stderr
    assert joined(events, "response") == ("The" if where == "chunk" else "")  # partial output stays
    assert [e["type"] for e in events if e["type"] in ("done", "error")] == ["error"]
    error = events[-1]
    assert error["code"] == "server_error"
    assert VLLM_MESSAGE in error["message"]
    assert error.get("status") == (400 if shape == "flat" else None)
    if where == "first":
        text = run(run_here, name)  # the text writer too (in-process: an output case)
        assert (text.returncode, text.stdout) == (4, "")
        assert VLLM_MESSAGE in text.stderr


@pytest.mark.parametrize(
    ("scenario", "finish", "answer", "calls"),
    [
        ("finish-then-close", "stop", "The answer is 4.", 0),
        ("finish-usage-then-close", "length", "The answer is 4.", 0),
        ("tool-finish-then-close", "tool_calls", "", 1),
    ],
)
def test_a_stream_closed_after_its_finish_reason_ends_done(  # noqa: PLR0913 (fixtures and parameters)
    scenario: str,
    finish: str,
    answer: str,
    calls: int,
    *,
    run_cli: RunCli,
    mlxchat_home: Path,
    server: Standin,
) -> None:
    """No [DONE], but the answer said it was complete: done, exit 0 (openai-python ends so too)."""
    code, events, stderr = events_of(run_cli, profile(mlxchat_home, server, scenario))
    assert code == 0, stderr
    assert joined(events, "response") == answer
    assert len([e for e in events if e["type"] == "tool_call"]) == calls
    done = events[-1]
    assert (done["type"], done["finish_reason"]) == ("done", finish)
    if scenario != "tool-finish-then-close":
        assert done["usage"]["completion_tokens"] > 0


@pytest.mark.parametrize("name", BAD_CHUNKS)
def test_a_chunk_the_fast_decoder_refuses_keeps_its_text(
    name: str, run_cli: RunCli, run_here: RunCli, mlxchat_home: Path, server: Standin
) -> None:
    """Invalid UTF-8 (U+FFFD per bad sequence), a lone surrogate escape (U+FFFD; a pair stays one
    character), a number beyond a double or 64 bits (no usage from it): the text arrives."""
    scenario = profile(mlxchat_home, server, f"bad-chunk-{name}")
    code, events, stderr = events_of(run_cli, scenario)
    assert code == 0, stderr
    answer = "The answer" + BAD_CHUNKS[name][1]
    assert joined(events, "response") == answer
    done = events[-1]
    assert done["type"] == "done" and done.get("ignored_lines", 0) == 0
    assert done["usage"] == {"prompt_tokens": 12, "completion_tokens": 9, "total_tokens": 21}
    text = run(run_here, scenario)  # the text writer too (in-process: an output case)
    assert (text.returncode, text.stdout) == (0, answer + "\n")


def test_tool_call_fragments_without_index_make_one_call(
    run_cli: RunCli, mlxchat_home: Path, server: Standin
) -> None:
    code, events, stderr = events_of(run_cli, profile(mlxchat_home, server, "tool-fragments-no-index"))
    assert code == 0, stderr
    calls = [e for e in events if e["type"] == "tool_call"]
    assert [(c["index"], c["id"], c["name"]) for c in calls] == [(0, "call_1", "get_weather")]
    assert json.loads(calls[0]["arguments"]) == {"city": "Paris"}


def test_one_huge_event_in_many_reads_arrives_whole(
    run_cli: RunCli, mlxchat_home: Path, server: Standin
) -> None:
    code, events, stderr = events_of(run_cli, profile(mlxchat_home, server, "huge-event"))
    assert code == 0, stderr
    assert joined(events, "response") == "x" * HUGE_EVENT_BYTES


@pytest.mark.parametrize(
    ("scenario", "expected"),
    [
        ("bare-json-error", ("server_error", LEMONADE_MESSAGE)),
        ("html-page", ("bad_response", "an HTML page (502 Bad Gateway)")),
        ("plain-text", ("bad_response", "upstream connect error")),
        ("gzip-lie", ("bad_response", "could not be decoded")),
    ],
)
def test_a_200_that_is_not_an_event_stream_says_what_came_and_exits_4(  # noqa: PLR0913 (fixtures and parameters)
    scenario: str,
    expected: tuple[str, str],
    *,
    run_cli: RunCli,
    run_here: RunCli,
    mlxchat_home: Path,
    server: Standin,
) -> None:
    code, words = expected
    name = profile(mlxchat_home, server, scenario)
    exit_code, events, _ = events_of(run_cli, name)
    assert exit_code == 4
    assert [e["type"] for e in events] == ["start", "error"]
    assert events[-1]["code"] == code
    assert words in events[-1]["message"]
    text = run(run_here, name)  # the text writer too (in-process: an output case)
    assert (text.returncode, text.stdout) == (4, "")
    assert words in text.stderr and "internal error" not in text.stderr


@pytest.mark.parametrize("redirect", [">&-", ">/dev/full"])
@pytest.mark.parametrize("fmt", ["ndjson", "text", "pretty"])
def test_stdout_closed_or_full_is_a_clear_error_exit_2(
    mlxchat_home: Path, server: Standin, redirect: str, fmt: str
) -> None:
    if redirect == ">/dev/full" and not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    name = profile(mlxchat_home, server, "think-content")
    command = f'exec "{sys.executable}" -m mlxchat chat {name} "What is 2+2?" --format {fmt} {redirect}'
    env = {**os.environ, "MLXCHAT_HOME": str(mlxchat_home)}
    result = subprocess.run(
        ["sh", "-c", command],
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert "error: cannot write to stdout:" in result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    assert "Exception ignored" not in result.stderr  # the final flush stays quiet
