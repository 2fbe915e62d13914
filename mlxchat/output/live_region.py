"""The bottom of a terminal that is redrawn in place, and the terminal modes while it is.

A :class:`LiveRegion` writes rows (strings with their ANSI styles, each at most the terminal's width)
to one stream. Each ``draw`` adds *final* rows, which stay where they are and scroll away like any
output, and replaces the *live* rows below them. Only rows that differ from what is on screen are
rewritten, the cursor moving over the others, and nothing is written when nothing changed; each
frame is one write wrapped in DEC mode 2026 (synchronized output), so a terminal that supports it
never shows half a frame and one that does not ignores it. The cursor is hidden while live rows
are shown. A region that is not live (a dumb terminal, a file) writes final rows only.

While a live display runs, :func:`quiet_input` turns the terminal's echo off, so keys typed ahead
(and the ``^C`` of Ctrl-C) do not land in the middle of the redrawn rows: they wait, unseen, for
the next prompt, which shows them. It also sets NOFLSH, so Ctrl-C does not make the terminal drop
output it has not drawn yet (half a frame).
"""

from __future__ import annotations

import contextlib
import os
import re
import termios
from collections.abc import Iterator
from typing import IO

from rich.cells import cell_len

SYNC_BEGIN = "\x1b[?2026h"
SYNC_END = "\x1b[?2026l"
HIDE_CURSOR = "\x1b[?25l"
SHOW_CURSOR = "\x1b[?25h"
ERASE_LINE = "\x1b[2K"
ERASE_BELOW = "\x1b[J"
_ESCAPES = re.compile(r"\x1b(\[[0-9;?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\))")


def visible_width(row: str) -> int:
    """The cells a row takes on screen: its text without the escape sequences."""
    return cell_len(_ESCAPES.sub("", row))


class LiveRegion:
    def __init__(self, file: IO[str], live: bool) -> None:
        self.file = file
        self.live = live
        self.shown: list[str] = []
        self._cursor_hidden = False

    def draw(self, final: list[str], live: list[str]) -> None:
        if not self.live:
            if final:
                self._write("".join(row + "\n" for row in final))
            return
        # Unstyled spaces at the end of a row draw nothing that erasing the row did not.
        body = self._changes([row.rstrip(" ") for row in final], [row.rstrip(" ") for row in live])
        parts: list[str] = []
        if live and not self._cursor_hidden:
            parts.append(HIDE_CURSOR)
            self._cursor_hidden = True
        parts.append(body)
        if not live and self._cursor_hidden:
            parts.append(SHOW_CURSOR)
            self._cursor_hidden = False
        frame = "".join(parts)
        if frame:
            self._write(SYNC_BEGIN + frame + SYNC_END)

    def clear(self) -> None:
        """No live rows any more (what was final stays)."""
        self.draw([], [])

    def _changes(self, final: list[str], live: list[str]) -> str:
        """What turns the rows on screen into ``final`` followed by ``live``; the cursor is at the
        start of the row below the region before and after."""
        new = final + live
        old = self.shown
        self.shown = live
        same = 0
        limit = min(len(new), len(old))
        while same < limit and new[same] == old[same]:
            same += 1
        if same == len(new) == len(old):
            return ""
        parts = [f"\x1b[{len(old) - same}A"] if len(old) > same else []
        row = same
        while row < len(new):
            run = row
            while run < len(old) and run < len(new) and new[run] == old[run]:
                run += 1
            if run > row:
                parts.append(f"\x1b[{run - row}B")
                row = run
                continue
            shown = visible_width(old[row]) if row < len(old) and new[row].startswith(old[row]) else 0
            if shown:
                # The row only grew (the usual case: more words): write what is new, after the rest.
                parts.append(f"\x1b[{shown}C{new[row][len(old[row]) :]}\n")
            else:
                parts.append(ERASE_LINE + new[row] + "\n")
            row += 1
        if len(new) < len(old):
            parts.append(ERASE_BELOW)
        return "".join(parts)

    def _write(self, text: str) -> None:
        self.file.write(text)
        self.file.flush()


@contextlib.contextmanager
def quiet_input(stream: IO[str]) -> Iterator[None]:
    """Echo off and NOFLSH on for the terminal of ``stream``, if it is one and we are in its
    foreground (a background job must not touch it); the modes it had come back at the end."""
    try:
        fd = stream.fileno()
        foreground = os.isatty(fd) and os.tcgetpgrp(fd) == os.getpgrp()
        saved = termios.tcgetattr(fd) if foreground else None
    except (OSError, ValueError, AttributeError, termios.error):
        saved = None
    if saved is None:
        yield
        return
    quiet = list(saved)
    quiet[3] = (quiet[3] & ~termios.ECHO) | termios.NOFLSH
    try:
        termios.tcsetattr(fd, termios.TCSANOW, quiet)
    except termios.error:
        yield
        return
    try:
        yield
    finally:
        with contextlib.suppress(termios.error, OSError):
            termios.tcsetattr(fd, termios.TCSANOW, saved)
