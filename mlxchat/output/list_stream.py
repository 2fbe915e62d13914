"""A list while it streams: each finished item rendered once, only the item being written again.

Rich renders a list item by item (a bullet, or a number whose width follows the list's last
number, then the item's own blocks), so a list's rows are its items' rows one after another. An
item is finished once the next one has begun: a line with the list's marker indented less than
the item's text (CommonMark's rule, mlxchat.output.markdown_blocks.list_marker; indented as far,
it begins a list nested in the item). A marker still without its text is left out of the item
being written until it shows what it begins. Each item is parsed and rendered alone, by Rich, as
it renders inside the list. A numbered list that reaches 10 (100, ...) items renders the items
still on screen again with the wider numbers; rows that already scrolled away keep the narrower
ones.

Anything this does not follow (another kind of marker, which starts another list; lines that
hold more than one item, or more than the list) hands the block back to a whole render
(``valid`` turns False).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.markdown import ListElement, ListItem
from rich.segment import Segment

from mlxchat.output.markdown_blocks import ListMarker, item_may_begin, list_marker
from mlxchat.output.markdown_render import keep, strip_empty

if TYPE_CHECKING:
    from markdown_it.token import Token

    from mlxchat.output.markdown_render import MarkdownRenderer


def begins_list(line: str) -> ListMarker | None:
    """The marker of ``line`` if it begins a list item with something in it (a bare ``-`` may
    still become a rule)."""
    marker = list_marker(line)
    return marker if marker is not None and marker.text else None


class ListStream:
    def __init__(self, md: MarkdownRenderer, first: ListMarker, separated: bool) -> None:
        self.md = md
        self.separated = separated
        self.valid = True
        self.kind = first.kind
        self.start = first.number
        self.content_indent = first.content  # of the item being written
        self.items: list[str] = []  # finished items not yet committed
        self.done = 0  # finished items, committed ones included
        self.open_item = ""
        self.committed = 0
        self._scanned = 0  # characters of the tail split into items
        self._item_start = 0
        self._cache: list[tuple[int, int, list[str]] | None] = []
        self._open_rows: tuple[str, int, int, list[str]] = ("", 0, 0, [])

    def update(self, tail: str) -> ListStream:
        cut = tail.rfind("\n") + 1
        while self._scanned < cut:
            end = tail.index("\n", self._scanned) + 1
            self._line(tail, self._scanned, end)
            self._scanned = end
        partial = tail[self._scanned :]
        held = 0
        if begins_list(partial):
            self._item_at(partial, tail, self._scanned)  # the next item may have begun on this line
        elif item_may_begin(partial):
            held = len(partial)  # ("-" alone: it shows once it tells whether it begins an item)
        self.open_item = tail[self._item_start : len(tail) - held]
        return self

    def _line(self, tail: str, start: int, end: int) -> None:
        if start > self._item_start:
            self._item_at(tail[start:end], tail, start)

    def _item_at(self, line: str, tail: str, start: int) -> None:
        """Close the item being written if ``line`` (at ``start``) begins the next one: the list's
        marker, indented less than the item's text (indented as much, it begins an item nested in
        it). Another kind of marker starts another list, which this does not follow."""
        marker = list_marker(line)
        if marker is None or marker.indent >= self.content_indent:
            return
        if marker.kind != self.kind:
            self.valid = False
            return
        self.content_indent = marker.content
        self._close_item(tail, start)

    def _close_item(self, tail: str, start: int) -> None:
        if start > self._item_start:
            self.items.append(tail[self._item_start : start])
            self._cache.append(None)
            self.done += 1
            self._item_start = start

    # -- rows -----------------------------------------------------------------------------------

    def _last_number(self) -> int:
        """The number Rich sizes the numbers by: the first one plus the count of items."""
        return (self.start if self.start is not None else 1) + self.done + 1

    def _render(self, source: str, index: int, width: int) -> list[str]:
        tokens = self.md.parser.parse(source)
        if not _one_list(tokens):  # the item's lines hold more than the item (a heading after it)
            self.valid = False
            return self.md.block_lines(source, width)
        console = self.md.console
        options = console.options.update(width=width, height=None)
        kept = keep(console, options, tokens, ListElement, "bullet_list_open", "ordered_list_open")
        if kept is None or len(kept.items) != 1:
            self.valid = False
            return self.md.block_lines(source, width)
        item: ListItem = kept.items[0]
        if self.start is None:
            rendered = item.render_bullet(console, options)
        else:
            rendered = item.render_number(console, options, self.start + index, self._last_number())
        segments = [segment for segment in rendered if isinstance(segment, Segment)]
        lines = Segment.split_and_crop_lines(segments, width, pad=False, include_new_lines=False)
        return self.md.encode_lines(strip_empty(list(lines)))

    def _item_rows(self, at: int, width: int) -> list[str]:
        index = self.done - len(self.items) + at
        key = (width, len(str(self._last_number())))
        cached = self._cache[at]
        if cached is None or cached[:2] != key:
            cached = self._cache[at] = (*key, self._render(self.items[at], index, width))
        return cached[2]

    def _open(self, width: int) -> list[str]:
        key = (self.open_item, width, len(str(self._last_number())))
        if self._open_rows[:3] != key:
            rows = self._render(self.open_item, self.done, width) if self.open_item.strip() else []
            self._open_rows = (*key, rows)
        return self._open_rows[3]

    def _head(self) -> list[str]:
        return [""] if self.separated and not self.committed else []

    def soft_rows(self, width: int) -> list[str]:
        rows = self._head()
        for at in range(len(self.items)):
            rows += self._item_rows(at, width)
        return rows + self._open(width)

    def commit(self, rows: int, width: int) -> list[str]:
        out = self._head()
        count = 0
        while count < len(self.items) and len(out) < rows:
            out += self._item_rows(count, width)
            count += 1
        if not count:
            return []
        del self.items[:count], self._cache[:count]
        self.committed += len(out)
        return out

    def finish(self, text: str, width: int) -> list[str]:
        return self.update(text + "\n").soft_rows(width)


def _one_list(tokens: list[Token]) -> bool:
    """Whether ``tokens`` are one list and nothing after it."""
    if not tokens or tokens[0].type not in ("bullet_list_open", "ordered_list_open"):
        return False
    depth = 0
    for index, token in enumerate(tokens):
        depth += token.nesting
        if depth == 0:
            return index == len(tokens) - 1
    return False
