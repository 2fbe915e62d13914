"""Split a Markdown answer that arrives in chunks into finished blocks and the block still being written.

Re-parsing the whole answer on every chunk makes live rendering quadratic. Instead, a block is
handed out once it can no longer change, so it is rendered exactly once; only the unfinished tail
is rendered while it grows (mlxchat.output.live_answer).

A block ends:
- at a blank line outside a code fence, once the next non-blank line shows it does not continue
  the block (an indented line after a blank line continues a list item, for example);
- right after the closing line of a fenced code block;
- before a line that opens a fenced code block (a fence may interrupt a paragraph);
- after an ATX heading line (``# ...``), which is always a block of its own;
- in a paragraph: before a line that starts a list item, a quote, a heading or a thematic break
  (each interrupts a paragraph), and after a setext underline (``===`` or ``---``), which turns the
  paragraph into a heading.

The split is conservative: when in doubt, text stays in the tail, which is always correct, only
slower to render.
"""

from __future__ import annotations

import re

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_HEADING = re.compile(r"^ {0,3}#{1,6}(\s|$)")
_INTERRUPTS = re.compile(r"^ {0,3}([-+*][ \t]+\S|1[.)][ \t]+\S|>|#{1,6}(\s|$)|([-*_])([ \t]*\3){2,}[ \t]*$)")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_BLOCK_START = re.compile(r"^( {0,3}([-+*](\s|$)|\d{1,9}[.)](\s|$)|>|#{1,6}(\s|$)|```|~~~)| {4}|\t)")
_MAYBE_BLOCK_START = re.compile(r"^ {0,3}(([-*_=+])([ \t]*\2)*[ \t]*|\d{1,9}[.)]?|#{1,6}|`{1,2}|~{1,2})$")
_SPACE = re.compile(r"^\s*$")


def text_line(line: str, complete: bool) -> bool | None:
    """Whether ``line`` is ordinary paragraph text: True, False, or None while a partial line
    could still turn out to start something else (``-`` might become ``- item`` or ``---``)."""
    line = line.rstrip("\n")
    if _SPACE.match(line) or "|" in line:
        return False
    if _MAYBE_BLOCK_START.match(line):
        return False if complete else None
    return not _BLOCK_START.match(line)


def fence_start(line: str) -> bool:
    return bool(_FENCE.match(line))


class MarkdownBlocks:
    def __init__(self) -> None:
        self._partial = ""  # the current line, not yet ended by a newline
        self._lines: list[str] = []  # complete lines of the open block
        self._pending_blank = False  # the open block may have ended at a blank line
        self._fence: str | None = None  # the fence that opened the current code block
        self._paragraph = False  # the open block is a paragraph (other blocks may interrupt it)

    def feed(self, text: str) -> list[str]:
        """Add text; return the blocks this completed, in order (each without trailing blank lines)."""
        finished: list[str] = []
        data = self._partial + text
        start = 0
        while True:
            end = data.find("\n", start)
            if end < 0:
                break
            self._line(data[start : end + 1], finished)
            start = end + 1
        self._partial = data[start:]
        if self._pending_blank and self._partial and not self._partial[0].isspace():
            # The next line has begun and is not indented: the open block cannot continue.
            self._flush(finished)
        return finished

    @property
    def tail(self) -> str:
        """The text of the block still being written (may be empty)."""
        return "".join(self._lines) + self._partial

    def close(self) -> list[str]:
        """The stream ended: whatever is left is the last block."""
        rest = self.tail.strip("\n")
        self._lines, self._partial, self._pending_blank, self._fence = [], "", False, None
        self._paragraph = False
        return [rest] if rest.strip() else []

    def _flush(self, finished: list[str]) -> None:
        block = "".join(self._lines).strip("\n")
        if block.strip():
            finished.append(block)
        self._lines = []
        self._pending_blank = False
        self._paragraph = False

    def _closes_fence(self, line: str) -> bool:
        match = _FENCE.match(line)
        if not match or self._fence is None:
            return False
        marker = match.group(1)
        same_kind = marker[0] == self._fence[0] and len(marker) >= len(self._fence)
        return same_kind and not line[match.end() :].strip()

    def _line(self, line: str, finished: list[str]) -> None:
        if self._fence is not None:
            self._lines.append(line)
            if self._closes_fence(line):
                self._fence = None
                self._flush(finished)
            return
        if not line.strip():
            if self._lines:
                self._pending_blank = True
                self._lines.append(line)
            return
        fence = _FENCE.match(line)
        continues = line[0].isspace() if self._pending_blank else not fence
        if self._paragraph and continues and _INTERRUPTS.match(line) and not _SETEXT.match(line):
            continues = False
        if self._lines and not continues:
            self._flush(finished)
        first = not self._lines
        self._pending_blank = False
        self._lines.append(line)
        if fence:
            self._fence = fence.group(1)
        elif _HEADING.match(line):
            self._flush(finished)
        elif first:
            self._paragraph = text_line(line, True) is True
        elif self._paragraph and _SETEXT.match(line):
            self._flush(finished)
