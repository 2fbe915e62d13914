"""A paragraph while it streams: its text parsed piece by piece, its lines wrapped once each.

Rich renders a paragraph as one Text (the inline Markdown, parsed) wrapped greedily into lines. Both
steps can go on from where they were:

- the source is cut, at a space, into pieces that parse alone exactly as they parse inside the
  paragraph: a piece whose parsed text keeps no ``*``, ``_``, ``~``, backquote or ``[`` that could
  open something later text closes (or, when it does keep one, once the ``LONG_LOOKAHEAD``
  characters after it show that nothing did), so only the text after the last cut is parsed again;
- greedy wrapping decides a line once the word after it is complete, so decided lines are kept as
  rows and only the text from the first undecided line on is wrapped again.

A paragraph can still turn into something else: a setext heading (``===`` or ``---`` under it) or
a table (a delimiter row under its first line). A line after the first that is anything but more
paragraph text hands the block back to a whole render (``valid`` turns False); a new line whose
first characters do not yet tell is not shown until they do.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from rich._wrap import divide_line
from rich.text import Text

from mlxchat.output.markdown_blocks import text_line

if TYPE_CHECKING:
    from mlxchat.output.markdown_render import MarkdownRenderer

LOOKAHEAD = 48
"""Characters after a cut before the piece before it is cut off."""
LONG_LOOKAHEAD = 2048
"""Characters after a cut before a piece that keeps a possible opener is checked and cut off."""
_SPECIAL = re.compile(r"[*_~`\[\]\\<&!\n]")
_CUT = re.compile(r"(?<=\S) (?=\S)")


def _may_open(plain: str) -> bool:
    """Whether parsed text still holds a mark that text after it could pair with."""
    for index, char in enumerate(plain):
        if char in "[`":
            return True
        after = plain[index + 1 : index + 2]
        if char == "~" and after == "~":
            return True
        if char in "*_" and after.strip():
            before = plain[index - 1 : index]
            if not (char == "_" and before.isalnum() and after.isalnum()):
                return True
    return False


class ParagraphStream:
    def __init__(self, md: MarkdownRenderer, separated: bool) -> None:
        self.md = md
        self.separated = separated
        self.valid = True
        self.source = ""
        self.cut = 0  # where the text parsed again on every frame begins, in ``source``
        self.settled = Text()  # parsed text from the first undecided line to the cut
        self.decided = Text()  # the text of the decided rows not yet committed
        self.rows: list[str] = []  # those rows
        self.committed = 0
        self._width = 0
        self._open = ("", Text())
        self._live_rows: tuple[tuple[Text | None, Text | None, int], list[str]] = ((None, None, 0), [])
        self._plain_is_unstyled = not md.inline_text("a").spans

    def update(self, tail: str) -> ParagraphStream:
        text = tail.lstrip(" ")
        lines = text.split("\n")
        if any(text_line(line, True) is not True for line in lines[1:-1]):
            self.valid = False
        last = lines[-1]
        if len(lines) > 1 and text_line(last, False) is not True:
            text = text[: len(text) - len(last)]  # a line that may yet be something else waits
        self.source = text
        return self

    # -- parsing --------------------------------------------------------------------------------

    def _piece(self, piece: str, rest: str) -> Text | None:
        """``piece`` (the start of ``rest``) parsed alone, if that is how it parses in the paragraph."""
        if not _SPECIAL.search(piece) and self._plain_is_unstyled:
            return Text(piece)
        alone = self.md.inline_text(piece)
        if not _may_open(alone.plain):
            return alone
        if len(rest) - len(piece) < LONG_LOOKAHEAD or not _starts_with(self.md.inline_text(rest), alone):
            return None
        return alone

    def _advance_cut(self) -> None:
        rest = self.source[self.cut :]
        candidate = None
        for match in _CUT.finditer(rest, 0, max(0, len(rest) - LOOKAHEAD)):
            candidate = match.end()
        if candidate is None:
            return
        piece = self._piece(rest[:candidate], rest)
        if piece is not None:
            self.settled = self.settled + piece
            self.cut += candidate

    def _open_text(self) -> Text:
        source = self.source[self.cut :].rstrip()
        if self._open[0] != source:
            plain = not _SPECIAL.search(source) and self._plain_is_unstyled
            self._open = (source, Text(source) if plain else self.md.inline_text(source))
        return self._open[1]

    # -- rows -----------------------------------------------------------------------------------

    def _at(self, width: int) -> None:
        if width != self._width:
            self._width = width
            self.settled = self.decided + self.settled
            self.decided, self.rows = Text(), []

    def _settle(self) -> None:
        """Rows for the lines that later text can no longer change (all but the last one)."""
        plain = self.settled.plain
        line_start = plain.rfind("\n") + 1
        offsets = divide_line(plain[line_start:], self._width, fold=True)
        end = line_start + offsets[-1] if offsets else line_start
        if end:
            done = self.settled[: end - 1 if end == line_start else end]
            self.rows += self._wrap(done)
            self.decided = self.decided + self.settled[:end]
            self.settled = self.settled[end:]

    def _wrap(self, text: Text) -> list[str]:
        return [self.md.text_line(line) for line in self.md.wrap(text, self._width)]

    def _head(self) -> list[str]:
        return [""] if self.separated and not self.committed else []

    def _decide(self, width: int) -> None:
        self._at(width)
        self._advance_cut()
        self._settle()

    def _live(self) -> list[str]:
        """The rows of the text from the first undecided line on, wrapped once for each text."""
        open_text = self._open_text()
        (settled, shown, width), rows = self._live_rows
        if settled is not self.settled or shown is not open_text or width != self._width:
            rows = self._wrap(self.settled + open_text)
            self._live_rows = ((self.settled, open_text, self._width), rows)
        return rows

    def soft_rows(self, width: int) -> list[str]:
        self._decide(width)
        return self._head() + self.rows + self._live()

    def commit(self, rows: int, width: int) -> list[str]:
        self._decide(width)
        head = self._head()
        take = min(len(self.rows), max(0, rows - len(head)))
        if not take:
            return []
        out = head + self.rows[:take]
        del self.rows[:take]
        self.committed += len(out)
        self.decided = Text()  # (only re-wrapped after a resize, which cannot redo committed rows)
        return out

    def finish(self, text: str, width: int) -> list[str]:
        return self.update(text + "\n").soft_rows(width)


def _starts_with(whole: Text, part: Text) -> bool:
    """Whether ``whole`` begins with exactly ``part``: the same characters, styled the same way."""
    end = len(part.plain)
    if whole.plain[:end] != part.plain:
        return False
    inside = [span for span in whole.spans if span.start < end]
    return all(span.end <= end for span in inside) and inside == [s for s in part.spans if s.start < end]
