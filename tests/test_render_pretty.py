"""Pretty rendering: snapshots of what stays on the screen, and the live display against them.

The snapshots use a console that is not interactive, so only the lasting output is written,
deterministically. The live display must end exactly as that one-shot render: the answer view is
fed in random chunks with a frame after each (in this process), and real streams are read off an
emulated terminal (``mlxchat chat`` in a pseudo-terminal against the stand-in's paced scenario).
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.text import Text

from mlxchat.chat.events import Done, Error, Event, Response, Start, Thinking, ThinkingDone, Timing, ToolCall
from mlxchat.output.list_stream import ListStream
from mlxchat.output.live_answer import AnswerView
from mlxchat.output.markdown_render import MarkdownRenderer
from mlxchat.output.pretty import PrettyOptions, PrettyRenderer
from tests.chat_helpers import add_profile
from tests.fixtures.standin import Standin
from tests.render_rows import answer_console, incremental_rows, rich_rows, same_links
from tests.standin.markdown_doc import document
from tests.terminal_screen import PtyChat, Screen, rich_whole

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


# -- the live display ends as a one-shot render ---------------------------------------------------

PIECES = [
    " ".join(["The model streams tokens quickly while rendering markdown blocks."] * 6),
    "Some **bold text that spans** several words, `a code span with spaces`, *emphasis*, a "
    "[link text](http://example.org/a) and snake_case_name, 2 * 3 and a_b, then ~~struck out~~ text.",
    "Stars * alone and *an emphasis that stays open " + "word " * 40,
    "Backquotes ` that never close " + "and more text " * 20,
    # (After a blank line: a paragraph that a setext underline turns into a heading once its top
    # scrolled away, taller than the screen, keeps those rows as they were; nothing else does.)
    "\nA heading made of one line\n===",
    "An introduction line\n- item one\n- item two\n\n  continued item two",
    "```python\n" + "\n".join(f"def f{i}(x):\n    return x * {i}  # {i}" for i in range(12)) + "\n```",
    "```js\n/**\n * A comment that spans\n * several lines\n * of the block\n */\nconst x = 1;\n"
    + "let y = x / 2; // half\n" * 10
    + "```",
    '```json\n{\n  "a": 1,\n  "b": [true, null, "x"],\n  "c": {"d": "e"}\n}\n```',
    "```\n\tcode with a tab\nand a line long enough to wrap around a narrow terminal width of forty\n```",
    "| number | description of the row |\n|---:|:---|\n"
    + "".join(f"| {i:6d} | row {i:<18} |\n" for i in range(15)),
    # (Eight items: Rich sizes the numbers for one more than the last, so a numbered list that grows
    # to nine after its top scrolled away keeps the narrower numbers there, as a table keeps its
    # narrower columns; the paragraph after it keeps two of it from making one list of sixteen.)
    "1. one\n2. two\n   - nested\n   - nested **bold**\n3. three\n4. four\n5. five\n6. six\n7. seven\n"
    "8. eight\n\nAfter the list.",
    "".join(f"- item {i} with *some* words in it that wrap around a narrow terminal\n" for i in range(14)),
    "> A quote that goes on for a while " + "and on " * 12 + "\n> - with a list\n> - inside",
    "# Heading one",
    "### Heading three with `code`",
    "***",
    "Compare a<b and b>c. Use the <div> tag.",
]


@given(
    st.lists(st.sampled_from(PIECES), min_size=1, max_size=6),
    st.sampled_from(["\n\n", "\n"]),
    st.lists(st.integers(min_value=1, max_value=60), max_size=200),
    st.sampled_from([40, 64, 90]),
    st.integers(min_value=4, max_value=20),
)
@settings(max_examples=80, deadline=None)
def test_the_live_answer_ends_as_a_one_shot_render(
    pieces: list[str], joint: str, chunks: list[int], width: int, height: int
) -> None:
    text = joint.join(pieces) + "\n"
    assert same_links(incremental_rows(text, chunks, width, height)) == same_links(rich_rows(text, width))


NESTED_LISTS = [
    "-   foo, whose text starts at column 4\n"
    "    - nested in foo\n"
    "      1. and deeper\n"
    "   - a sibling of foo (indented less than foo's text)\n"
    "-   bar\n"
    "    - nested in bar\n"
    "- baz\n",
    "1.  one\n    * nested in one\n\n      more of it\n2.  two\n9. nine\n10. ten\n    - in ten\n",
]


@pytest.mark.parametrize("size", [1, 5, 40])
@pytest.mark.parametrize("text", NESTED_LISTS, ids=["bullets", "numbers"])
def test_a_list_with_nested_items_streams_item_by_item(text: str, size: int) -> None:
    # Each item ends where CommonMark ends it, and a marker that arrives before its text waits for
    # it, so the list is never handed to a whole render.
    view = AnswerView(MarkdownRenderer(answer_console(60)))
    rows: list[str] = []
    for piece in chunks(text + "\nDone.\n", size):
        view.feed(piece)
        final, _ = view.frame(60, 30)
        rows += final
        if len(view.blocks.tail) > 4 and view.blocks.tail[0] in "-1":  # (a bare "-" may become a rule)
            assert isinstance(view.open, ListStream) and view.open.valid
    assert same_links(rows + view.close()) == same_links(rich_rows(text + "\nDone.\n", 60))


def test_a_frame_wraps_the_open_text_of_a_paragraph_once() -> None:
    # A paragraph taller than the screen: each frame makes its top rows final, and the text that
    # is not final yet is wrapped for the live rows once, not again for making rows final.
    md = MarkdownRenderer(answer_console(40))
    wrapped: list[str] = []
    wrap = md.wrap

    def counted(text: Text, width: int) -> list[Text]:
        wrapped.append(text.plain)
        return wrap(text, width)

    md.wrap = counted  # type: ignore[method-assign]
    view = AnswerView(md)
    text = " ".join(f"word{i}" for i in range(600)) + ".\n"
    rows: list[str] = []
    for piece in chunks(text, 25):
        wrapped.clear()
        view.feed(piece)
        rows += view.frame(40, 6)[0]
        assert len(wrapped) == len(set(wrapped)), wrapped
    assert same_links(rows + view.close()) == same_links(rich_rows(text, 40))


def test_model_text_is_never_read_as_html() -> None:
    text = render(
        [Response("Compare a<b and b>c. Use the <div> tag.\n\n<div>\n<b>x</b>\n</div>")], color=False
    )
    assert "Compare a<b and b>c. Use the <div> tag." in text
    assert "<div> <b>x</b> </div>" in text


def test_one_markdown_parser_per_run(monkeypatch: pytest.MonkeyPatch) -> None:
    import markdown_it

    made: list[object] = []
    original = markdown_it.MarkdownIt.__init__

    def counting(self: markdown_it.MarkdownIt, *args: Any, **kwargs: Any) -> None:
        made.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(markdown_it.MarkdownIt, "__init__", counting)
    text = render([Response(document("blocks", 400))], color=True)
    assert text.count("Part ") > 20  # many blocks...
    assert len(made) == 1  # ...and one parser


PACED = [  # (kind, size, tokens a second): each streams for one to two seconds
    ("project", 400, 400),
    ("project", 1500, 1000),
    ("code", 150, 500),
    ("table", 80, 500),
    ("paragraph", 6000, 1000),
    ("blocks", 600, 400),
    ("nested", 8, 300),  # (eight: Rich sizes the numbers for one more, so nine widen them, below)
    ("quotes", 5, 300),
    ("headings", 9, 300),
    ("shapes", 12, 300),
]


def test_paced_streams_end_as_one_shot_renders(mlxchat_home: Path, standin: Standin) -> None:
    for start in range(0, len(PACED), 3):  # three at a time: the suite waits for the slowest only
        chats = {}
        for kind, size, rate in PACED[start : start + 3]:
            name = f"{kind}-{size}"
            model = f"paced:{kind}:{size}:{rate}"
            add_profile(mlxchat_home, name, server="remote", url=standin.base_url, model=model)
            chats[(kind, size)] = PtyChat(mlxchat_home, name, "q")
        for (kind, size), chat in chats.items():
            screen = chat.finish()
            assert chat.exitstatus == 0, (kind, screen.text)
            reference = Screen.of(rich_whole(document(kind, size)))
            assert screen.rows == reference.rows, kind  # every row, the ones that scrolled away too
            assert screen.cells == reference.cells, kind  # and every cell's colours and style
            assert chat.output.count(b"\x1b[?2026h") >= 3, kind  # drawn live, frame by frame


@pytest.mark.parametrize("kind, size", [("table", 150), ("nested", 12)])
def test_a_block_taller_than_the_screen_that_widens_ends_as_a_one_shot_render_on_screen(
    mlxchat_home: Path, standin: Standin, kind: str, size: int
) -> None:
    # The table's first column widens at row 100, the list's numbers at item 10, after their first
    # rows scrolled away: those keep the width they had; what is on the screen is the one-shot render.
    add_profile(mlxchat_home, "p", server="remote", url=standin.base_url, model=f"paced:{kind}:{size}:600")
    chat = PtyChat(mlxchat_home, "p", "q")
    screen = chat.finish()
    reference = Screen.of(rich_whole(document(kind, size)))
    assert screen.visible == reference.visible
    assert len(screen.rows) == len(reference.rows)


MARKDOWN_ALPHABET = [*"ab #-|`~\n >1.*_[]()\\<&!=:", "```", "\n\n", "| a | b |\n|---|---|\n", "- ", "1. "]


@given(
    st.lists(st.sampled_from(MARKDOWN_ALPHABET), max_size=250),
    st.lists(st.integers(min_value=1, max_value=30), max_size=100),
)
@settings(max_examples=400, deadline=None)
def test_any_text_that_fits_on_the_screen_ends_as_its_one_shot_render(
    parts: list[str], chunks: list[int]
) -> None:
    text = "".join(parts)
    assert same_links(incremental_rows(text, chunks, 40, 200)) == same_links(rich_rows(text, 40))
