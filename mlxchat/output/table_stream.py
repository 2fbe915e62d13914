"""A table while it streams: each row rendered once for as long as the column widths stay the same.

Rich sizes a table's columns from the widest cells of all its rows. The widths depend only on,
per column, the cell with the longest word and the cell with the longest text, so this keeps those
two and lets Rich compute the widths from a small table of them; each row is then rendered alone
at those widths, by Rich, as it renders inside the whole table. When a new row widens a column,
the rows still on screen are rendered again. Rows that already scrolled away keep the widths they
had (a one-shot render of a table taller than the screen can differ there, and only there).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich import box
from rich.markdown import TableElement
from rich.measure import Measurement
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from mlxchat.output.markdown_render import keep

if TYPE_CHECKING:
    from mlxchat.output.markdown_render import MarkdownRenderer

Row = list[Text]


def _table(show_header: bool) -> Table:
    """The table Rich's Markdown renders (mlxchat.output.markdown_render), without rows."""
    return Table(
        box=box.SIMPLE,
        pad_edge=False,
        style="markdown.table.border",
        show_edge=True,
        collapse_padding=True,
        show_header=show_header,
    )


class TableStream:
    def __init__(self, md: MarkdownRenderer, head: str, separated: bool) -> None:
        self.md = md
        self.head = head  # the header line and the delimiter row
        self.separated = separated
        self.valid = True
        self.header: Row = []
        self.rows: list[Row] = []  # complete rows not yet committed
        self.done = 0  # complete rows parsed, committed ones included
        self.committed = 0
        self._widest: list[tuple[int, Text, int, Text]] = []  # per column: longest word, longest text
        self._width = 0
        self._widths: list[int] = []
        self._widths_for: tuple[int, int] = (0, -1)
        self._version = 0  # counts changes of the widest cells
        self._cache: list[list[str] | None] = []
        self._head_rows: list[str] = []
        self._bottom = ""
        self.header = self._parse("")[0] or []
        for cell in self.header:
            self._widest.append((0, cell, 0, cell))

    def _parse(self, body: str) -> tuple[Row | None, list[Row]]:
        console, tokens = self.md.console, self.md.parser.parse(self.head + body)
        table = keep(console, console.options, tokens, TableElement, "table_open")
        if table is None:
            return None, []
        header = None
        if table.header is not None and table.header.row is not None:
            header = []
            for cell in table.header.row.cells:
                heading = cell.content.copy()
                heading.stylize("markdown.table.header")
                header.append(heading)
        rows = [[cell.content for cell in row.cells] for row in table.body.rows] if table.body else []
        return header, rows

    def update(self, tail: str) -> TableStream:
        body = tail[len(self.head) :]
        cut = body.rfind("\n") + 1
        complete = body[:cut].splitlines(keepends=True)[self.done :]
        if complete:
            rows = self._parse("".join(complete))[1]
            if len(rows) != len(complete):  # a line that ends the table: another block follows
                self.valid = False
                return self
            self.rows += rows
            self.done += len(complete)
            for row in rows:
                if self._measure(row):
                    self._version += 1
        return self

    # -- widths ---------------------------------------------------------------------------------

    def _measure(self, row: Row) -> bool:
        """Keep the row's cells that are widest so far; whether any was."""
        console, options = self.md.console, self.md.console.options
        changed = False
        for column, cell in enumerate(row[: len(self._widest)]):
            low, high = Measurement.get(console, options, cell)
            word, word_cell, text, text_cell = self._widest[column]
            if low > word:
                word, word_cell, changed = low, cell, True
            if high > text:
                text, text_cell, changed = high, cell, True
            self._widest[column] = (word, word_cell, text, text_cell)
        return changed

    def _compute_widths(self, width: int) -> list[int]:
        widest = self._widest
        table = _table(True)
        for heading in self.header:
            table.add_column(heading)
        table.add_row(*[entry[1] for entry in widest])
        table.add_row(*[entry[3] for entry in widest])
        options = self.md.console.options.update_width(width - table._extra_width)
        return table._calculate_column_widths(self.md.console, options)

    def _render(self, table: Table) -> list[str]:
        console = self.md.console
        options = console.options.update(
            width=sum(self._widths) + table._extra_width, height=None, highlight=table.highlight
        )
        segments = [seg for seg in table._render(console, options, self._widths) if isinstance(seg, Segment)]
        return [self.md.encode(line) for line in Segment.split_lines(segments)]

    def _body(self, rows: list[Row]) -> list[str]:
        """Body rows rendered together at the current widths (without the table's edges)."""
        table = _table(False)
        for _ in self.header:
            table.add_column()
        for row in rows:
            table.add_row(*row)
        return self._render(table)[1:-1]

    def _at(self, width: int) -> None:
        if self._widths_for != (width, self._version):
            widths = self._compute_widths(width)
            self._widths_for = (width, self._version)
        else:
            widths = self._widths
        if width != self._width or widths != self._widths:
            self._width, self._widths = width, widths
            self._cache = [None] * len(self.rows)
            table = _table(True)
            for heading in self.header:
                table.add_column(heading)
            rows = self._render(table)
            self._head_rows, self._bottom = rows[:-1], rows[-1]
        self._cache += [None] * (len(self.rows) - len(self._cache))

    def _rows_of(self, index: int) -> list[str]:
        rows = self._cache[index]
        if rows is None:
            # This row and the ones after it not yet rendered, in one table: when each takes one
            # line, the lines are theirs in order; else each is rendered alone.
            end = index + 1
            while end < len(self.rows) and self._cache[end] is None:
                end += 1
            lines = self._body(self.rows[index:end])
            if len(lines) == end - index:
                self._cache[index:end] = [[line] for line in lines]
            else:
                for at in range(index, end):
                    self._cache[at] = self._body([self.rows[at]])
            rows = self._cache[index]
            assert rows is not None
        return rows

    # -- rows -----------------------------------------------------------------------------------

    def _head(self) -> list[str]:
        if self.committed:
            return []
        return ["", *self._head_rows] if self.separated else list(self._head_rows)

    def soft_rows(self, width: int) -> list[str]:
        self._at(width)
        rows = self._head()
        for index in range(len(self.rows)):
            rows += self._rows_of(index)
        return [*rows, self._bottom]

    def commit(self, rows: int, width: int) -> list[str]:
        self._at(width)
        out = self._head()
        count = 0
        while count < len(self.rows) and len(out) < rows:
            out += self._rows_of(count)
            count += 1
        if not count:
            return []
        del self.rows[:count], self._cache[:count]
        self.committed += len(out)
        return out

    def finish(self, text: str, width: int) -> list[str]:
        return self.update(text + "\n").soft_rows(width)
