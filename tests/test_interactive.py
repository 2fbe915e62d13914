"""Interactive ``mlxchat chat PROFILE`` for real: the CLI in a pseudo-terminal (pexpect), talking to
the stand-in server (helpers in tests/interactive_helpers.py). The ``echo`` scenario answers with the
request body it received, so a test sees exactly what each turn sent (history, system prompt,
attachments); ``stall`` answers a little and then waits until the client leaves (recorded at
``GET /standin/happenings``). What no error may end (a session), pastes, ``/image`` arguments and
the input history are in tests/test_interactive_sessions.py.
"""

from __future__ import annotations

import json
import os
import sys
import uuid
from pathlib import Path
from typing import Any

import pexpect
from PIL import Image

from tests.chat_helpers import add_profile, parse_ndjson
from tests.fixtures.common import REPO, RunCli, free_port
from tests.fixtures.standin import Standin
from tests.interactive_helpers import (
    PROMPT,
    ask,
    colours,
    command,
    happenings,
    image_part_urls,
    leave,
    remote,
    spawn,
    user,
    wait_for,
)

# -- the conversation -------------------------------------------------------------------------


def test_history_system_clear_and_save(mlxchat_home: Path, server: Standin, tmp_path: Path) -> None:
    name = remote(mlxchat_home, server, "echo")
    child = spawn(mlxchat_home, name, "--format", "text")

    first = ask(child, "first question")
    assert first["messages"] == [user("first question")]
    assert first["model"] == "echo" and first["stream"] is True

    # The second request carries the first turn: the question and the answer as it was shown.
    second = ask(child, "second question")
    answer_one = json.dumps(first, sort_keys=True)
    assert second["messages"] == [
        user("first question"),
        {"role": "assistant", "content": answer_one},
        user("second question"),
    ]

    command(child, "/system Answer in French.", "system prompt set")
    command(child, "/system", "system prompt: Answer in French.")
    third = ask(child, "third question")
    assert third["messages"][0] == {"role": "system", "content": "Answer in French."}
    assert [m["content"] for m in third["messages"][1:] if m["role"] == "user"] == [
        "first question",
        "second question",
        "third question",
    ]

    command(child, "/clear", "forgot 6 messages")
    fourth = ask(child, "fourth question")
    assert fourth["messages"] == [{"role": "system", "content": "Answer in French."}, user("fourth question")]

    saved = tmp_path / "talk.ndjson"
    command(child, f"/save {saved}", f"saved 3 messages to {saved}")
    assert leave(child) == 0

    lines = [json.loads(line) for line in saved.read_text().splitlines()]
    assert lines == [
        {"role": "system", "content": "Answer in French."},
        user("fourth question"),
        {"role": "assistant", "content": json.dumps(fourth, sort_keys=True)},
    ]
    # What was typed is kept for the next session's line editing.
    history = (mlxchat_home / "state" / "chat-history").read_text()
    assert "first question" in history and "/clear" in history


def test_saved_conversation_continues_with_messages(
    mlxchat_home: Path, server: Standin, tmp_path: Path, run_cli: RunCli
) -> None:
    name = remote(mlxchat_home, server, "echo", system_prompt="The profile's own prompt.")
    child = spawn(mlxchat_home, name, "--format", "text", "--system", "Be brief.")
    first = ask(child, "remember 7")
    assert first["messages"] == [{"role": "system", "content": "Be brief."}, user("remember 7")]
    saved = tmp_path / "talk.ndjson"
    command(child, f"/save {saved}", "saved 3 messages")
    assert leave(child) == 0

    # Interactive again, seeded from the file: its system prompt wins over the profile's.
    child = spawn(mlxchat_home, name, "--format", "text", "--messages", str(saved))
    assert "continuing 2 earlier messages" in str(child.before)
    later = ask(child, "what was it?")
    expected = [json.loads(line) for line in saved.read_text().splitlines()]
    assert later["messages"] == [*expected, user("what was it?")]
    assert leave(child) == 0

    # The same file is an ordinary --messages file for a one-shot chat.
    result = run_cli("chat", name, "and now?", "--messages", str(saved), "--json", input="", timeout=60)
    assert result.returncode == 0, result.stderr
    events = parse_ndjson(result.stdout)
    body = json.loads("".join(e["content"] for e in events if e["type"] == "response"))
    assert body["messages"] == [*expected, user("and now?")]


def test_pretty_output_and_reasoning_not_kept(mlxchat_home: Path, server: Standin, tmp_path: Path) -> None:
    name = remote(mlxchat_home, server, "think-content")
    child = spawn(mlxchat_home, name)
    child.sendline("What is 2+2?")
    child.expect_exact("Thought for")
    child.expect_exact("The answer is 4.")
    child.expect(PROMPT)
    saved = tmp_path / "talk.ndjson"
    command(child, f"/save {saved}", "saved 2 messages")
    assert leave(child) == 0
    # The answer is kept without its reasoning (and without the blank lines that followed it).
    assert [json.loads(line) for line in saved.read_text().splitlines()] == [
        user("What is 2+2?"),
        {"role": "assistant", "content": "The answer is 4."},
    ]


def test_pretty_output_in_colour(mlxchat_home: Path, start_standin: Any) -> None:
    # Paced, so the reasoning lasts for frames to show it: the display draws at most 10 frames a
    # second, and a reasoning over before the first one is never drawn live.
    name = remote(mlxchat_home, start_standin("--delay", "0.05"), "think-content")
    child = spawn(mlxchat_home, name, "--stats", color=True)
    child.sendline("What is 2+2?")
    child.expect_exact("Thought for")
    assert colours(str(child.before)), "no colour while the model reasoned (spinner, reasoning)"
    child.expect_exact("is 4.")  # (a row that grows is redrawn from where it was: "The answer" came first)
    child.expect_exact("9 tokens")  # the --stats footer
    child.expect(PROMPT)
    assert leave(child) == 0


# -- attachments ------------------------------------------------------------------------------


def test_image_attaches_to_the_next_message(mlxchat_home: Path, server: Standin, tmp_path: Path) -> None:
    red, blue = tmp_path / "red.png", tmp_path / "blue.png"
    Image.new("RGB", (64, 48), "red").save(red)
    Image.new("RGB", (32, 32), "blue").save(blue)
    name = remote(mlxchat_home, server, "echo", model_type="multimodal")

    # --image on the command line waits for the first message.
    child = spawn(mlxchat_home, name, "--format", "text", "--image", str(red))
    assert "attached" in str(child.before) and "red.png" in str(child.before)
    first = ask(child, "what colour?")
    content = first["messages"][-1]["content"]
    assert content[0] == {"type": "text", "text": "what colour?"}
    [url] = image_part_urls(content)
    assert url.startswith("data:image/")

    command(child, f"/image {blue}", "blue.png")
    second = ask(child, "and this one?")
    assert len(image_part_urls(second["messages"][-1]["content"])) == 1
    # The first turn's image is part of the history.
    assert image_part_urls(second["messages"][0]["content"]) == [url]

    # Sent once: the next message has no attachment.
    third = ask(child, "thanks")
    assert third["messages"][-1] == user("thanks")

    command(child, f"/image {tmp_path / 'missing.png'}", "missing.png")
    assert "error:" in str(child.before)
    fourth = ask(child, "still there?")
    assert fourth["messages"][-1] == user("still there?")
    assert leave(child) == 0


def test_image_for_a_text_only_profile_is_left_out(
    mlxchat_home: Path, server: Standin, tmp_path: Path
) -> None:
    red = tmp_path / "red.png"
    Image.new("RGB", (8, 8), "red").save(red)
    name = remote(mlxchat_home, server, "echo", model_type="lm")
    child = spawn(mlxchat_home, name, "--format", "text")
    command(child, f"/image {red}", "text-only")
    body = ask(child, "what colour?")
    assert body["messages"] == [user("what colour?")]
    assert leave(child) == 0


# -- Ctrl-C, Ctrl-D, mistakes -----------------------------------------------------------------


def test_ctrl_c_cancels_the_answer_and_keeps_the_session(
    mlxchat_home: Path, server: Standin, tmp_path: Path
) -> None:
    name = remote(mlxchat_home, server, "stall")
    child = spawn(mlxchat_home, name)
    tag = uuid.uuid4().hex[:8]
    for n in (1, 2):
        question = f"question {n} {tag}"
        child.sendline(question)
        child.expect_exact("The answer")  # what the server sent before it went quiet
        wait_for(server, f"stall: started: {question}")
        child.sendintr()
        child.expect_exact("interrupted")
        child.expect(PROMPT)
        # The request was closed, not left hanging.
        wait_for(server, f"stall: client closed: {question}")
    saved = tmp_path / "talk.ndjson"
    command(child, f"/save {saved}", "saved 0 messages")  # interrupted turns are not kept
    assert saved.read_text() == ""
    assert leave(child) == 0


def test_ctrl_c_at_the_prompt_drops_the_line(mlxchat_home: Path, server: Standin) -> None:
    name = remote(mlxchat_home, server, "echo")
    child = spawn(mlxchat_home, name, "--format", "text")
    tag = uuid.uuid4().hex[:8]
    child.send(f"never sent {tag}")
    child.expect_exact(f"never sent {tag}")  # readline has the line
    child.sendintr()
    try:
        child.expect(PROMPT, timeout=5)
    except pexpect.TIMEOUT:
        # CPython's readline loop misses a SIGINT that lands while readline is still handling the
        # keys typed just before it (it then waits for the next key); a person never types that
        # fast. A second Ctrl-C is seen at once.
        child.sendintr()
        child.expect(PROMPT)
    body = ask(child, f"sent {tag}")
    assert body["messages"] == [user(f"sent {tag}")]
    assert not [h for h in happenings(server) if f"never sent {tag}" in h]
    assert leave(child) == 0


def test_unknown_command_and_usage_errors(mlxchat_home: Path, server: Standin) -> None:
    name = remote(mlxchat_home, server, "echo")
    child = spawn(mlxchat_home, name, "--format", "text")
    child.sendline("/frobnicate now")
    child.expect_exact("unknown command /frobnicate")
    child.expect_exact("/image PATH")  # the list of commands follows
    child.expect(PROMPT)
    command(child, "/save", "usage: /save FILE")
    command(child, "/clear everything", "/clear takes no argument")
    # "//" sends a message that starts with "/".
    body = ask(child, "//etc is a folder")
    assert body["messages"] == [user("/etc is a folder")]
    child.sendline("/exit")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_multi_line_messages_and_tab_completion(mlxchat_home: Path, server: Standin) -> None:
    name = remote(mlxchat_home, server, "echo")
    child = spawn(mlxchat_home, name, "--format", "text")
    child.sendline("first line \\")
    child.expect_exact("...> ")
    body = ask(child, "second line")
    assert body["messages"] == [user("first line \nsecond line")]
    child.send("/cl\t")
    child.expect_exact("ear ")  # readline completed the command name
    command(child, "", "forgot 2 messages")
    assert leave(child) == 0
    assert (mlxchat_home / "state" / "chat-history").stat().st_mode & 0o077 == 0


def test_unreachable_server_keeps_the_session(mlxchat_home: Path) -> None:
    add_profile(mlxchat_home, "gone", server="remote", url=f"http://127.0.0.1:{free_port()}/v1", model="m")
    child = spawn(mlxchat_home, "gone", "--format", "text")
    child.sendline("hello?")
    child.expect_exact("cannot connect")
    child.expect_exact("not kept in the conversation")
    child.expect(PROMPT)
    command(child, "/help", "/save FILE")
    assert leave(child) == 0


def test_no_session_without_a_terminal(mlxchat_home: Path, server: Standin, run_cli: RunCli) -> None:
    name = remote(mlxchat_home, server, "echo")
    # stdin piped (and empty): today's behaviour, nothing to send.
    result = run_cli("chat", name, input="", timeout=60)
    assert result.returncode == 2
    assert "nothing to send" in result.stderr
    # stdin a terminal but stdout a pipe: no session either.
    env = {**os.environ, "MLXCHAT_HOME": str(mlxchat_home), "TERM": "xterm", "NO_COLOR": "1"}
    child = pexpect.spawn(
        "/bin/sh",
        ["-c", f'"{sys.executable}" -m mlxchat chat {name} | cat'],
        env=env,
        cwd=str(REPO),
        timeout=20,
        encoding="utf-8",
    )
    child.expect(pexpect.EOF)
    assert "nothing to send" in str(child.before)
    assert "you>" not in str(child.before)
