"""The history of lines typed in interactive chat, kept in a file that every session appends to.

Each line is appended the moment it is entered (a killed terminal keeps what was typed), with
``O_APPEND`` under an exclusive ``flock``, so two sessions at once both keep their lines; nothing is
ever rewritten at the end of a session. A line is stored as one JSON string (a pasted multi-line
message stays one entry); lines of the older plain format are read as they are. The file is
created with mode 0600 (what was typed may be private) and trimmed to the newest ``length``
entries when a session starts and finds more than twice that many.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Final

import orjson

PRIVATE: Final = 0o600


class LineHistory:
    """Load the newest entries; append one entry at a time. Failures raise OSError (the caller warns)."""

    def __init__(self, path: Path, length: int) -> None:
        self.path = path
        self.length = length

    def load(self) -> list[str]:
        """The newest ``length`` entries, oldest first; trims the file when it holds over twice as many."""
        if not self.path.exists():
            return []
        with self._locked("r+") as f:
            entries = [_decode(line) for line in f.read().splitlines() if line]
            if len(entries) > 2 * self.length:
                entries = entries[-self.length :]
                f.seek(0)
                f.write("".join(_encode(entry) for entry in entries))
                f.truncate()
        if self.path.stat().st_mode & 0o077:
            self.path.chmod(PRIVATE)
        return entries[-self.length :]

    def append(self, entry: str) -> None:
        with self._locked("a") as f:
            f.write(_encode(entry))

    @contextlib.contextmanager
    def _locked(self, mode: str) -> Iterator[IO[str]]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        flags = os.O_RDWR if mode == "r+" else os.O_WRONLY | os.O_APPEND | os.O_CREAT
        fd = os.open(self.path, flags, PRIVATE)
        with os.fdopen(fd, mode, encoding="utf-8", errors="replace") as f:
            fcntl.flock(f, fcntl.LOCK_EX)  # released when the file is closed
            yield f


def _encode(entry: str) -> str:
    return orjson.dumps(entry).decode() + "\n"


def _decode(line: str) -> str:
    if line.startswith('"'):
        with contextlib.suppress(orjson.JSONDecodeError):
            value = orjson.loads(line)
            if isinstance(value, str):
                return value
    return line  # a line of the plain format older versions wrote
