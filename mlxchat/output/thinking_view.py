"""What shows while the model reasons: a spinner, "Thinking...", and the end of the reasoning, dimmed.

Only the last screenful of the reasoning is shown, and only the end of it is wrapped again on each
frame (from a row start that moves on as the reasoning grows), so a long reasoning costs the same
per frame as a short one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich._wrap import divide_line
from rich.spinner import Spinner
from rich.text import Text

if TYPE_CHECKING:
    from mlxchat.output.markdown_render import MarkdownRenderer

STYLE = "dim"


def row_starts(plain: str, width: int) -> list[int]:
    """Where each row of ``plain`` wrapped at ``width`` begins (as Rich's Text.wrap wraps it)."""
    starts: list[int] = []
    line = 0
    while True:
        end = plain.find("\n", line)
        piece = plain[line:] if end < 0 else plain[line:end]
        starts.append(line)
        starts += [line + offset for offset in divide_line(piece, width, fold=True)]
        if end < 0:
            return starts
        line = end + 1


class ThinkingView:
    def __init__(self, md: MarkdownRenderer, show_text: bool) -> None:
        self.md = md
        self.show_text = show_text
        self.spinner = Spinner("dots", text="Thinking...", style="cyan")
        self._chunks: list[str] = []
        self._text = ""
        self._start = 0  # where the shown end of the reasoning begins
        self._width = 0

    def feed(self, text: str) -> None:
        self._chunks.append(text)

    @property
    def text(self) -> str:
        if self._chunks:
            self._text += "".join(self._chunks)
            self._chunks = []
        return self._text

    def rows(self, width: int, height: int, now: float) -> list[str]:
        spinner = self.md.encode_lines(self.md.render(self.spinner.render(now), width))[:1]
        limit = max(1, height - 2)
        if not self.show_text:
            return spinner
        text = self.text.lstrip("\n")
        if width != self._width:
            self._width = width
            start = len(text)
            for _ in range(limit + 1):
                start = text.rfind("\n", 0, start)
                if start < 0:
                    break
            self._start = start + 1
        view = text[self._start :]
        starts = row_starts(view, width)
        if len(starts) > 2 * limit:
            drop = starts[len(starts) - limit]
            self._start += drop
            view = view[drop:]
        lines = self.md.wrap(Text(view, style=STYLE), width)
        return spinner + [self.md.text_line(line) for line in lines[-limit:]]

    def kept_rows(self, width: int) -> list[str]:
        """The whole reasoning, to stay on screen (--show-thinking, or an interrupted reasoning)."""
        text = self.text.strip("\n")
        if not text:
            return []
        return self.md.encode_lines(self.md.render(Text(text, style=STYLE), width))
