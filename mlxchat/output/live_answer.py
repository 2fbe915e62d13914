"""The answer while it streams: each finished block rendered once, the open block as it grows.

The answer is split into blocks (mlxchat.output.markdown_blocks). A finished block is rendered once,
whole, and its rows are final; the blocks that finish in one frame are rendered together, by one
parse and one Rich render. The block still being written is rendered by the class that can go on
from where it was for its kind: code blocks line by line (code_stream), paragraphs piece by piece
(paragraph_stream), tables row by row (table_stream), lists item by item (list_stream); any other
block (quotes, headings) is rendered whole again when it changed. A block that turns out to be
something else on a later line (a paragraph that becomes a setext heading) is handed to the whole
render from that line on.

:meth:`AnswerView.frame` gives the rows that became final and the live rows, at most ``height - 1``
(the screen, less the row the cursor waits on). When the open block has more rows than that, the
top ones are made final first (they scroll away, so they can never be redrawn): each kind makes
final only rows that later text can no longer change, and code lines only after they were lexed
again together with at least ``KEEP`` rows that follow them.
"""

from __future__ import annotations

from typing import Protocol

from mlxchat.output.code_stream import CodeStream, fence_of
from mlxchat.output.list_stream import ListStream, begins_list
from mlxchat.output.markdown_blocks import MarkdownBlocks, fence_start, text_line
from mlxchat.output.markdown_render import MarkdownRenderer
from mlxchat.output.paragraph_stream import ParagraphStream
from mlxchat.output.table_stream import TableStream

KEEP = 8
"""Rows of the open block kept live when its top rows are made final."""


class OpenBlock(Protocol):
    valid: bool
    """False once a later line showed that this renderer cannot follow the block."""
    committed: int
    """Rows already made final."""

    def update(self, tail: str) -> OpenBlock: ...
    def soft_rows(self, width: int) -> list[str]: ...
    def commit(self, rows: int, width: int) -> list[str]: ...
    def finish(self, text: str, width: int) -> list[str]: ...


class WholeBlock:
    """A block rendered whole whenever it changed; it makes nothing final before it is finished,
    so when it is taller than the screen only its last rows are live. ``new_line``: what the block
    before it left (whether Rich puts an empty row above it, mlxchat.output.block_spacing)."""

    valid = True
    committed = 0

    def __init__(self, md: MarkdownRenderer, new_line: bool, skip: int = 0) -> None:
        self.md = md
        self.new_line = new_line
        self.leaves_new_line = True
        self.skip = skip  # rows a renderer before this one already made final
        self.tail = ""
        self._rendered: tuple[str, int, list[str]] = ("", 0, [])

    def update(self, tail: str) -> WholeBlock:
        self.tail = tail
        return self

    def _rows(self, text: str, width: int) -> list[str]:
        rows, self.leaves_new_line = self.md.block_rows([text], width, self.new_line)
        return rows[self.skip :]

    def soft_rows(self, width: int) -> list[str]:
        if "\n" not in self.tail and fence_start(self.tail):
            # A fence line still being written shows nothing yet: rendered, its half-written
            # language name would be looked up as a lexer (a miss scans every installed package).
            return []
        return self._cached(self.tail, width)

    def _cached(self, text: str, width: int) -> list[str]:
        text = text.rstrip("\n")  # (newlines at the end change nothing outside a code fence)
        if self._rendered[:2] != (text, width):
            self._rendered = (text, width, self._rows(text, width))
        return self._rendered[2]

    def commit(self, rows: int, width: int) -> list[str]:
        return []

    def finish(self, text: str, width: int) -> list[str]:
        return self._cached(text, width)


class AnswerView:
    """``live``: render the open block as it grows; else each block only once it is finished."""

    def __init__(self, md: MarkdownRenderer, live: bool = True) -> None:
        self.md = md
        self.live = live
        self.blocks = MarkdownBlocks()
        self.open: OpenBlock | None = None
        self._new_line = False  # Rich's empty row above the next block (mlxchat.output.block_spacing)
        self._whole_for_good = False  # the open block turned out not to be what it began as
        self._final: list[str] = []

    def feed(self, text: str) -> None:
        self._finished(self.blocks.feed(text))
        tail = self.blocks.tail
        if self.live and tail.strip():
            self.open = self._update(tail)

    def close(self) -> list[str]:
        """The stream ended (or was interrupted): what is left is the last block; all rows final."""
        self._finished(self.blocks.close())
        final, self._final = self._final, []
        return final

    def take_final(self) -> list[str]:
        """The rows of finished blocks not yet taken (without rendering the open block)."""
        final, self._final = self._final, []
        return final

    def frame(self, width: int, height: int) -> tuple[list[str], list[str]]:
        final = self.take_final()
        if self.open is None:
            return final, []
        limit = max(1, height - 1)
        soft = self.open.soft_rows(width)
        if len(soft) > limit:
            made = self.open.commit(len(soft) - min(KEEP, limit), width)
            if made:
                final += made
                soft = self.open.soft_rows(width)
            soft = soft[-limit:]
        return final, soft

    def _finished(self, blocks: list[str]) -> None:
        """Blocks that can no longer change, in order: the first ends the open block, if one is open;
        the others are rendered together, by one Rich render of their source (a short block costs
        little more than its share of one render: an instant answer finishes hundreds a frame)."""
        if not blocks:
            return
        width = self.md.width
        if self.open is not None:
            self._finish_open(blocks[0], width)
            blocks = blocks[1:]
        if blocks:
            rows, self._new_line = self.md.block_rows(blocks, width, self._new_line)
            self._final += rows
        self._whole_for_good = False

    def _finish_open(self, block: str, width: int) -> None:
        assert self.open is not None
        # Every line is complete now, which may show the block to be something else.
        self.open = self._update(block + "\n")
        rows = self.open.finish(block, width)
        if not self.open.valid:  # (found out while rendering it)
            self.open = WholeBlock(self.md, self._new_line, self.open.committed)
            rows = self.open.finish(block, width)
        self._final += rows
        # Streamed blocks (paragraphs, code, tables, lists) all leave a new line.
        self._new_line = not isinstance(self.open, WholeBlock) or self.open.leaves_new_line
        self.open = None

    def _update(self, tail: str) -> OpenBlock:
        block = self.open
        if block is None:
            block = WholeBlock(self.md, self._new_line)
        if isinstance(block, WholeBlock) and not block.skip and not self._whole_for_good:
            block = self._streaming(tail) or block
        block = block.update(tail)
        if not block.valid:
            self._whole_for_good = True
            block = WholeBlock(self.md, self._new_line, block.committed).update(tail)
        return block

    def _streaming(self, tail: str) -> OpenBlock | None:
        """The renderer that can stream this block, once its first lines tell what it is. A
        paragraph or a code block has an empty row above it when the block before left a new line;
        a table or a list always has one (mlxchat.output.block_spacing)."""
        first, newline, rest = tail.partition("\n")
        if fence_start(first):
            fence = fence_of(self.md, first) if newline else None
            return CodeStream(self.md, fence, first + "\n", self._new_line) if fence is not None else None
        if "|" in first:
            second, complete, _ = rest.partition("\n")
            head = f"{first}\n{second}\n"
            tokens = self.md.parser.parse(head) if complete else []
            if tokens and tokens[0].type == "table_open":
                return TableStream(self.md, head, separated=True)
            return None
        if text_line(first, bool(newline)):
            return ParagraphStream(self.md, self._new_line)
        marker = begins_list(first)
        return ListStream(self.md, marker, separated=True) if marker is not None else None
