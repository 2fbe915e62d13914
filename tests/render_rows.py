"""The rows an answer ends as, in this process: mlxchat's live display fed in chunks, and the reference.

The reference is Rich rendering the whole text once (``rich_rows``); the live answer view fed the text in
chunks, with a frame after each (``incremental_rows``), and mlxchat's output when nothing is live
(``one_shot_rows``) must both end as exactly those rows.
"""

from __future__ import annotations

import io
import re

from rich.console import Console
from rich.markdown import Markdown

from mlxchat.output.live_answer import AnswerView
from mlxchat.output.markdown_blocks import MarkdownBlocks
from mlxchat.output.markdown_render import MarkdownRenderer, make_parser


def incremental_rows(text: str, chunks: list[int], width: int, height: int) -> list[str]:
    """The final rows of the live answer when ``text`` arrives in chunks, a frame after each."""
    view = AnswerView(MarkdownRenderer(answer_console(width)))
    rows: list[str] = []
    position, sizes = 0, iter(chunks)
    while position < len(text):
        step = next(sizes, 7)
        view.feed(text[position : position + step])
        position += step
        final, live = view.frame(width, height)
        assert len(live) <= max(1, height - 1)  # the live rows fit on the screen, the cursor's row too
        rows += final
    return rows + view.close()


def answer_console(width: int) -> Console:
    return Console(file=io.StringIO(), width=width, force_terminal=True, color_system="truecolor")


def one_shot_rows(text: str, width: int) -> list[str]:
    """mlxchat's rows for ``text`` when nothing is live (each block printed once it is finished)."""
    view = AnswerView(MarkdownRenderer(answer_console(width)), live=False)
    view.feed(text)
    return view.close()


def block_by_block_rows(text: str, width: int) -> list[str]:
    """mlxchat's rows for ``text`` when each finished block is rendered alone, one after another."""
    md = MarkdownRenderer(answer_console(width))
    splitter = MarkdownBlocks()
    rows: list[str] = []
    new_line = False
    for block in [*splitter.feed(text), *splitter.close()]:
        block_rows, new_line = md.block_rows([block], width, new_line)
        rows += block_rows
    return rows


def rich_rows(text: str, width: int) -> list[str]:
    """Rich's ``Markdown`` of the whole ``text`` (HTML off, as mlxchat parses), rendered once."""
    console = answer_console(width)
    markdown = Markdown(text)
    markdown.parsed = make_parser().parse(text)
    lines = console.render_lines(markdown, console.options, pad=False, new_lines=False)
    return [console._render_buffer(line) for line in lines]


def same_links(rows: list[str]) -> list[str]:
    """Rows with their hyperlinks' ids (random for each rendering) left out."""
    return [re.sub(r"\x1b\]8;id=\d+;", "\x1b]8;;", row) for row in rows]
