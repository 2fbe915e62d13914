"""Pretty output for real: ``mlxchat chat`` in a pseudo-terminal, what ends up on the (emulated) screen.

Against the stand-in (its ``paced`` scenario streams a document at a model's pace) and the tiny model.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.chat_helpers import add_profile
from tests.fixtures.standin import Standin
from tests.standin.markdown_doc import HTML_TEXT, IMAGES_TEXT, document, reasoning_text
from tests.terminal_screen import PtyChat, Screen, rich_whole

SYNC = b"\x1b[?2026h"


def profile(home: Path, server: Standin, model: str, name: str = "p") -> str:
    add_profile(home, name, server="remote", url=server.base_url, model=model)
    return name


def happenings(server: Standin) -> list[str]:
    return list(httpx.get(f"http://127.0.0.1:{server.port}/standin/happenings", timeout=5).json())


def answer_rows(screen: Screen) -> list[str]:
    """The rows above the error panel (the partial answer and what came before it)."""
    end = next(i for i, row in enumerate(screen.rows) if "error: interrupted" in row)
    return screen.rows[:end]


def test_thinking_collapses_and_markdown_renders(mlxchat_home: Path, start_standin: Any) -> None:
    server: Standin = start_standin("--delay", "0.05")
    chat = PtyChat(mlxchat_home, profile(mlxchat_home, server, "think-content"), "What is 2+2?", "--stats")
    chat.wait_for("Thinking")  # the live spinner, while the reasoning streams
    screen = chat.finish()
    assert chat.exitstatus == 0
    assert "Thought for" in screen.text
    assert "Thinking" not in screen.text  # the spinner went away
    assert "Two plus" not in screen.text  # the reasoning collapsed
    assert "The answer is 4." in screen.text
    assert "tokens" in screen.text and "tok/s" in screen.text
    assert b"\x1b[3" in chat.output  # colour on a terminal


def test_no_color_on_a_terminal(mlxchat_home: Path, standin: Standin) -> None:
    name = profile(mlxchat_home, standin, "think-content")
    chat = PtyChat(mlxchat_home, name, "2+2?", env={"NO_COLOR": "1"})
    screen = chat.finish()
    assert chat.exitstatus == 0
    assert "The answer is 4." in screen.text
    assert b"\x1b[3" not in chat.output and b"\x1b[9" not in chat.output  # no colours (cursor moves remain)


def test_error_panel_after_the_partial_answer(mlxchat_home: Path, standin: Standin) -> None:
    name = profile(mlxchat_home, standin, "close-mid-stream")
    chat = PtyChat(mlxchat_home, name, "q", env={"NO_COLOR": "1"})
    screen = chat.finish()
    assert chat.exitstatus == 5
    assert screen.text.index("The answer is") < screen.text.index("stream_broken")
    assert screen.text.count("The answer is") == 1
    assert "Traceback" not in screen.text


@pytest.mark.real_server
def test_tiny_model_under_mlx_openai_server(mlxchat_home: Path, openai_server: Any) -> None:
    add_profile(mlxchat_home, "tiny", server="remote", url=openai_server.base_url, model=openai_server.model)
    chat = PtyChat(mlxchat_home, "tiny", "What is 2+2?", "--temperature", "0")
    screen = chat.finish()
    assert chat.exitstatus == 0, screen.text
    assert "Thought for" in screen.text
    assert "The answer is 4." in screen.text


def test_dumb_terminal_gets_no_live_display(mlxchat_home: Path, standin: Standin) -> None:
    name = profile(mlxchat_home, standin, "think-content")
    chat = PtyChat(mlxchat_home, name, "2+2?", env={"TERM": "dumb"})
    screen = chat.finish()
    assert chat.exitstatus == 0
    assert "The answer is 4." in screen.text and "Thought for" in screen.text
    assert b"Thinking..." not in chat.output  # no spinner on a terminal that cannot redraw
    assert b"\x1b" not in chat.output  # nor any cursor movement or synchronized frame


def test_model_text_is_shown_as_written(mlxchat_home: Path, standin: Standin) -> None:
    chat = PtyChat(mlxchat_home, profile(mlxchat_home, standin, "paced:html:0:200"), "q")
    screen = chat.finish()
    assert chat.exitstatus == 0
    # Nothing is read as HTML and dropped; the lines of a paragraph join as Markdown joins them.
    assert HTML_TEXT.startswith("Compare a<b and b>c. Use the <div> tag.\n\n<div>\n<b>not bold</b>")
    assert screen.rows == [
        "Compare a<b and b>c. Use the <div> tag.",
        "",
        "<div> <b>not bold</b> <!-- a note --> </div>",
    ]


def test_an_image_is_shown_as_its_text_where_it_stands(mlxchat_home: Path, standin: Standin) -> None:
    chat = PtyChat(mlxchat_home, profile(mlxchat_home, standin, "paced:images:0:200"), "q")
    screen = chat.finish()
    assert chat.exitstatus == 0
    # Model text, never fetched: Rich's mark and the alt text (or the file name), linked to the
    # address, in the sentence where the model wrote it (Rich alone prints it before the sentence).
    assert IMAGES_TEXT.startswith("See ![a cat on a mat](http://127.0.0.1:9/cat.png) here, then ![](")
    assert screen.rows[0] == "See 🌆 a cat on a mat here, then 🌆 plan.svg."
    assert screen.rows[2] == "🌆 a chart of sales"
    assert "🌆 tiny" in screen.rows[-2]
    assert b"\x1b]8;id=" in chat.output and b";http://127.0.0.1:9/cat.png\x1b\\" in chat.output
    assert screen.rows == Screen.of(rich_whole(IMAGES_TEXT)).rows


def test_frames_are_synchronized_and_drawn_only_when_something_changed(
    mlxchat_home: Path, standin: Standin
) -> None:
    # "The answer", then nothing until the client gives up: nothing to redraw meanwhile.
    name = profile(mlxchat_home, standin, "stall")
    chat = PtyChat(mlxchat_home, name, "q", "--idle-timeout", "1.5", env={"NO_COLOR": "1"})
    screen = chat.finish()
    assert chat.exitstatus == 5
    assert chat.output.count(b"The answer") == 1  # drawn once, not again at every refresh
    assert chat.output.count(SYNC) == chat.output.count(b"\x1b[?2026l") >= 1
    assert screen.text.index("The answer") < screen.text.index("idle_timeout")


def wait_until(server: Standin, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while what not in happenings(server):
        assert time.monotonic() < deadline, f"{what!r} not in {happenings(server)}"
        time.sleep(0.05)


def test_ctrl_c_during_the_answer_leaves_it_once(mlxchat_home: Path, standin: Standin) -> None:
    # The server sends the answer up to the middle of a paragraph, then nothing: Ctrl-C there.
    sent = document("project", 600)[: 170 * 4]
    chat = PtyChat(mlxchat_home, profile(mlxchat_home, standin, "paced:project:600:200:stall=170"), "q")
    expected = Screen.of(rich_whole(sent)).rows
    wait_until(standin, "paced: stalled")
    chat.wait_for(expected[-1])
    chat.child.sendintr()
    screen = chat.finish()
    assert chat.exitstatus == 130
    # What was shown stays, once and as a one-shot render of it, then the interrupted notice.
    assert answer_rows(screen) == expected
    assert "^C" not in screen.text


def test_ctrl_c_during_reasoning_keeps_what_was_shown(mlxchat_home: Path, standin: Standin) -> None:
    sent = reasoning_text(400)[: 70 * 4]
    model = "paced:project:100:200:reasoning=400:stall=70"
    chat = PtyChat(mlxchat_home, profile(mlxchat_home, standin, model), "q")
    lines = sent.strip("\n").split("\n")
    wait_until(standin, "paced: stalled")
    chat.wait_for(lines[-1])
    chat.child.sendintr()
    screen = chat.finish()
    assert chat.exitstatus == 130
    assert answer_rows(screen) == [line.rstrip() for line in lines]  # the reasoning so far, once
    assert not any("Thinking" in row or "Thought for" in row for row in screen.rows)


def test_keys_typed_while_the_answer_streams_do_not_break_it(mlxchat_home: Path, standin: Standin) -> None:
    chat = PtyChat(mlxchat_home, profile(mlxchat_home, standin, "paced:project:300:150"), "q")
    chat.wait_for("Section 0")
    chat.child.send("typed ahead\r")
    chat.child.send("more\r\r")
    screen = chat.finish()
    assert chat.exitstatus == 0
    assert "typed ahead" not in screen.text
    assert screen.rows == Screen.of(rich_whole(document("project", 300))).rows


def test_interactive_interrupt_and_type_ahead(mlxchat_home: Path, standin: Standin) -> None:
    sent = document("project", 600)[: 170 * 4]
    chat = PtyChat(mlxchat_home, profile(mlxchat_home, standin, "paced:project:600:200:stall=170"))
    expected = Screen.of(rich_whole(sent)).rows
    chat.wait_for("you>")
    chat.child.sendline("first question")
    wait_until(standin, "paced: stalled")
    chat.wait_for(expected[-1])
    chat.child.send("next one")  # typed while the answer streams: it waits for the next prompt
    chat.child.sendintr()
    chat.wait_for("you> next one")
    chat.child.sendcontrol("u")
    chat.child.sendcontrol("d")
    screen = chat.finish()
    assert chat.exitstatus == 0
    start = screen.rows.index("you> first question") + 1
    assert answer_rows(screen)[start:] == expected
    assert "(not kept in the conversation)" in screen.rows
    assert "^C" not in screen.text


def test_a_terminal_that_cannot_keep_up_does_not_hold_back_the_stream(
    mlxchat_home: Path, standin: Standin
) -> None:
    # A long answer of many blocks sent at once while nothing reads the terminal: the terminal's
    # buffer fills and drawing blocks, but the stream is read to its end (the client leaves).
    text = document("blocks", 2500)
    chat = PtyChat(mlxchat_home, profile(mlxchat_home, standin, "paced:blocks:2500:0"), "q")
    deadline = time.monotonic() + 20
    while "paced: client left" not in happenings(standin):
        assert time.monotonic() < deadline, "the stream was held back by the terminal"
        time.sleep(0.2)
    screen = chat.finish()
    assert chat.exitstatus == 0
    assert screen.rows == Screen.of(rich_whole(text)).rows
    # Frames were dropped, not queued: far fewer than the stream's batches of events.
    assert chat.output.count(SYNC) < 100
