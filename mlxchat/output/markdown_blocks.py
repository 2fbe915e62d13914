"""Split a Markdown answer that arrives in chunks into finished blocks and the block still being written.

Re-parsing the whole answer on every chunk makes live rendering quadratic. Instead, a block is
handed out once it can no longer change, so it is rendered exactly once; only the unfinished tail
is rendered while it grows (mlxchat.output.live_answer).

A block ends:
- at a blank line outside a code fence, once the next non-blank line shows it does not continue
  the block (an indented line after a blank line continues a list item, for example; an item of
  the same kind continues a list whose items are apart by blank lines, which is one list);
- right after the closing line of a fenced code block that opened the block (one inside a list
  item leaves the list open);
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
from dataclasses import dataclass

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_HEADING = re.compile(r"^ {0,3}#{1,6}(\s|$)")
_INTERRUPTS = re.compile(r"^ {0,3}([-+*][ \t]+\S|1[.)][ \t]+\S|>|#{1,6}(\s|$)|([-*_])([ \t]*\3){2,}[ \t]*$)")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_BLOCK_START = re.compile(r"^( {0,3}([-+*](\s|$)|\d{1,9}[.)](\s|$)|>|#{1,6}(\s|$)|```|~~~)| {4}|\t)")
_MAYBE_BLOCK_START = re.compile(r"^ {0,3}(([-*_=+])([ \t]*\2)*[ \t]*|\d{1,9}[.)]?|#{1,6}|`{1,2}|~{1,2})$")
_SPACE = re.compile(r"^\s*$")
_LIST_ITEM = re.compile(r"^( {0,3})([-+*]|(\d{1,9})([.)]))(?=[ \t\n]|$)")
_RULE = re.compile(r"^ {0,3}([-*_])([ \t]*\1){2,}[ \t]*$")
_NUMBER_SO_FAR = re.compile(r"^ {0,3}\d{1,9}$")


@dataclass(frozen=True)
class ListMarker:
    """The start of a list item, by CommonMark's rules."""

    indent: int
    """Spaces before the marker."""
    kind: str
    """What makes another item of the same list: the bullet, or the number's ``.`` or ``)``."""
    number: int | None
    """The number of an item of a numbered list."""
    content: int
    """Where the item's text starts: a line indented less is not in the item."""
    text: bool
    """Whether text follows the marker on its line."""


def list_marker(line: str) -> ListMarker | None:
    """The list item that ``line`` begins, if it begins one. The item's text starts after the spaces
    after the marker, when they are one to four; after one when there are more (the rest indent a
    code block in the item) or when nothing follows the marker."""
    match = _LIST_ITEM.match(line)
    if match is None or _RULE.match(line.rstrip("\n")):
        return None
    after = line[match.end() :].rstrip("\n")
    text = after.lstrip(" \t")
    spaces = len(after) - len(text)
    content = match.end() + (spaces if text and spaces <= 4 else 1)
    number = int(match.group(3)) if match.group(3) else None
    return ListMarker(len(match.group(1)), match.group(4) or match.group(2), number, content, bool(text))


def item_may_begin(partial: str) -> bool:
    """Whether a line still being written may turn out to begin a list item: a marker with nothing
    after it yet, or a number still without its ``.`` or ``)``."""
    marker = list_marker(partial)
    return (marker is not None and not marker.text) or bool(_NUMBER_SO_FAR.match(partial))


def list_kind(line: str) -> str | None:
    marker = list_marker(line)
    return None if marker is None else marker.kind


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
        self._list: str | None = None  # the open block is a list of this kind (see list_kind)
        self._item_indent = 0  # where the text of the open list's last item starts

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
        partial = self._partial
        if self._pending_blank and partial and not partial[0].isspace() and not self._may_go_on(partial):
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
        self._paragraph, self._list = False, None
        return [rest] if rest.strip() else []

    def _list_item(self, line: str) -> None:
        marker = list_marker(line)
        if marker is not None:
            self._list, self._item_indent = marker.kind, marker.content

    def _may_go_on(self, partial: str) -> bool:
        """Whether a line after a blank line, still being written, may be the open list's next item."""
        if self._list is None:
            return False
        if self._list in ".)":
            return bool(_NUMBER_SO_FAR.match(partial)) or list_kind(partial) == self._list
        # A bullet alone, or with spaces after it, may still turn out an item or a rule (``* * *``).
        return partial[0] == self._list and (len(partial) == 1 or partial[1] in " \t")

    def _flush(self, finished: list[str]) -> None:
        block = "".join(self._lines).strip("\n")
        if block.strip():
            finished.append(block)
        self._lines = []
        self._pending_blank = False
        self._paragraph = False
        self._list = None

    def _closes_fence(self, line: str) -> bool:
        match = _FENCE.match(line)
        if not match or self._fence is None:
            return False
        marker = match.group(1)
        same_kind = marker[0] == self._fence[0] and len(marker) >= len(self._fence)
        return same_kind and not line[match.end() :].strip()

    def _continues(self, line: str, fence: bool) -> bool:
        """Whether ``line`` (not blank, outside a fence) goes on with the open block."""
        if self._pending_blank:
            continues = line[0].isspace() or (self._list is not None and list_kind(line) == self._list)
        else:
            continues = not fence
        return continues and not (self._paragraph and _INTERRUPTS.match(line) and not _SETEXT.match(line))

    def _line(self, line: str, finished: list[str]) -> None:
        if self._fence is not None:
            self._lines.append(line)
            if self._closes_fence(line):
                self._fence = None
                if fence_start(self._lines[0]):  # (else the fence is inside a list item)
                    self._flush(finished)
            return
        if not line.strip():
            if self._lines:
                self._pending_blank = True
                self._lines.append(line)
            return
        fence = _FENCE.match(line)
        if self._lines and not self._continues(line, bool(fence)):
            self._flush(finished)
        first = not self._lines
        if self._pending_blank:
            # A paragraph never goes on after a blank line: the block is more than one now (a list
            # after a paragraph, say), and what interrupts a paragraph may be inside its list item.
            self._paragraph = False
        self._pending_blank = False
        self._lines.append(line)
        if fence:
            self._fence = fence.group(1)
        elif _HEADING.match(line):
            self._flush(finished)
        elif first:
            self._paragraph = text_line(line, True) is True
            self._list_item(line)
        elif self._paragraph and _SETEXT.match(line):
            self._flush(finished)
        elif self._list is None or len(line) - len(line.lstrip(" ")) < self._item_indent:
            # A list that begins inside the block (after a table, say), or another kind of marker,
            # which starts another list. (Joining blocks is always safe; splitting one is not.)
            self._list_item(line)
