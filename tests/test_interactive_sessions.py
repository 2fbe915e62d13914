"""Interactive chat keeps the conversation whatever happens inside a turn (a damaged image, a bug, a
server that dies), takes a paste as one message, reads ``/image`` arguments like shell words and
keeps the input history as typed. The CLI runs in a pseudo-terminal (tests/interactive_helpers.py).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import uuid
from pathlib import Path

from PIL import Image

from tests import imagehazards as hazards
from tests.fixtures.standin import Standin, StartStandin, standin_command, wait_until_listening
from tests.interactive_helpers import (
    PROMPT,
    ask,
    command,
    happenings,
    image_part_urls,
    leave,
    paste,
    remote,
    spawn,
    user,
)

# -- nothing inside a turn ends the session ---------------------------------------------------

FAULTS = Path(__file__).resolve().parent / "fixtures" / "faults"


def test_a_damaged_image_mid_conversation_keeps_the_conversation(
    mlxchat_home: Path, server: Standin, tmp_path: Path
) -> None:
    damaged = tmp_path / "cut.gif"
    gif = hazards.fuzz_corpus()["animated.gif"]
    damaged.write_bytes(gif[: int(len(gif) * 0.45)])  # once an IndexError: "internal error", the session gone
    name = remote(mlxchat_home, server, "echo", model_type="multimodal")
    child = spawn(mlxchat_home, name, "--format", "text")
    first = ask(child, "remember the number 7")

    command(child, f"/image {damaged}", f"image '{damaged}': cannot be decoded: damaged or truncated file")
    second = ask(child, "which number?")

    assert second["messages"] == [
        user("remember the number 7"),
        {"role": "assistant", "content": json.dumps(first, sort_keys=True)},
        user("which number?"),  # and no image: the damaged one was never attached
    ]
    assert leave(child) == 0


def test_an_internal_error_in_a_turn_keeps_the_conversation(mlxchat_home: Path, server: Standin) -> None:
    name = remote(mlxchat_home, server, "echo")
    faulty = {"PYTHONPATH": os.pathsep.join([str(FAULTS), os.environ.get("PYTHONPATH", "")])}
    child = spawn(mlxchat_home, name, "--format", "text", env={**faulty, "MLXCHAT_TEST_FAULT": "explode"})
    first = ask(child, "first question")

    command(child, "now explode", "internal error: RuntimeError: injected fault for 'explode'")
    third = ask(child, "still there?")

    assert [m["content"] for m in third["messages"]] == [
        "first question",
        json.dumps(first, sort_keys=True),
        "still there?",  # the failed turn is not kept, the earlier one is
    ]
    assert leave(child) == 0


def test_a_server_that_dies_mid_conversation_keeps_the_conversation(
    mlxchat_home: Path, start_standin: StartStandin
) -> None:
    server = start_standin()
    name = remote(mlxchat_home, server, "echo")
    child = spawn(mlxchat_home, name, "--format", "text")
    first = ask(child, "first question")
    server.stop()  # the server dies between two turns

    child.sendline("are you there?")
    child.expect_exact("cannot connect")
    child.expect_exact("not kept in the conversation")
    child.expect(PROMPT)
    back = subprocess.Popen(
        standin_command(server.port), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_until_listening(server.port, back)
        again = ask(child, "back again?")
    finally:
        back.kill()
        back.wait()

    assert again["messages"] == [
        user("first question"),
        {"role": "assistant", "content": json.dumps(first, sort_keys=True)},
        user("back again?"),
    ]
    assert leave(child) == 0


# -- pasting ----------------------------------------------------------------------------------


def test_a_pasted_snippet_is_one_message(mlxchat_home: Path, server: Standin, tmp_path: Path) -> None:
    # Bracketed paste on even where readline's configuration turns it off (CPython's default too).
    inputrc = tmp_path / "inputrc"
    inputrc.write_text("set enable-bracketed-paste off\n")
    name = remote(mlxchat_home, server, "echo")
    child = spawn(mlxchat_home, name, "--format", "text", env={"INPUTRC": str(inputrc)})
    tag = uuid.uuid4().hex[:8]
    lines = [f"def f{tag}(x):", "    if x:", "        return 1", "    return 2"]

    paste(child, lines)
    body = ask(child, "")

    assert body["messages"] == [user("\n".join(lines))]
    assert len([h for h in happenings(server) if tag in h]) == 1  # one request, not four
    # The backslash continuation still works after a paste.
    child.sendline("one \\")
    child.expect_exact("...> ")
    assert ask(child, "two")["messages"][-1] == user("one \ntwo")
    assert leave(child) == 0


# -- /image arguments -------------------------------------------------------------------------


def test_image_paths_are_read_like_shell_words_and_named_as_typed(
    mlxchat_home: Path, server: Standin, tmp_path: Path
) -> None:
    folder = tmp_path / "My Photos"
    folder.mkdir()
    Image.new("RGB", (40, 20), "red").save(folder / "red one.png")
    Image.new("RGB", (40, 20), "blue").save(folder / "blue.png")
    name = remote(mlxchat_home, server, "echo", model_type="multimodal")
    child = spawn(mlxchat_home, name, "--format", "text", env={"HOME": str(tmp_path)})

    command(child, "/image ~/My\\ Photos/red\\ one.png", "attached ~/My Photos/red one.png")  # drag and drop
    command(child, "/image '~/My Photos/blue.png'", "attached ~/My Photos/blue.png")
    command(child, "/image ~/My\\ Photos/gone.png", "image '~/My Photos/gone.png': no such file")
    command(child, "/image ftp://x", "image 'ftp://x': only http://, https:// and data: URLs are supported")
    command(child, "/image 'unclosed", "unclosed '")
    body = ask(child, "two pictures?")

    assert len(image_part_urls(body["messages"][-1]["content"])) == 2
    assert leave(child) == 0


# -- the input history ------------------------------------------------------------------------


def test_history_is_appended_as_typed_by_every_session(mlxchat_home: Path, server: Standin) -> None:
    name = remote(mlxchat_home, server, "echo")
    history = mlxchat_home / "state" / "chat-history"
    one = spawn(mlxchat_home, name, "--format", "text")
    two = spawn(mlxchat_home, name, "--format", "text")
    ask(one, "alpha 1")
    ask(two, "beta 1")
    paste(one, ["pasted", "lines"])
    ask(one, "")

    one.kill(signal.SIGKILL)  # a terminal closed without a goodbye
    one.close()
    assert leave(two) == 0

    text = history.read_text()
    assert [json.loads(line) for line in text.splitlines()] == ["alpha 1", "beta 1", "pasted\nlines"]
    assert history.stat().st_mode & 0o777 == 0o600
    # The next session recalls the newest entry with the up arrow.
    three = spawn(mlxchat_home, name, "--format", "text")
    three.send("\x1b[A")
    three.expect_exact("lines")
    three.sendcontrol("c")
    three.expect(PROMPT)
    assert leave(three) == 0
