"""A fenced code block while it streams: each complete line is highlighted and rendered once.

The rows are the ones Rich's Markdown renders for the finished block (its ``Syntax`` with a padding
of one), built line by line: the lexer's state is carried from line to line (mlxchat.output.code_lexing)
and each line is rendered by Rich's own ``Syntax`` given the line's tokens. The unfinished last line
is lexed and rendered again on each frame; it is one line.

Lines that are about to leave the screen are lexed once more together with everything after them
that has arrived (at least ``LOOKAHEAD`` rows), and re-rendered if that changed their tokens, so a
construct that spans lines (a block comment, a heredoc) is highlighted as a one-shot render would.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.segment import Segment
from rich.syntax import Syntax
from rich.text import Text

from mlxchat.output.code_lexing import ROOT, LineLexer, Piece, Stack
from mlxchat.output.markdown_render import TAB_SIZE

if TYPE_CHECKING:
    from markdown_it.token import Token
    from rich.style import Style

    from mlxchat.output.markdown_render import MarkdownRenderer

_CLOSING_PREFIX = re.compile(r"^ {0,3}(`+|~+)[ \t]*$")


def fence_of(md: MarkdownRenderer, line: str) -> Token | None:
    """The fence token that ``line`` opens, or None when markdown-it does not read it as a fence."""
    tokens = md.parser.parse(line if line.endswith("\n") else line + "\n")
    return tokens[0] if tokens and tokens[0].type == "fence" else None


class CodeStream:
    """The open block is a fenced code block (its first line is the fence)."""

    LOOKAHEAD = 8
    valid = True

    def __init__(self, md: MarkdownRenderer, fence: Token, fence_line: str, separated: bool) -> None:
        self.md = md
        self.theme = Syntax.get_theme(md.code_theme)
        self.base = self.theme.get_background_style()
        self.lexer = LineLexer(md.lexer((fence.info or "").partition(" ")[0] or "text"))
        self.indent = len(fence_line) - len(fence_line.lstrip(" "))
        marker = fence.markup or "```"
        self._closing = re.compile(rf"^ {{0,3}}{re.escape(marker[0])}{{{len(marker)},}}[ \t]*$")
        self.head = len(fence_line)
        self.separated = separated
        self.lines: list[str] = []  # complete code lines not yet committed, each ending in a newline
        self.pieces: list[list[Piece]] = []
        self.start: Stack = ROOT  # the state at the start of lines[0]
        self.end: Stack = ROOT  # the state after the last complete line
        self.partial = ""
        self.committed = 0  # rows handed out as final
        self._consumed = self.head
        self._width = 0
        self._rows: list[list[str] | None] = []
        self._pads: tuple[str, str] = ("", "")
        self._partial_rows: tuple[tuple[str, Stack], list[str]] = (("", ROOT), [])

    # -- text -----------------------------------------------------------------------------------

    def update(self, tail: str) -> CodeStream:
        new = tail[self._consumed :]
        self._consumed = len(tail)
        data = self.partial + new
        cut = data.rfind("\n") + 1
        self.partial = data[cut:]
        if cut:
            self._add([self._code(line) for line in data[:cut].splitlines(keepends=True)])
        return self

    def _code(self, line: str) -> str:
        """A raw line as the block's code: without the fence's indent, tabs expanded."""
        strip = min(self.indent, len(line) - len(line.lstrip(" ")))
        return line[strip:].expandtabs(TAB_SIZE)

    def _add(self, lines: list[str]) -> None:
        pieces, states = self.lexer.lex("".join(lines), self.end)
        self.lines += lines
        self.pieces += pieces
        self._rows += [None] * len(lines)
        self.end = states[-1] or ROOT

    # -- rows -----------------------------------------------------------------------------------

    def _render(self, lines: list[list[Piece]]) -> list[str]:
        """Rows for code lines, as Rich's Syntax renders them in a block: the text on the theme's
        background, wrapped at the width less a column of padding on either side."""
        texts = [self._text(pieces) for pieces in lines]
        fits = self._width - 2
        if all(cell_len(text.plain) <= fits for text in texts):
            return [self._row(text, fits) for text in texts]
        text = texts[0]
        for line in texts[1:]:
            text.append("\n")
            text.append_text(line)
        options = self.md.console.options.update(width=fits, height=None, justify="left")
        pad = Segment(" ", self.base)
        rows = self.md.console.render_lines(text, options, style=self.base, pad=True)
        return [self.md.encode([pad, *row, pad]) for row in rows]

    def _text(self, pieces: list[Piece]) -> Text:
        text = Text(justify="left", style=self.base, tab_size=TAB_SIZE, no_wrap=False)
        text.append_tokens(self._tokens(pieces))
        return text

    def _tokens(self, pieces: list[Piece]) -> Iterator[tuple[str, Style]]:
        style_for = self.theme.get_style_for_token
        return ((value.rstrip("\n"), style_for(kind)) for kind, value in pieces)

    def _row(self, text: Text, fits: int) -> str:
        """The row of a line that fits: what Rich's wrapping makes of it (the line padded with the
        background to the width), rendered without the machinery of a whole render, a third of
        its cost, on every frame of a code block."""
        text.truncate(fits, overflow="fold", pad=True)
        pad = Segment(" ", self.base)
        # (Rich renders a Text without spans in no style at all; in a block it is one span, styled.)
        line = text.render(self.md.console, end="") if text.spans else [Segment(text.plain, self.base)]
        return self.md.encode([pad, *line, pad])

    def _at(self, width: int) -> None:
        if width != self._width:
            self._width = width
            self._rows = [None] * len(self.lines)
            self._partial_rows = (("", ROOT), [])
            blank = self.md.encode([Segment(" " * width, self.base)])
            self._pads = (blank, blank)

    def _line_rows(self, index: int) -> list[str]:
        rows = self._rows[index]
        if rows is None:
            self._render_from(index)
            rows = self._rows[index]
            assert rows is not None
        return rows

    def _render_from(self, index: int) -> None:
        """Render line ``index`` and the unrendered lines after it that fit on one row each, together
        (one Syntax for a few lines costs much less than one per line)."""
        fits = self._width - 2
        end = index + 1
        if cell_len(self.lines[index]) - 1 <= fits:
            while end < len(self.lines) and self._rows[end] is None and cell_len(self.lines[end]) - 1 <= fits:
                end += 1
        rows = self._render(self.pieces[index:end])
        if end - index == 1:
            self._rows[index] = rows
        elif len(rows) == end - index:
            self._rows[index:end] = [[row] for row in rows]
        else:  # pragma: no cover - a line measured as fitting wrapped after all
            for line in range(index, end):
                self._rows[line] = self._render([self.pieces[line]])

    def _head_rows(self) -> list[str]:
        if self.committed:
            return []
        return ["", self._pads[0]] if self.separated else [self._pads[0]]

    def soft_rows(self, width: int) -> list[str]:
        self._at(width)
        rows = self._head_rows()
        for index in range(len(self.lines)):
            rows += self._line_rows(index)
        if self.partial and not _CLOSING_PREFIX.match(self.partial):
            rows += self._partial(self.partial)
        return rows

    def _partial(self, text: str) -> list[str]:
        key = (text, self.end)
        if self._partial_rows[0] != key:
            pieces, _ = self.lexer.lex(self._code(text) + "\n", self.end)
            self._partial_rows = (key, self._render(pieces[:1] or [[]]))
        return self._partial_rows[1]

    # -- committing -----------------------------------------------------------------------------

    def _relex(self, lines: list[str]) -> list[Stack | None]:
        """Lex the uncommitted lines again, with all that follows them; re-render what changed."""
        pieces, states = self.lexer.lex("".join(lines), self.start)
        for index, line_pieces in enumerate(pieces):
            if line_pieces != self.pieces[index]:
                self.pieces[index] = line_pieces
                self._rows[index] = None
        self.end = states[-1] or ROOT
        return states

    def commit(self, rows: int, width: int) -> list[str]:
        """Make at least ``rows`` rows final where that keeps ``LOOKAHEAD`` rows of code below them."""
        self._at(width)
        states = self._relex(self.lines)
        out = self._head_rows()
        count = 0
        below = sum(len(self._line_rows(i)) for i in range(len(self.lines)))
        while count < len(self.lines) and len(out) < rows:
            size = len(self._line_rows(count))
            if below - size < self.LOOKAHEAD or not self.lines[count + 1 :] or states[count] is None:
                break
            out += self._line_rows(count)
            below -= size
            count += 1
        if count == 0 and not out:
            return []
        if count:
            self.start = states[count - 1] or ROOT
        del self.lines[:count], self.pieces[:count], self._rows[:count]
        self.committed += len(out)
        return out

    def finish(self, text: str, width: int) -> list[str]:
        """The block is complete (``text``, from its fence line): every row not yet committed."""
        self.update(text + "\n")
        lines = self.lines
        if lines and self._closing.match(lines[-1][:-1]):
            lines.pop()
        while lines and not lines[-1].strip():  # Rich strips the end of a block's code
            lines.pop()
        if lines:
            lines[-1] = lines[-1].rstrip() + "\n"
        self.pieces = self.pieces[: len(lines)]
        self._rows = self._rows[: len(lines)]  # (lexed again below: the lines whose tokens changed)
        self._at(width)
        if lines:
            self._relex(lines)
        rows = self._head_rows()
        for index in range(len(lines)):
            rows += self._line_rows(index)
        if not lines and not self.committed:
            rows += self._render([[]])  # an empty block shows one empty line of code
        return [*rows, self._pads[1]]
