"""``mlxchat chat`` against the stand-in server: output modes, inputs, every fault.

Output cases run the CLI in-process (``run_here``: the same boundary, exit codes and streams that
are not terminals); pipes into ``head``, Ctrl-C and ``--start`` run it as a real process.
Every NDJSON line these tests see is validated against docs/events.schema.json (tests.chat_helpers).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.chat_helpers import add_profile, joined, parse_ndjson, types
from tests.fixtures.common import REPO, RunCli, free_port
from tests.fixtures.standin import Standin, standin_command, wait_until_listening
from tests.standin.scenarios import HTTP_ERRORS, UTF8_ANSWER

REASONING = "\nTwo plus two is four.\n"
ANSWER = "\n\nThe answer is 4."


def remote(home: Path, server: Standin, scenario: str, name: str = "p", **fields: Any) -> str:
    add_profile(home, name, server="remote", url=server.base_url, model=scenario, **fields)
    return name


def chat(cli: RunCli, *args: str, input: str = "") -> subprocess.CompletedProcess[str]:
    # stdin is always given: an inherited stdin that never closes would be read forever.
    return cli("chat", *args, input=input, timeout=60)


def chat_json(cli: RunCli, *args: str, input: str = "") -> tuple[int, list[dict[str, Any]], str]:
    result = chat(cli, *args, "--json", input=input)
    return result.returncode, parse_ndjson(result.stdout), result.stderr


# -- reasoning from every source, both output modes ------------------------------------------

SOURCES = [
    ("think-content", {}),
    ("think-reasoning", {}),
    ("think-inline", {}),
    ("think-prefilled", {"thinking_prefilled": True}),
]


@pytest.mark.parametrize(("scenario", "extra"), SOURCES)
def test_ndjson_events_are_the_same_for_every_reasoning_source(
    run_here: RunCli, mlxchat_home: Path, server: Standin, scenario: str, extra: dict[str, Any]
) -> None:
    name = remote(mlxchat_home, server, scenario, **extra)
    code, events, stderr = chat_json(run_here, name, "What is 2+2?")
    assert code == 0, stderr
    assert stderr == ""
    assert joined(events, "thinking") == REASONING
    assert joined(events, "response") == ANSWER
    kinds = types(events)
    assert kinds[0] == "start" and kinds[-1] == "done"
    assert kinds.count("thinking_done") == 1
    assert kinds.index("thinking_done") < kinds.index("response")
    start, done = events[0], events[-1]
    assert start["v"] == 1 and start["profile"] == name and start["model"] == scenario
    assert done["finish_reason"] == "stop"
    assert done["usage"] == {"prompt_tokens": 12, "completion_tokens": 9, "total_tokens": 21}
    assert done["timing"]["ttft"] is not None and done["timing"]["thinking"] is not None


@pytest.mark.parametrize(("scenario", "extra"), SOURCES)
def test_text_mode_writes_only_the_answer_to_stdout(
    run_here: RunCli, mlxchat_home: Path, server: Standin, scenario: str, extra: dict[str, Any]
) -> None:
    name = remote(mlxchat_home, server, scenario, **extra)
    result = chat(run_here, name, "What is 2+2?")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "The answer is 4.\n"  # what x=$(mlxchat chat ...) gets
    assert "Two plus two is four." in result.stderr
    assert "<think>" not in result.stderr + result.stdout and "</think>" not in result.stderr
    assert "\x1b[" not in result.stderr  # not a terminal: no colour


def test_hide_thinking_writes_no_reasoning(run_here: RunCli, mlxchat_home: Path, server: Standin) -> None:
    result = chat(run_here, remote(mlxchat_home, server, "think-content"), "q", "--hide-thinking")
    assert (result.returncode, result.stdout, result.stderr) == (0, "The answer is 4.\n", "")


def test_format_text_and_format_ndjson(run_here: RunCli, mlxchat_home: Path, server: Standin) -> None:
    name = remote(mlxchat_home, server, "think-content")
    assert chat(run_here, name, "q", "--format", "text").stdout == "The answer is 4.\n"
    # pretty falls back to text until the pretty renderer exists; never NDJSON
    assert "The answer is 4." in chat(run_here, name, "q", "--format", "pretty").stdout
    ndjson = chat(run_here, name, "q", "--format", "ndjson")
    assert joined(parse_ndjson(ndjson.stdout), "response") == ANSWER
    bad = chat(run_here, name, "q", "--format", "yaml")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


# -- what is sent ------------------------------------------------------------------------------


def sent_body(cli: RunCli, name: str, *args: str, input: str = "") -> dict[str, Any]:
    code, events, stderr = chat_json(cli, name, *args, input=input)
    assert code == 0, stderr
    body: dict[str, Any] = json.loads(joined(events, "response"))
    return body


def test_request_body_defaults(run_here: RunCli, mlxchat_home: Path, server: Standin) -> None:
    body = sent_body(run_here, remote(mlxchat_home, server, "echo"), "What is 2+2?")
    assert body["messages"] == [{"role": "user", "content": "What is 2+2?"}]
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert body["model"] == "echo"
    assert "chat_template_kwargs" not in body and "max_tokens" not in body


def test_options_and_profile_settings_reach_the_body(
    run_here: RunCli, mlxchat_home: Path, server: Standin
) -> None:
    name = remote(mlxchat_home, server, "echo", system_prompt="Be brief.", max_tokens=50, temperature=0.5)
    body = sent_body(run_here, name, "hi")
    assert body["messages"][0] == {"role": "system", "content": "Be brief."}
    assert (body["max_tokens"], body["temperature"]) == (50, 0.5)
    body = sent_body(run_here, name, "hi", "--system", "Be long.", "--max-tokens", "7", "--temperature", "0")
    assert body["messages"] == [{"role": "system", "content": "Be long."}, {"role": "user", "content": "hi"}]
    assert (body["max_tokens"], body["temperature"]) == (7, 0)
    body = sent_body(run_here, name, "hi", "--no-think")
    assert body["chat_template_kwargs"] == {"enable_thinking": False}


def test_stdin_is_put_before_the_prompt_and_dash_reads_the_prompt(
    run_here: RunCli, mlxchat_home: Path, server: Standin
) -> None:
    name = remote(mlxchat_home, server, "echo")
    body = sent_body(run_here, name, "summarize", input="notes line 1\nnotes line 2\n")
    assert body["messages"][-1]["content"] == "notes line 1\nnotes line 2\n\nsummarize"
    body = sent_body(run_here, name, "-", input="the whole prompt\n")
    assert body["messages"][-1]["content"] == "the whole prompt\n"
    body = sent_body(run_here, name, input="only stdin")
    assert body["messages"][-1]["content"] == "only stdin"


def test_messages_file_as_json_array_ndjson_and_stdin(
    run_here: RunCli, mlxchat_home: Path, server: Standin, tmp_path: Path
) -> None:
    name = remote(mlxchat_home, server, "echo")
    history = [
        {"role": "user", "content": "What is 2+2?"},
        {"role": "assistant", "content": "The answer is 4."},
    ]
    as_array = tmp_path / "history.json"
    as_array.write_text(json.dumps(history))
    as_ndjson = tmp_path / "history.ndjson"
    as_ndjson.write_text("".join(json.dumps(m) + "\n" for m in history))
    expected = [*history, {"role": "user", "content": "Multiply that by 3."}]
    for path in (as_array, as_ndjson):
        body = sent_body(run_here, name, "Multiply that by 3.", "--messages", str(path))
        assert body["messages"] == expected
    body = sent_body(run_here, name, "Multiply that by 3.", "--messages", "-", input=json.dumps(history))
    assert body["messages"] == expected


def test_system_option_wins_over_the_messages_and_the_profile(
    run_here: RunCli, mlxchat_home: Path, server: Standin, tmp_path: Path
) -> None:
    name = remote(mlxchat_home, server, "echo", system_prompt="The profile's.")
    seed = tmp_path / "seed.ndjson"
    seed.write_text(json.dumps({"role": "system", "content": "The file's."}) + "\n")
    question = {"role": "user", "content": "q"}
    body = sent_body(run_here, name, "q", "--messages", str(seed))
    assert body["messages"] == [{"role": "system", "content": "The file's."}, question]
    body = sent_body(run_here, name, "q", "--messages", str(seed), "--system", "The option's.")
    assert body["messages"] == [{"role": "system", "content": "The option's."}, question]
    # --system "" sends no system message at all: neither the file's nor the profile's.
    assert sent_body(run_here, name, "q", "--messages", str(seed), "--system", "")["messages"] == [question]
    assert sent_body(run_here, name, "q", "--system", "")["messages"] == [question]


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("[{not json", "not valid JSON"),
        ('{"role": "user", "content": "a"}\nnope\n', "line 2"),
        ('[{"role": "wizard", "content": "a"}]', "'role'"),
        ("", "no messages"),
    ],
)
def test_bad_messages_files_are_usage_errors(  # noqa: PLR0917 (fixtures and parameters)
    run_here: RunCli, mlxchat_home: Path, server: Standin, tmp_path: Path, content: str, needle: str
) -> None:
    path = tmp_path / "m.json"
    path.write_text(content)
    result = chat(run_here, remote(mlxchat_home, server, "echo"), "hi", "--messages", str(path))
    assert result.returncode == 2
    assert needle in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_missing_messages_file_and_nothing_to_send(
    run_here: RunCli, mlxchat_home: Path, server: Standin, tmp_path: Path
) -> None:
    name = remote(mlxchat_home, server, "echo")
    result = chat(run_here, name, "hi", "--messages", str(tmp_path / "absent.json"))
    assert result.returncode == 2 and "cannot read" in result.stderr
    result = chat(run_here, name)
    assert result.returncode == 2 and "nothing to send" in result.stderr


def test_unknown_profile_is_a_usage_error(run_here: RunCli) -> None:
    result = chat(run_here, "nope", "hi")
    assert result.returncode == 2 and "nope" in result.stderr and "Traceback" not in result.stderr


# -- the server's shapes -----------------------------------------------------------------------


def test_tool_call_event(run_here: RunCli, mlxchat_home: Path, server: Standin) -> None:
    code, events, _ = chat_json(run_here, remote(mlxchat_home, server, "tool-call"), "Weather in Paris?")
    assert code == 0
    calls = [e for e in events if e["type"] == "tool_call"]
    assert calls == [
        {
            "type": "tool_call",
            "index": 0,
            "id": "call_1",
            "name": "get_weather",
            "arguments": '{"city": "Paris"}',
        }
    ]
    assert events[-1]["finish_reason"] == "tool_calls"
    assert types(events).index("thinking_done") < types(events).index("tool_call")


def test_usage_in_a_final_chunk_without_choices(
    run_here: RunCli, mlxchat_home: Path, server: Standin
) -> None:
    code, events, _ = chat_json(run_here, remote(mlxchat_home, server, "usage-only-final"), "q")
    assert code == 0
    assert events[-1]["finish_reason"] == "length"
    assert events[-1]["usage"]["completion_tokens"] == 9
    assert events[-1]["timing"]["tokens_per_second"] > 0


def test_a_server_that_answers_with_one_json_object(
    run_here: RunCli, mlxchat_home: Path, server: Standin
) -> None:
    code, events, _ = chat_json(run_here, remote(mlxchat_home, server, "json-answer"), "q")
    assert code == 0
    assert (joined(events, "thinking"), joined(events, "response")) == ("Two plus two.", "The answer is 4.")
    assert events[-1]["usage"]["total_tokens"] == 21


def test_comments_and_malformed_lines_are_skipped_and_counted(
    run_here: RunCli, mlxchat_home: Path, server: Standin
) -> None:
    code, events, _ = chat_json(run_here, remote(mlxchat_home, server, "malformed"), "q")
    assert code == 0
    assert joined(events, "response") == "The answer is 4."
    assert events[-1]["ignored_lines"] == 2


def test_crlf_and_data_without_a_space(run_here: RunCli, mlxchat_home: Path, server: Standin) -> None:
    code, events, _ = chat_json(run_here, remote(mlxchat_home, server, "crlf"), "q")
    assert code == 0
    assert (joined(events, "thinking"), joined(events, "response")) == ("Two plus two.", "The answer is 4.")


def test_multibyte_characters_split_across_reads(
    run_here: RunCli, mlxchat_home: Path, server: Standin
) -> None:
    name = remote(mlxchat_home, server, "utf8-split")
    code, events, _ = chat_json(run_here, name, "q")
    assert code == 0 and joined(events, "response") == UTF8_ANSWER
    result = chat(run_here, name, "q")
    assert result.stdout == UTF8_ANSWER + "\n"


def test_no_final_chunk_still_ends_with_done(run_here: RunCli, mlxchat_home: Path, server: Standin) -> None:
    code, events, _ = chat_json(run_here, remote(mlxchat_home, server, "no-final-chunk"), "q")
    assert code == 0
    assert joined(events, "response") == ANSWER
    assert events[-1]["finish_reason"] is None and events[-1]["usage"] is None


# -- faults ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("scenario", sorted(HTTP_ERRORS))
def test_http_errors_of_every_shape_give_the_servers_message(
    run_here: RunCli, mlxchat_home: Path, server: Standin, scenario: str
) -> None:
    status, _, message = HTTP_ERRORS[scenario]
    name = remote(mlxchat_home, server, scenario)
    code, events, stderr = chat_json(run_here, name, "q")
    assert code == 4
    assert stderr == ""
    assert types(events) == ["start", "error"]
    assert events[-1]["code"] == "http_error" and events[-1]["status"] == status
    assert message in events[-1]["message"]
    text = chat(run_here, name, "q")
    assert text.returncode == 4 and message in text.stderr and text.stdout == ""
    assert "Traceback" not in text.stderr


def test_error_mid_stream_after_200_is_an_error(
    run_here: RunCli, mlxchat_home: Path, server: Standin
) -> None:
    name = remote(mlxchat_home, server, "error-mid-stream")
    code, events, _ = chat_json(run_here, name, "q")
    assert code == 4
    assert types(events) == ["start", "response", "error"]  # the partial answer stays written
    assert events[-1]["code"] == "server_error"
    assert events[-1]["message"] == "Queue is full" and events[-1]["status"] == 429
    text = chat(run_here, name, "q")
    assert (text.returncode, text.stdout) == (4, "The\n")
    assert "Queue is full" in text.stderr


def test_connection_closed_mid_stream(run_here: RunCli, mlxchat_home: Path, server: Standin) -> None:
    name = remote(mlxchat_home, server, "close-mid-stream")
    code, events, _ = chat_json(run_here, name, "q")
    assert code == 5
    assert joined(events, "response") == "The answer is"
    assert events[-1]["code"] == "stream_broken"
    text = chat(run_here, name, "q")
    assert (text.returncode, text.stdout) == (5, "The answer is\n")
    assert "[DONE]" in text.stderr


def test_a_stall_ends_with_the_idle_timeout(run_here: RunCli, mlxchat_home: Path, server: Standin) -> None:
    name = remote(mlxchat_home, server, "stall")
    code, events, _ = chat_json(run_here, name, "q", "--idle-timeout", "0.5")
    assert code == 5
    assert joined(events, "response") == "The answer"
    assert events[-1]["code"] == "idle_timeout"
    assert "0.5 s" in events[-1]["message"]


def test_a_local_profile_whose_server_is_down(run_here: RunCli, mlxchat_home: Path) -> None:
    add_profile(mlxchat_home, "tiny", server="mlx-lm", model_path="some-model", port=free_port())
    code, events, _ = chat_json(run_here, "tiny", "q")
    assert code == 3
    assert events[-1]["code"] == "unreachable" and events[-1]["hint"] == "mlxchat start tiny"
    text = chat(run_here, "tiny", "q")
    assert text.returncode == 3
    assert "not running" in text.stderr and "mlxchat start tiny" in text.stderr
    assert "Traceback" not in text.stderr


def test_a_remote_profile_that_is_unreachable(run_here: RunCli, mlxchat_home: Path) -> None:
    add_profile(mlxchat_home, "far", server="remote", url=f"http://127.0.0.1:{free_port()}/v1")
    code, events, _ = chat_json(run_here, "far", "q")
    assert code == 3
    assert "connection refused" in events[-1]["message"]
    assert "mlxchat start" not in (events[-1]["hint"] or "")


# -- pipes and signals -------------------------------------------------------------------------


@pytest.fixture
def fast_server() -> Iterator[Standin]:
    port = free_port()
    proc = subprocess.Popen(
        standin_command(port, "--scenario", "fast", "--chunks", "200000"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    standin = Standin(proc, port)
    wait_until_listening(port, proc)
    yield standin
    standin.stop()


def shell(command: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MLXCHAT_HOME": str(home)}
    return subprocess.run(
        ["bash", "-c", f"set -o pipefail; {command}"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=REPO,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.parametrize("mode", ["--json", "--format=text"])
def test_piping_into_head_ends_quietly(mlxchat_home: Path, fast_server: Standin, mode: str) -> None:
    add_profile(mlxchat_home, "fast", server="remote", url=fast_server.base_url, model="fast")
    result = shell(f"{sys.executable} -m mlxchat chat fast hi {mode} | head -1", mlxchat_home)
    assert result.returncode == 0, result.stderr  # pipefail: this is mlxchat's own exit code
    assert result.stderr == ""
    assert len(result.stdout.splitlines()) == 1
    if mode == "--json":
        parse_ndjson(result.stdout, complete=False)


def test_ctrl_c_mid_stream_ends_with_an_interrupted_event(mlxchat_home: Path, server: Standin) -> None:
    name = remote(mlxchat_home, server, "stall")
    proc = subprocess.Popen(
        [sys.executable, "-m", "mlxchat", "chat", name, "interrupt me", "--json"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "MLXCHAT_HOME": str(mlxchat_home)},
        cwd=REPO,
    )
    assert proc.stdout is not None
    lines = [proc.stdout.readline(), proc.stdout.readline()]  # start, then the first response
    assert json.loads(lines[1])["type"] == "response"
    proc.send_signal(signal.SIGINT)
    rest, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert "Traceback" not in stderr.decode()
    events = parse_ndjson(b"".join(lines) + rest)
    assert events[-1]["code"] == "interrupted"
    # The request was closed: the stand-in saw the client leave.
    deadline = time.monotonic() + 10
    while (
        "stall: client closed: interrupt me"
        not in httpx.get(f"http://127.0.0.1:{server.port}/standin/happenings").json()
    ):
        assert time.monotonic() < deadline, "the request was not closed"
        time.sleep(0.05)


# -- local servers: not running, and --start ---------------------------------------------------


def test_start_flag_starts_a_local_server_first(run_cli: RunCli, add_standin_profile: Any) -> None:
    add_standin_profile("local")
    down = chat(run_cli, "local", "What is 2+2?")
    assert down.returncode == 3
    assert "not running" in down.stderr and "mlxchat start local" in down.stderr
    up = chat(run_cli, "local", "What is 2+2?", "--start")
    assert up.returncode == 0, up.stderr
    assert up.stdout == "The answer is 4.\n"
    assert "starting local" in up.stderr
    again = chat(run_cli, "local", "What is 2+2?", "--start")  # already running: just asks
    assert again.returncode == 0 and "starting" not in again.stderr
    assert run_cli("stop", "local").returncode == 0


def test_an_invalid_url_in_the_profile_file_is_a_usage_error_naming_it(
    run_here: RunCli, mlxchat_home: Path
) -> None:
    # Written straight into the file (the CLI refuses such URLs), as a hand edit might.
    add_profile(mlxchat_home, "bad", server="remote", url="http://[::1/v1")
    result = chat(run_here, "bad", "q", "--json")
    assert result.returncode == 2
    assert result.stdout == ""  # nothing was started, so no events at all
    assert "profiles.toml: profile 'bad': bad url 'http://[::1/v1'" in result.stderr
    assert "Traceback" not in result.stderr
