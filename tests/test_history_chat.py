"""Chats are kept, and continued: one-shot ``mlxchat chat`` against the stand-in, then the history
commands read back what was kept. The ``echo`` scenario answers with the request body it received,
so a test sees exactly what continuing a conversation sends."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from tests.chat_helpers import parse_ndjson
from tests.fixtures.common import RunCli
from tests.fixtures.standin import Standin, StartStandin
from tests.history_helpers import (
    chat,
    cli_process,
    conversations,
    db_files_bytes,
    echo_body,
    latest,
    query,
    remote,
    show,
)

ANSWER = "\n\nThe answer is 4."


def user(text: str) -> dict[str, Any]:
    return {"role": "user", "content": text}


def assistant(text: str) -> dict[str, Any]:
    return {"role": "assistant", "content": text}


# -- what a turn keeps ------------------------------------------------------------------------


def test_a_one_shot_chat_is_kept_with_everything_about_its_turn(
    run_here: RunCli, mlxchat_home: Path, server: Standin
) -> None:
    name = remote(mlxchat_home, server, "think-content", system_prompt="Be brief.")
    result = chat(run_here, name, "What is 2+2?", "--temperature", "0.5", "--max-tokens", "64", "--json")
    assert result.returncode == 0, result.stderr
    events = parse_ndjson(result.stdout)

    detail = latest(run_here)
    assert (detail["profile"], detail["server_kind"], detail["model"]) == (name, "remote", "think-content")
    assert detail["url"] == server.base_url and detail["prompt"] == "What is 2+2?"
    (turn,) = detail["turns"]
    assert turn["status"] == "done" and turn["error"] is None
    assert turn["system"] == "Be brief."
    assert turn["prompt"] == "What is 2+2?" and turn["messages"] == []
    assert turn["options"] == {"max_tokens": 64, "temperature": 0.5}
    assert turn["reasoning"] == "\nTwo plus two is four.\n"
    assert turn["answer"] == ANSWER
    assert turn["finish_reason"] == "stop"
    assert turn["usage"] == {"prompt_tokens": 12, "completion_tokens": 9, "total_tokens": 21}
    done = events[-1]
    assert turn["timing"] == {k: done["timing"][k] for k in ("ttft", "thinking", "total")}
    assert turn["request_id"] == events[0]["request_id"] and turn["started"] == events[0]["ts"]
    assert turn["completion_id"] == "chatcmpl-standin"
    assert turn["previous_id"] is None and turn["turn"] == 1


def test_tool_calls_are_kept(run_here: RunCli, mlxchat_home: Path, server: Standin) -> None:
    assert chat(run_here, remote(mlxchat_home, server, "tool-call"), "weather?").returncode == 0
    (turn,) = latest(run_here)["turns"]
    assert turn["finish_reason"] == "tool_calls"
    assert [(c["name"], c["arguments"]) for c in turn["tool_calls"]] == [("get_weather", '{"city": "Paris"}')]


FAILURES = {
    # scenario: (how the turn ended, the partial answer kept, the exit code)
    "error-mid-stream": ("server_error", "The", 4),
    "close-mid-stream": ("stream_broken", "The answer is", 5),
    "error-internal": ("http_error", "", 4),
}


@pytest.mark.parametrize("scenario", sorted(FAILURES))
def test_failed_turns_are_kept_with_their_partial_answer(
    run_here: RunCli, mlxchat_home: Path, server: Standin, scenario: str
) -> None:
    status, partial, code = FAILURES[scenario]
    result = chat(run_here, remote(mlxchat_home, server, scenario), "will this work?")
    assert result.returncode == code
    summary = conversations(run_here)[0]
    assert summary["status"] == status
    (turn,) = show(run_here, summary["id"])["turns"]
    assert (turn["status"], turn["answer"], turn["timing"]) == (status, partial, None)
    assert turn["error"]["code"] == status and turn["error"]["message"]


def test_an_interrupted_turn_is_kept_with_its_partial_answer(
    run_here: RunCli, mlxchat_home: Path, server: Standin
) -> None:
    name = remote(mlxchat_home, server, "stall")
    proc = cli_process(mlxchat_home, "chat", name, "interrupt me", "--json")
    assert proc.stdout is not None
    assert json.loads(proc.stdout.readline())["type"] == "start"
    assert json.loads(proc.stdout.readline())["type"] == "response"
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130, stderr
    (turn,) = latest(run_here)["turns"]
    assert (turn["status"], turn["answer"]) == ("interrupted", "The answer")
    assert turn["error"]["message"] == "interrupted (Ctrl-C)"


def test_a_turn_whose_reader_left_is_kept_as_interrupted(
    run_here: RunCli, mlxchat_home: Path, start_standin: StartStandin
) -> None:
    slow = start_standin("--chunks", "400", "--delay", "0.01")
    name = remote(mlxchat_home, slow, "timestamps")
    proc = cli_process(mlxchat_home, "chat", name, "go on", "--json")
    assert proc.stdout is not None and proc.stderr is not None
    for _ in range(3):  # start and two chunks, then the reader goes away (`| head -3`)
        proc.stdout.readline()
    proc.stdout.close()
    assert proc.wait(timeout=60) == 0
    assert proc.stderr.read() == ""
    (turn,) = latest(run_here)["turns"]
    assert turn["status"] == "interrupted"
    assert turn["error"]["message"] == "stdout was closed before the answer ended"
    assert len(turn["answer"]) >= 2 and turn["answer"].count(".") < 400


# -- what is never kept -----------------------------------------------------------------------


def test_api_keys_headers_and_url_passwords_are_never_kept(
    run_here: RunCli, mlxchat_home: Path, server: Standin
) -> None:
    secret, password = "sk-never-kept-0123456789", "hunter2-never-kept"
    url = server.base_url.replace("http://", f"http://someone:{password}@")
    remote(mlxchat_home, server, "think-content", "keyed", url=url, api_key_env="HISTORY_TEST_KEY")
    result = chat(run_here, "keyed", "What is 2+2?", "--json")
    assert result.returncode == 0, result.stderr
    # The key was sent (the stand-in got a request) but no file of the history holds it.
    assert result.stdout.count('"type":"done"') == 1
    env_run = run_here("chat", "keyed", "again", env={"HISTORY_TEST_KEY": secret}, input="")
    assert env_run.returncode == 0, env_run.stderr
    stored = db_files_bytes(mlxchat_home)
    assert stored and secret.encode() not in stored and password.encode() not in stored
    assert b"Bearer" not in stored and b"X-Request-ID" not in stored
    detail = latest(run_here)
    assert detail["url"] == server.base_url
    events = run_here("history", "show", detail["id"], "--events", input="").stdout
    assert parse_ndjson(events)[0]["url"] == server.base_url + "/chat/completions"


# -- turning it off -----------------------------------------------------------------------------


def test_no_log_the_environment_and_the_setting_keep_chats_out(
    run_here: RunCli, mlxchat_home: Path, server: Standin
) -> None:
    name = remote(mlxchat_home, server, "think-content")
    assert chat(run_here, name, "one", "--no-log").returncode == 0
    assert run_here("chat", name, "two", env={"MLXCHAT_NO_HISTORY": "1"}, input="").returncode == 0
    assert not (mlxchat_home / "data").exists()  # nothing was even created

    off = run_here("history", "off", input="")
    assert off.returncode == 0 and "history off" in off.stderr
    assert chat(run_here, name, "three").returncode == 0
    assert conversations(run_here) == []

    on = run_here("history", "on", env={"MLXCHAT_NO_HISTORY": "yes"}, input="")
    assert on.returncode == 0 and "MLXCHAT_NO_HISTORY is set" in on.stderr
    assert chat(run_here, name, "four").returncode == 0
    assert run_here("chat", name, "five", env={"MLXCHAT_NO_HISTORY": "0"}, input="").returncode == 0
    assert [c["prompt"] for c in conversations(run_here)] == ["five", "four"]


def test_a_settings_file_that_cannot_be_read_keeps_chats_out_and_is_left_alone(
    run_here: RunCli, mlxchat_home: Path, server: Standin
) -> None:
    settings = mlxchat_home / "config" / "settings.toml"
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text("[history\nlog = ")
    result = chat(run_here, remote(mlxchat_home, server, "think-content"), "hi")
    assert result.returncode == 0 and result.stdout == "The answer is 4.\n"
    assert "not kept in the history" in result.stderr and str(settings) in result.stderr
    assert not (mlxchat_home / "data").exists()
    off = run_here("history", "off", input="")
    assert off.returncode == 2 and "not valid TOML" in off.stderr
    assert settings.read_text() == "[history\nlog = "


# -- continuing ---------------------------------------------------------------------------------


def test_continue_sends_the_earlier_turns_without_their_reasoning(
    run_here: RunCli, mlxchat_home: Path, server: Standin
) -> None:
    name = remote(mlxchat_home, server, "echo", system_prompt="Be brief.")
    first = echo_body(run_here, name, "Remember 7.")
    answer_one = json.dumps(first, sort_keys=True)
    # Another profile's chat in between does not change which conversation -c continues.
    assert chat(run_here, remote(mlxchat_home, server, "think-content"), "unrelated").returncode == 0

    second = echo_body(run_here, name, "Which number?", "-c")
    assert second["messages"] == [
        {"role": "system", "content": "Be brief."},
        user("Remember 7."),
        assistant(answer_one),
        user("Which number?"),
    ]
    third = echo_body(run_here, name, "And doubled?", "--continue", "--system", "Be verbose.")
    assert third["messages"][0] == {"role": "system", "content": "Be verbose."}
    assert third["messages"][-1] == user("And doubled?") and len(third["messages"]) == 6

    detail = latest(run_here)
    assert [t["prompt"] for t in detail["turns"]] == ["Remember 7.", "Which number?", "And doubled?"]
    assert [t["system"] for t in detail["turns"]] == ["Be brief.", "Be brief.", "Be verbose."]
    ids = [t["response_id"] for t in detail["turns"]]
    assert [t["previous_id"] for t in detail["turns"]] == [None, ids[0], ids[1]]
    assert all(t["messages"] == [] for t in detail["turns"])  # earlier turns are linked, not repeated

    # The latest system prompt goes on; a conversation without one stays without the profile's.
    fourth = echo_body(run_here, name, "Once more.", "-c")
    assert fourth["messages"][0] == {"role": "system", "content": "Be verbose."}
    echo_body(run_here, name, "No system here.", "--system", "")
    fifth = echo_body(run_here, name, "Still none?", "-c")
    assert [m["role"] for m in fifth["messages"]] == ["user", "assistant", "user"]


def test_reasoning_is_never_sent_back(run_here: RunCli, mlxchat_home: Path, server: Standin) -> None:
    assert chat(run_here, remote(mlxchat_home, server, "think-content"), "What is 2+2?").returncode == 0
    cid = conversations(run_here)[0]["id"]
    body = echo_body(run_here, remote(mlxchat_home, server, "echo"), "Multiply that by 3.", "--cid", cid)
    assert body["messages"] == [
        user("What is 2+2?"),
        assistant("The answer is 4."),
        user("Multiply that by 3."),
    ]


def test_cid_continues_a_given_conversation_by_its_id_or_the_start_of_it(
    run_here: RunCli, mlxchat_home: Path, server: Standin
) -> None:
    name = remote(mlxchat_home, server, "echo")
    echo_body(run_here, name, "old conversation")
    old = conversations(run_here)[0]["id"]
    time.sleep(0.002)  # a later id
    echo_body(run_here, name, "new conversation")
    body = echo_body(run_here, name, "back to the old one", "--cid", old.upper()[:-4])
    assert [m["content"] for m in body["messages"] if m["role"] == "user"] == [
        "old conversation",
        "back to the old one",
    ]
    assert conversations(run_here)[0]["id"] == old  # now the latest
    assert [t["prompt"] for t in show(run_here, old)["turns"]] == ["old conversation", "back to the old one"]


def test_a_failed_turn_is_kept_but_not_sent_again(
    run_here: RunCli, mlxchat_home: Path, server: Standin
) -> None:
    name = remote(mlxchat_home, server, "echo")
    echo_body(run_here, name, "kept question")
    cid = conversations(run_here)[0]["id"]
    broken = remote(mlxchat_home, server, "error-mid-stream", "broken")
    assert chat(run_here, broken, "this one fails", "--cid", cid).returncode == 4
    # The conversation now belongs to the profile of its latest turn: -c of echo finds none.
    assert conversations(run_here, "--profile", broken)[0]["id"] == cid
    assert chat(run_here, name, "x", "-c").returncode == 2
    body = echo_body(run_here, name, "after the failure", "--cid", cid)
    assert [m["content"] for m in body["messages"] if m["role"] == "user"] == [
        "kept question",
        "after the failure",
    ]
    assert [t["status"] for t in show(run_here, cid)["turns"]] == ["done", "server_error", "done"]


def test_messages_given_with_the_first_turn_are_part_of_the_conversation(
    run_here: RunCli, mlxchat_home: Path, server: Standin, tmp_path: Path
) -> None:
    name = remote(mlxchat_home, server, "echo")
    seed = [{"role": "system", "content": "Answer in French."}, user("Hello"), assistant("Bonjour")]
    path = tmp_path / "seed.ndjson"
    path.write_text("".join(json.dumps(m) + "\n" for m in seed))
    first = echo_body(run_here, name, "How are you?", "--messages", str(path))
    (turn,) = latest(run_here)["turns"]
    assert (turn["system"], turn["messages"], turn["prompt"]) == (
        "Answer in French.",
        seed[1:],
        "How are you?",
    )
    second = echo_body(run_here, name, "And now?", "-c")
    assert second["messages"] == [
        *first["messages"],
        assistant(json.dumps(first, sort_keys=True)),
        user("And now?"),
    ]


def test_continue_errors_are_usage_errors(run_here: RunCli, mlxchat_home: Path, server: Standin) -> None:
    name = remote(mlxchat_home, server, "echo")
    nothing = chat(run_here, name, "follow-up", "-c")
    assert nothing.returncode == 2 and "no conversation with echo" in nothing.stderr
    echo_body(run_here, name, "first")
    for args, message in [
        (("-c", "--cid", "0123456789"), "contradict"),
        (("-c", "--messages", "whatever.json"), "contradict"),
        (("--no-log", "--log-attachments"), "contradict"),
        (("--cid", "zzzzzzzzzz"), "no conversation 'zzzzzzzzzz'"),
        (("--cid", "not an id!"), "no conversation"),
    ]:
        result = chat(run_here, name, "x", *args)
        assert result.returncode == 2, (args, result.stderr)
        assert message in result.stderr and "Traceback" not in result.stderr
    no_prompt = chat(run_here, name, "-c")  # stdin is not a terminal: no conversation to resume into
    assert no_prompt.returncode == 2 and "give a prompt" in no_prompt.stderr
    assert len(conversations(run_here)) == 1


def test_piped_text_continues_too(run_here: RunCli, mlxchat_home: Path, server: Standin) -> None:
    name = remote(mlxchat_home, server, "echo")
    echo_body(run_here, name, "first")
    body = echo_body(run_here, name, "-c", input="piped follow-up")
    assert body["messages"][-1] == user("piped follow-up") and len(body["messages"]) == 3


# -- attachments --------------------------------------------------------------------------------


def _image(path: Path) -> Path:
    from PIL import Image

    Image.new("RGB", (8, 6), "orange").save(path)
    return path


def _image_parts(body: dict[str, Any]) -> list[str]:
    return [
        p["image_url"]["url"]
        for m in body["messages"]
        if isinstance(m["content"], list)
        for p in m["content"]
        if p.get("type") == "image_url"
    ]


def test_attachments_are_kept_as_metadata_and_their_bytes_only_when_asked(
    run_here: RunCli, mlxchat_home: Path, server: Standin, tmp_path: Path
) -> None:
    name = remote(mlxchat_home, server, "echo", model_type="multimodal")
    image = _image(tmp_path / "dot.png")
    result = chat(run_here, name, "What colour?", "--image", str(image), "--json")
    events = parse_ndjson(result.stdout)
    first = json.loads("".join(e["content"] for e in events if e["type"] == "response"))
    (sent,) = _image_parts(first)
    (turn,) = latest(run_here)["turns"]
    (meta,) = turn["attachments"]
    assert meta["kind"] == "image" and meta["name"] == str(image) and meta["source"] == "file"
    assert meta["sent_type"] == "image/png"
    assert meta["sent_bytes"] == events[0]["attachments"][0]["sent"]["bytes"]
    assert meta["kept"] is False and len(meta["sha256"]) == 64
    assert query(mlxchat_home, "SELECT COUNT(*) FROM blobs") == [(0,)]
    assert sent.split(",")[1].encode() not in turn["prompt_content"].__repr__().encode()

    # Continuing: the bytes are not there to send, the text of the turn is, and a warning says so.
    result = chat(run_here, name, "And now?", "-c", "--json")
    assert result.returncode == 0 and "1 attachment(s) of earlier turns are not sent again" in result.stderr
    body = json.loads("".join(e["content"] for e in parse_ndjson(result.stdout) if e["type"] == "response"))
    assert _image_parts(body) == [] and body["messages"][0]["content"] == [
        {"type": "text", "text": "What colour?"}
    ]

    # --log-attachments keeps them, once per hash, and continuing sends them exactly as before.
    echo_body(run_here, name, "Again?", "--image", str(image), "--log-attachments")
    echo_body(run_here, name, "And again?", "-c", "--image", str(image), "--log-attachments")
    assert query(mlxchat_home, "SELECT COUNT(*), MIN(length(data)) FROM blobs") == [(1, meta["sent_bytes"])]
    later = echo_body(run_here, name, "Which colour was it?", "-c")
    assert _image_parts(later) == [sent, sent]
