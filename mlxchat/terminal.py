"""The facts about the terminal, decided in one place, and every message mlxchat writes to stderr.

stdout carries data only (answers, JSON, NDJSON). Progress, warnings, errors and hints go to
stderr. Colour follows NO_COLOR / FORCE_COLOR / TERM=dumb and whether stderr is a terminal.
The core never prints: commands hand its results to this module or to mlxchat.output.
"""

from __future__ import annotations

import errno
import io
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from rich.console import Console


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False


STDOUT_HINT = "stdout must be open and writable (redirect it to a file or /dev/null)"


@contextmanager
def stdout_guard(name: str = "stdout", hint: str = STDOUT_HINT) -> Iterator[None]:
    """Turn a broken pipe on stdout into OutputClosed, which the CLI boundary ends quietly with 0,
    and any other failure to write it (closed, full) into OutputFailed (exit 2, a clear message).
    ``name`` and ``hint``: for data written to a file instead (``-o FILE``)."""
    from mlxchat.errors import OutputClosed, OutputFailed

    try:
        yield
    except BrokenPipeError:
        raise OutputClosed(f"{name} was closed") from None
    except OSError as exc:
        raise OutputFailed(f"cannot write to {name}: {exc.strerror or exc}", hint=hint) from None


class _ClosedOutput(io.RawIOBase):
    """What stdout is when the process started without one (``>&-``): every write fails (EBADF)."""

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        raise OSError(errno.EBADF, "stdout is closed")


def process_stdout() -> TextIO:
    """sys.stdout, or a stream whose writes fail when the process has none (Python sets it to None)."""
    if sys.stdout is not None:
        return sys.stdout
    return io.TextIOWrapper(io.BufferedWriter(_ClosedOutput()), encoding="utf-8")


def color_wanted(is_tty: bool, env: Mapping[str, str] = os.environ) -> bool:
    """NO_COLOR wins, then FORCE_COLOR, then TERM=dumb, then whether the stream is a terminal."""
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR"):
        return True
    if env.get("TERM") == "dumb":
        return False
    return is_tty


class Terminal:
    """The process's streams and environment (a plain class: ``history list`` and ``search`` start
    without loading ``dataclasses``)."""

    def __init__(
        self,
        stdout: TextIO | None = None,
        stderr: TextIO | None = None,
        stdin: TextIO | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.stdout = process_stdout() if stdout is None else stdout
        self.stderr = sys.stderr if stderr is None else stderr
        self.stdin = sys.stdin if stdin is None else stdin
        self.env = os.environ if env is None else env
        """Where NO_COLOR, FORCE_COLOR and TERM are read."""
        self._err_console: Console | None = None
        self._out_console: Console | None = None

    @property
    def stdout_isatty(self) -> bool:
        return _isatty(self.stdout)

    @property
    def stderr_isatty(self) -> bool:
        return _isatty(self.stderr)

    @property
    def stdin_isatty(self) -> bool:
        return _isatty(self.stdin)

    @property
    def stderr_color(self) -> bool:
        return color_wanted(self.stderr_isatty, self.env)

    @property
    def stdout_color(self) -> bool:
        return color_wanted(self.stdout_isatty, self.env)

    def err_console(self) -> Console:
        """A Rich console on stderr (spinners, thinking, error panels); created on first use."""
        if self._err_console is None:
            self._err_console = self._console(self.stderr, self.stderr_color, soft_wrap=True)
        return self._err_console

    def out_console(self) -> Console:
        """A Rich console on stdout, for pretty answers only (stdout carries nothing else)."""
        if self._out_console is None:
            self._out_console = self._console(self.stdout, self.stdout_color, soft_wrap=False)
        return self._out_console

    @staticmethod
    def _console(stream: TextIO, color: bool, *, soft_wrap: bool) -> Console:
        from rich.console import Console

        return Console(
            file=stream,
            force_terminal=True if color else None,
            no_color=not color,
            highlight=False,
            soft_wrap=soft_wrap,
        )

    def _styled(self, text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.stderr_color else text

    def _say(self, line: str) -> None:
        try:
            self.stderr.write(line + "\n")
            self.stderr.flush()
        except (BrokenPipeError, ValueError):
            pass

    def info(self, message: str) -> None:
        self._say(message)

    def warn(self, message: str) -> None:
        self._say(f"{self._styled('warning:', '33;1')} {message}")

    def error(self, message: str, hint: str | None = None) -> None:
        self._say(f"{self._styled('error:', '31;1')} {message}")
        if hint:
            self._say(f"{self._styled('hint:', '2')} {hint}")

    def dim(self, text: str) -> str:
        return self._styled(text, "2")

    def write_out(self, text: str) -> None:
        """Data to stdout. A reader that went away (``| head -1``) raises OutputClosed: a normal end."""
        with stdout_guard():
            self.stdout.write(text)
            self.stdout.flush()
