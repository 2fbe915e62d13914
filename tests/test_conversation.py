"""The interactive chat's state and line parsing (mlxchat.chat.conversation): pure, no I/O."""

from __future__ import annotations

from typing import Any

import pytest

from mlxchat.chat.conversation import (
    Command,
    CommandError,
    Conversation,
    Message,
    command_names,
    describe_attachment,
    help_lines,
    parse_line,
)
from mlxchat.chat.events import Done, Response, Start, Thinking, ThinkingDone, Timing, ToolCall
from mlxchat.chat.options import parse_messages
from mlxchat.chat.turn import TurnRecorder
from mlxchat.cli.interactive import wants_session

IMAGE_PART = {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}
SUMMARY = {
    "kind": "image",
    "name": "cat.png",
    "source": "file",
    "original": {"format": "png", "width": 3000, "height": 2000, "bytes": 900_000},
    "sent": {"format": "png", "width": 2048, "height": 1365, "bytes": 400_000},
    "notes": [],
}


def user(text: str) -> dict[str, Any]:
    return {"role": "user", "content": text}


# -- parse_line -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("", None),
        ("   ", None),
        ("hello there", Message("hello there")),
        ("  keep my spaces ", Message("  keep my spaces ")),
        ("//etc is a folder", Message("/etc is a folder")),
        ("/image cat.png", Command("image", "cat.png")),
        ("/image  my cat.png ", Command("image", "my cat.png")),
        ("/IMAGE cat.png", Command("image", "cat.png")),
        ("/video clip.mp4", Command("video", "clip.mp4")),
        ("/system Be brief.", Command("system", "Be brief.")),
        ("/system", Command("system", "")),
        ("/system -", Command("system", "-")),
        ("/clear", Command("clear")),
        ("/save talk.ndjson", Command("save", "talk.ndjson")),
        ("/help", Command("help")),
        ("/?", Command("help")),
        ("/exit", Command("exit")),
        ("/quit", Command("exit")),
        ("/q", Command("exit")),
    ],
)
def test_parse_line(line: str, expected: Message | Command | None) -> None:
    assert parse_line(line) == expected


@pytest.mark.parametrize(
    ("line", "message", "show_help"),
    [
        ("/frobnicate", "unknown command /frobnicate", True),
        ("/", "a command name must follow '/'", True),
        ("/image", "usage: /image PATH|URL", False),
        ("/save   ", "usage: /save FILE", False),
        ("/clear now", "/clear takes no argument (usage: /clear)", False),
        ("/exit please", "/exit takes no argument (usage: /exit)", False),
    ],
)
def test_parse_line_errors(line: str, message: str, show_help: bool) -> None:
    assert parse_line(line) == CommandError(message, show_help)


def test_help_lists_every_command() -> None:
    text = "\n".join(help_lines())
    for name in ("/image", "/video", "/system", "/clear", "/save", "/help", "/exit", "//TEXT"):
        assert name in text
    assert "/quit" in command_names() and "/image" in command_names()


# -- the conversation -------------------------------------------------------------------------


def test_system_prompt_precedence() -> None:
    seed = [
        {"role": "system", "content": "From the file."},
        user("hi"),
        {"role": "assistant", "content": "yo"},
    ]
    assert Conversation.start(seed, system_option="Option.", profile_system="Profile.").system == "Option."
    from_file = Conversation.start(seed, profile_system="Profile.")
    assert from_file.system == "From the file."
    assert from_file.history == seed[1:]
    assert Conversation.start([user("hi")], profile_system="Profile.").system == "Profile."
    assert Conversation.start([user("hi")]).system is None
    # --system "" means: no system message, not even the profile's.
    assert Conversation.start([], system_option="", profile_system="Profile.").system is None


def test_set_system() -> None:
    conversation = Conversation(system="old")
    conversation.set_system("new")
    assert conversation.system == "new"
    assert conversation.request_messages("q")[0] == {"role": "system", "content": "new"}
    conversation.set_system("-")
    assert conversation.system is None
    assert conversation.request_messages("q") == [user("q")]


def test_turns_build_the_history_without_reasoning() -> None:
    conversation = Conversation(system="Be brief.")
    assert conversation.request_messages("one") == [{"role": "system", "content": "Be brief."}, user("one")]
    conversation.record("one", "\n\nFirst answer.\n")
    assert conversation.request_messages("two") == [
        {"role": "system", "content": "Be brief."},
        user("one"),
        {"role": "assistant", "content": "First answer."},
        user("two"),
    ]
    assert len(conversation.history) == 2  # one turn: the question and its answer
    assert conversation.clear() == 2
    assert conversation.request_messages("three") == [
        {"role": "system", "content": "Be brief."},
        user("three"),
    ]


def test_attachments_wait_for_the_next_message() -> None:
    conversation = Conversation()
    conversation.attach("cat.png", [IMAGE_PART], [SUMMARY])
    conversation.attach("left-out.png", "", [])  # a text-only profile: nothing was prepared
    assert len(conversation.pending) == 1
    content = conversation.user_content("What is this?")
    assert content == [{"type": "text", "text": "What is this?"}, IMAGE_PART]
    assert conversation.user_content("") == [IMAGE_PART]
    assert conversation.attachment_summaries() == [SUMMARY]
    conversation.record(content, "A cat.")
    assert conversation.pending == []
    assert conversation.user_content("And now?") == "And now?"
    assert conversation.history[0] == {"role": "user", "content": content}


def test_clear_drops_pending_attachments() -> None:
    conversation = Conversation()
    conversation.attach("cat.png", [IMAGE_PART], [SUMMARY])
    conversation.clear()
    assert conversation.user_content("hi") == "hi"


def test_saved_ndjson_reads_back_as_messages() -> None:
    conversation = Conversation.start(
        [user("earlier"), {"role": "assistant", "content": "answer"}], system_option="Be brief."
    )
    conversation.attach("cat.png", [IMAGE_PART], [SUMMARY])
    content = conversation.user_content("Grüße, 世界 🎉\nsecond line")
    conversation.record(content, "Hallo!")
    data = conversation.to_ndjson()
    assert data.endswith(b"\n") and data.count(b"\n") == 5
    messages = parse_messages(data.decode(), "saved")
    assert messages == conversation.saved_messages()
    again = Conversation.start(messages)
    assert again.system == "Be brief."
    assert again.history == conversation.history


def test_empty_conversation_saves_nothing() -> None:
    assert Conversation().to_ndjson() == b""
    assert Conversation(system="s").to_ndjson() == b'{"role":"system","content":"s"}\n'


def test_the_turn_recorder_keeps_the_answer_apart_from_reasoning_and_tool_calls() -> None:
    recorder = TurnRecorder()
    start = Start("p", "m", "req-1", "2026-01-01T00:00:00.000Z", "http://127.0.0.1:1/v1")
    recorder.add([start, Thinking("hmm"), ThinkingDone(0.1), Response("\n\nThe answer"), Response(" is 4.")])
    call = ToolCall(0, "call_1", "get_weather", "{}")
    recorder.add([call])
    done = Done("stop", {"completion_tokens": 3}, Timing(total=0.5))
    result = recorder.result(done, [user("q")])
    assert result.answer == "\n\nThe answer is 4."
    assert result.reasoning == "hmm"
    assert result.tool_calls == [call]
    assert (result.ok, int(result.exit_code), result.request_id) == (True, 0, "req-1")
    assert (result.usage, result.timing, result.messages) == (done.usage, done.timing, [user("q")])


def test_describe_attachment() -> None:
    assert describe_attachment(SUMMARY) == "cat.png (png 3000x2000 -> png 2048x1365, 400.0 KB)"
    same = {**SUMMARY, "original": SUMMARY["sent"], "notes": ["original bytes sent unchanged"]}
    assert describe_attachment(same) == "cat.png (png 2048x1365, 400.0 KB; original bytes sent unchanged)"
    url = {"kind": "image", "name": "https://x/cat.png", "source": "url", "original": None, "sent": None}
    assert describe_attachment(url) == "https://x/cat.png (the server fetches it)"


@pytest.mark.parametrize(
    ("prompt", "messages", "stdin_tty", "stdout_tty", "expected"),
    [
        (None, None, True, True, True),
        (None, "talk.ndjson", True, True, True),
        ("hi", None, True, True, False),
        (None, "-", True, True, False),
        (None, None, False, True, False),
        (None, None, True, False, False),
    ],
)
def test_wants_session(
    prompt: str | None, messages: str | None, stdin_tty: bool, stdout_tty: bool, expected: bool
) -> None:
    assert wants_session(prompt, messages, stdin_tty, stdout_tty) is expected
