"""Interactive chats are kept too, and ``chat PROFILE -c`` on a terminal resumes a conversation:
the CLI in a pseudo-terminal (pexpect) against the stand-in, and against the real tiny model."""

from __future__ import annotations

import io
import json
import os
import resource
import sys
import uuid
from pathlib import Path

import pexpect
import pytest

from tests.chat_helpers import add_profile
from tests.fixtures.common import REPO, RunCli
from tests.fixtures.real_servers import RealServer
from tests.fixtures.standin import Standin
from tests.history_helpers import chat, conversations, db_path, echo_body, history_json, remote, show
from tests.interactive_helpers import PROMPT, ask, leave, spawn, user, wait_for


def test_a_session_is_kept_turn_by_turn_and_clear_starts_a_new_conversation(
    run_here: RunCli, mlxchat_home: Path, server: Standin
) -> None:
    name = remote(mlxchat_home, server, "echo")
    child = spawn(mlxchat_home, name, "--format", "text")
    ask(child, "first")
    second = ask(child, "second")
    child.sendline("/clear")
    child.expect(PROMPT)
    ask(child, "third")
    assert leave(child) == 0
    newer, older = conversations(run_here)
    assert [t["prompt"] for t in show(run_here, older["id"])["turns"]] == ["first", "second"]
    assert [t["prompt"] for t in show(run_here, newer["id"])["turns"]] == ["third"]
    assert show(run_here, older["id"])["turns"][1]["answer"] == json.dumps(second, sort_keys=True)


def test_continue_on_a_terminal_resumes_and_shows_the_last_turns(
    run_here: RunCli, mlxchat_home: Path, server: Standin
) -> None:
    name = remote(mlxchat_home, server, "think-content")
    for prompt in ("one", "two", "three", "four"):
        assert (
            chat(run_here, name, f"question {prompt}", *(("-c",) if prompt != "one" else ())).returncode == 0
        )
    cid = conversations(run_here)[0]["id"]
    child = spawn(mlxchat_home, name, "-c", "--format", "text")
    shown = str(child.before)
    assert f"conversation {cid}: 4 answered turn(s)" in shown
    assert "(… 1 earlier turn)" in shown and "question one" not in shown
    assert "you: question two" in shown and "you: question four" in shown
    assert shown.count("The answer is 4.") == 3
    assert f"continuing 8 earlier messages from conversation {cid}" in shown
    child.sendline("question five")
    child.expect_exact("The answer is 4.")
    child.expect(PROMPT)
    assert leave(child) == 0
    turns = show(run_here, cid)["turns"]
    assert [t["prompt"] for t in turns][-1] == "question five" and len(turns) == 5


def test_continue_on_a_terminal_sends_the_earlier_turns(
    run_here: RunCli, mlxchat_home: Path, server: Standin
) -> None:
    name = remote(mlxchat_home, server, "echo")
    first = echo_body(run_here, name, "remember 7")
    child = spawn(mlxchat_home, name, "-c", "--format", "text")
    body = ask(child, "which number?")
    assert body["messages"] == [
        user("remember 7"),
        {"role": "assistant", "content": json.dumps(first, sort_keys=True)},
        user("which number?"),
    ]
    assert leave(child) == 0
    assert len(show(run_here, conversations(run_here)[0]["id"])["turns"]) == 2


def test_an_interrupted_answer_in_a_session_is_kept(
    run_here: RunCli, mlxchat_home: Path, server: Standin
) -> None:
    name = remote(mlxchat_home, server, "stall")
    child = spawn(mlxchat_home, name, "--format", "text")
    question = f"stop me {uuid.uuid4().hex[:8]}"
    child.sendline(question)
    wait_for(server, f"stall: started: {question}")
    child.expect_exact("The answer")  # on screen, not only sent: Ctrl-C must come after it arrived
    child.sendintr()
    child.expect_exact("interrupted")
    child.expect(PROMPT)
    assert leave(child) == 0
    (turn,) = show(run_here, conversations(run_here)[0]["id"])["turns"]
    assert (turn["prompt"], turn["status"], turn["answer"]) == (question, "interrupted", "The answer")


def test_a_history_that_fails_warns_once_per_session(
    mlxchat_home: Path, server: Standin, run_here: RunCli
) -> None:
    name = remote(mlxchat_home, server, "think-content")
    assert chat(run_here, name, "kept").returncode == 0
    limit = max(f.stat().st_size for f in db_path(mlxchat_home).parent.glob("history.db*"))
    env = {**os.environ, "MLXCHAT_HOME": str(mlxchat_home), "TERM": "xterm", "NO_COLOR": "1"}
    child = pexpect.spawn(
        sys.executable,
        ["-m", "mlxchat", "chat", name, "--format", "text"],
        env=env,
        cwd=str(REPO),
        dimensions=(30, 100),
        timeout=20,
        encoding="utf-8",
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit)),  # a full disk
    )
    transcript = io.StringIO()
    child.logfile_read = transcript
    child.expect(PROMPT)
    for question in ("lost one", "lost two", "lost three"):
        child.sendline(question)
        child.expect_exact("The answer is 4.")
        child.expect(PROMPT)
    assert leave(child) == 0
    assert transcript.getvalue().count("not kept in the history") == 1
    assert [c["prompt"] for c in conversations(run_here)] == ["kept"]


@pytest.mark.real_server
def test_the_real_tiny_model_one_shot_then_continued_on_a_terminal(
    run_cli: RunCli, mlxchat_home: Path, openai_server: RealServer
) -> None:
    add_profile(mlxchat_home, "tiny", server="remote", url=openai_server.base_url, model=openai_server.model)
    one_shot = run_cli("chat", "tiny", "What is 2+2?", "--temperature", "0", input="", timeout=120)
    assert (one_shot.returncode, one_shot.stdout) == (0, "The answer is 4.\n"), one_shot.stderr
    # The model answers 12 only when it is sent the turn before.
    child = spawn(mlxchat_home, "tiny", "-c", "--format", "text", "--temperature", "0")
    assert "you: What is 2+2?" in str(child.before)
    child.sendline("Multiply that by 3.")
    child.expect_exact("The answer is 12.", timeout=120)
    child.expect(PROMPT, timeout=120)
    assert leave(child) == 0

    (found,) = conversations(run_cli)
    turns = show(run_cli, found["id"])["turns"]
    assert [(t["status"], t["answer"].strip()) for t in turns] == [
        ("done", "The answer is 4."),
        ("done", "The answer is 12."),
    ]
    assert [t["reasoning"].strip() for t in turns] == ["Two plus two is four.", "Four times three is twelve."]
    assert all(t["usage"]["completion_tokens"] > 0 for t in turns)
    assert [h["turn"] for h in history_json(run_cli, "search", "twelve", kind="search")] == [2]
    assert {h["turn"] for h in history_json(run_cli, "search", "four", kind="search")} == {1, 2}
