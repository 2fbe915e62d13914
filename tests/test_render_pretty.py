"""Pretty rendering: snapshots of what stays on the screen, at a fixed width, colour and NO_COLOR.

The live part (spinner, the block being written) is transient and is tested for real in a
pseudo-terminal elsewhere; here the console is a terminal that is not interactive, so only the
lasting output is written, deterministically.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from mlxchat.chat.events import Done, Error, Event, Response, Start, Thinking, ThinkingDone, Timing, ToolCall
from mlxchat.output.pretty import PrettyOptions, PrettyRenderer

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
UPDATE = os.environ.get("MLXCHAT_UPDATE_SNAPSHOTS") == "1"

ANSWER = (
    "# Result\n\nThe answer is **4**, as `2+2` shows.\n\n"
    "```python\nprint(2 + 2)\n```\n\n"
    "| x | y |\n|---|---|\n| 1 | 2 |\n\n"
    "1. first\n2. second\n"
)


def chunks(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


def thinking_run(answer: str = ANSWER, size: int = 3) -> list[Event]:
    events: list[Event] = [Start("p", "m", "r", "2026-01-01T00:00:00.000Z", "http://127.0.0.1:1/v1")]
    events += [Thinking(c) for c in ["\n", "Two plus", " two is four.", "\n"]]
    events.append(ThinkingDone(1.25))
    events += [Response(c) for c in chunks(answer, size)]
    usage = {"prompt_tokens": 12, "completion_tokens": 40}
    events.append(Done("stop", usage, Timing(ttft=0.05, thinking=1.25, total=2.0, tokens_per_second=20.0)))
    return events


def render(events: Iterable[Event], *, color: bool, options: PrettyOptions | None = None) -> str:
    buffer = io.StringIO()
    kwargs: dict[str, Any] = {
        "file": buffer,
        "width": 60,
        "force_terminal": color,
        "force_interactive": False,
        "color_system": "truecolor" if color else None,
        "no_color": not color,
        "legacy_windows": False,
    }
    out = Console(**kwargs)
    err = Console(**kwargs)  # one buffer: stdout and stderr interleave as on a terminal
    renderer = PrettyRenderer(out, err, options)
    for event in events:
        renderer.handle(event)
    renderer.close()
    return buffer.getvalue()


def check_snapshot(name: str, text: str) -> None:
    path = SNAPSHOTS / f"{name}.txt"
    if UPDATE or not path.exists():
        path.write_text(text, encoding="utf-8")
        if not UPDATE:
            pytest.fail(f"snapshot {path.name} was missing and has been written; check it and re-run")
    assert text == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("color", [True, False], ids=["color", "no-color"])
def test_thinking_then_markdown_answer(color: bool) -> None:
    text = render(thinking_run(), color=color)
    check_snapshot(f"pretty-answer-{'color' if color else 'nocolor'}", text)
    if not color:
        assert "\x1b[" not in text
        assert "Thought for 1.2s" in text
        assert "print(2 + 2)" in text
        assert "Two plus" not in text  # collapsed


def test_chunking_does_not_change_the_result() -> None:
    whole = render(thinking_run(size=len(ANSWER)), color=True)
    for size in (1, 2, 7, 50):
        assert render(thinking_run(size=size), color=True) == whole


def test_show_thinking_keeps_the_reasoning() -> None:
    text = render(thinking_run(), color=False, options=PrettyOptions(show_thinking=True))
    assert "Two plus two is four." in text
    assert text.index("Two plus") < text.index("Thought for 1.2s") < text.index("first")


def test_stats_footer() -> None:
    text = render(thinking_run(), color=False, options=PrettyOptions(stats=True))
    assert "40 tokens · 20.0 tok/s · first token 0.05s · total 2.00s" in text


@pytest.mark.parametrize("color", [True, False], ids=["color", "no-color"])
def test_error_after_partial_answer(color: bool) -> None:
    events = thinking_run()[:-1][:12]
    events.append(Error("stream_broken", "the server closed the connection"))
    text = render(events, color=color)
    check_snapshot(f"pretty-error-{'color' if color else 'nocolor'}", text)
    plain = render(events, color=False)
    assert plain.index("Result") < plain.index("stream_broken") < plain.index("closed the connection")


def test_a_long_thought_reads_in_minutes() -> None:
    text = render([ThinkingDone(75.0), Response("ok")], color=False)
    assert "Thought for 1m15s" in text


def test_server_strings_are_never_read_as_markup() -> None:
    events: list[Event] = [
        ToolCall(0, None, "[red]f[/red]", '{"a": "[bold]x[/]"}'),
        Error("http_error", "bad [link=x]thing[/link]", hint="try [b]this[/b]"),
    ]
    text = render(events, color=False)
    assert "[red]f[/red]" in text
    assert '{"a": "[bold]x[/]"}' in text
    assert "bad [link=x]thing[/link]" in text
    assert "hint: try [b]this[/b]" in text
