"""What a person ends up seeing: output read through a terminal emulator (pyte), whole screens compared.

``PtyChat`` runs ``mlxchat chat`` in a pseudo-terminal, lets a test type into it, and keeps every byte
it wrote. ``Screen.of(data)`` plays those bytes into an emulated terminal of the same size and gives
back every row, those that scrolled away included, with each cell's character and style.
``one_shot(text)`` is mlxchat's pretty output of the whole answer given at once; ``rich_whole(text)`` is
the reference both must equal: Rich's ``Markdown`` of the whole text printed once, on a console of the
same width and colours (with HTML off, as mlxchat parses it: model text is never read as HTML).
"""

from __future__ import annotations

import io
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pexpect
import pyte
from rich.console import Console
from rich.markdown import Markdown

from mlxchat.chat.events import Done, Event, Response, Timing
from mlxchat.output.markdown_render import make_parser
from mlxchat.output.pretty import PrettyRenderer
from tests.fixtures.common import REPO

ROWS, COLS = 30, 90
Cell = tuple[str, str, str, bool, bool, bool, bool]
_BLANK: Cell = (" ", "default", "default", False, False, False, False)


def _cells(line: Any, cols: int) -> tuple[Cell, ...]:
    chars = (line[x] for x in range(cols))
    return tuple((c.data, c.fg, c.bg, c.bold, c.italics, c.underscore, c.reverse) for c in chars)


@dataclass
class Screen:
    rows: list[str]
    """Every row, scrolled away or on screen, without trailing spaces (unstyled blank rows at the
    end dropped)."""
    cells: list[tuple[Cell, ...]]
    visible_from: int
    """Index in ``rows`` of the first row still on the screen."""

    @classmethod
    def of(cls, data: bytes, cols: int = COLS, rows: int = ROWS) -> Screen:
        screen = pyte.HistoryScreen(cols, rows, history=100_000)
        pyte.ByteStream(screen).feed(data)
        lines = list(screen.history.top) + [screen.buffer[y] for y in range(rows)]
        texts = ["".join(line[x].data for x in range(cols)).rstrip() for line in lines]
        cells = [_cells(line, cols) for line in lines]
        visible_from = len(screen.history.top)
        while texts and not texts[-1] and all(cell == _BLANK for cell in cells[-1]):
            texts.pop()
            cells.pop()
        return cls(texts, cells, visible_from)

    @property
    def text(self) -> str:
        return "\n".join(self.rows)

    @property
    def visible(self) -> list[str]:
        return self.rows[self.visible_from :]


def one_shot(text: str, cols: int = COLS, *, color: bool = True) -> bytes:
    """The pretty output of ``text`` given as one answer, as the terminal receives it (CR LF)."""
    return render_events([Response(text), Done("stop", None, Timing())], cols, color=color)


def rich_whole(text: str, cols: int = COLS, *, color: bool = True) -> bytes:
    """Rich rendering the whole of ``text`` once, as the terminal receives it (CR LF)."""
    buffer = io.StringIO()
    markdown = Markdown(text)
    markdown.parsed = make_parser().parse(text)  # Rich's parser, with HTML off
    console_for(buffer, cols, color=color).print(markdown)
    return buffer.getvalue().replace("\n", "\r\n").encode()


def console_for(buffer: io.StringIO, cols: int, *, color: bool) -> Console:
    """A console as mlxchat's on a truecolor terminal (or one without colour), writing to ``buffer``."""
    return Console(
        file=buffer,
        width=cols,
        force_terminal=color,
        force_interactive=False,
        color_system="truecolor" if color else None,
        no_color=not color,
        legacy_windows=False,
    )


def render_events(events: list[Event], cols: int = COLS, *, color: bool = True) -> bytes:
    buffer = io.StringIO()
    console = console_for(buffer, cols, color=color)
    renderer = PrettyRenderer(console, console)
    for event in events:
        renderer.handle(event)
    renderer.close()
    return buffer.getvalue().replace("\n", "\r\n").encode()


class PtyChat:
    """``mlxchat chat ARGS`` in a pseudo-terminal of ``rows`` x ``cols`` (a truecolor xterm)."""

    def __init__(
        self, home: Path, *args: str, env: dict[str, str] | None = None, rows: int = ROWS, cols: int = COLS
    ) -> None:
        base = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "COLORTERM")}
        # Truecolor, as every console of the suite: Rich keeps a style's codes for the first colour
        # system it was rendered for, so one process must not mix them.
        full_env: dict[str, Any] = {
            **base,
            "MLXCHAT_HOME": str(home),
            "TERM": "xterm-256color",
            "COLORTERM": "truecolor",
        }
        full_env.update(env or {})
        self.rows, self.cols = rows, cols
        self.log = io.BytesIO()
        self.child = pexpect.spawn(
            sys.executable,
            ["-m", "mlxchat", "chat", *args],
            env=full_env,
            cwd=str(REPO),
            dimensions=(rows, cols),
            timeout=60,
        )
        self.child.logfile_read = self.log

    @property
    def output(self) -> bytes:
        return self.log.getvalue()

    def screen(self) -> Screen:
        return Screen.of(self.output, self.cols, self.rows)

    def wait_for(self, text: str, timeout: float = 60) -> None:
        """Read until ``text`` shows on the emulated screen (however the program drew it)."""
        deadline = time.monotonic() + timeout
        while text not in self.screen().text:
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} never showed; the screen:\n{self.screen().text}")
            try:
                self.child.read_nonblocking(1 << 16, timeout=0.1)
            except pexpect.TIMEOUT:
                continue
            except pexpect.EOF:
                raise AssertionError(f"{text!r} never showed before the end:\n{self.screen().text}") from None

    def finish(self, timeout: float = 60) -> Screen:
        """Read to the end; the exit status is in ``exitstatus``."""
        self.child.expect(pexpect.EOF, timeout=timeout)
        self.child.close()
        return self.screen()

    @property
    def exitstatus(self) -> int | None:
        status = self.child.exitstatus
        return None if status is None else int(status)
