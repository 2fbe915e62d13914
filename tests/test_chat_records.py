"""The chat path's records (mlxchat.plain_record): what they kept of the dataclasses they were."""

from __future__ import annotations

import pytest

from mlxchat.chat.conversation import Conversation
from mlxchat.chat.events import Done, Timing
from mlxchat.chat.options import ChatOptions
from mlxchat.chat.request import ChatRequest
from mlxchat.chat.turn import TurnResult
from mlxchat.terminal import Terminal


def _request(**extra: object) -> ChatRequest:
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
    return ChatRequest("p", "http://127.0.0.1:9/v1", body, True, False, "hi", 300.0, **extra)  # type: ignore[arg-type]


def test_the_api_key_stays_out_of_the_repr() -> None:
    request = _request(api_key="sk-secret-123")
    assert request.api_key == "sk-secret-123"
    assert "sk-secret-123" not in repr(request)
    assert "profile='p'" in repr(request) and "request_id=" in repr(request)
    assert request.headers()["Authorization"] == "Bearer sk-secret-123"


def test_options_with_makes_a_changed_copy() -> None:
    options = ChatOptions(prompt="a", max_tokens=5, images=("x.png",))
    changed = options.with_(prompt="b", images=())
    assert (changed.prompt, changed.max_tokens, changed.images) == ("b", 5, ())
    assert (options.prompt, options.images) == ("a", ("x.png",))  # the original is untouched
    assert changed == ChatOptions(prompt="b", max_tokens=5) and changed != options
    with pytest.raises(TypeError, match="nope"):
        options.with_(nope=1)  # type: ignore[call-arg]


def test_records_compare_by_value_and_are_not_hashable() -> None:
    assert Conversation(system="s") == Conversation(system="s", history=[])
    assert Conversation(system="s") != Conversation(system=None)
    assert _request(request_id="r") == _request(request_id="r")
    end = Done("stop", None, Timing(total=1.0))
    assert TurnResult(end, answer="x") == TurnResult(end, answer="x", tool_calls=[], outline=[])
    with pytest.raises(TypeError):
        hash(ChatOptions())
    assert "answer='x'" in repr(TurnResult(end, answer="x"))


def test_defaults_are_made_per_record() -> None:
    one, two = _request(), _request()
    one.attachments.append({"kind": "image"})
    assert two.attachments == [] and one.request_id != two.request_id
    first, second = Conversation(), Conversation()
    first.history.append({"role": "user", "content": "hi"})
    assert second.history == []


def test_terminal_reads_the_process_streams_when_made(monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import sys

    replaced = io.StringIO()
    monkeypatch.setattr(sys, "stderr", replaced)
    terminal = Terminal(env={"NO_COLOR": "1", "SECRET": "x"})
    assert terminal.stderr is replaced and terminal.stdin is sys.stdin
    assert "SECRET" not in repr(terminal) and not terminal.stderr_color
