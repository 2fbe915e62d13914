"""Reading server logs: the last lines, the last line of this start, following new output."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from mlxchat import paths

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
# Logs beyond this size are moved aside (to NAME.log.1) when the server starts again.
ROTATE_BYTES = 20 * 1024 * 1024


def log_path(name: str) -> Path:
    return paths.logs_dir() / f"{name}.log"


def rotate_if_large(path: Path) -> None:
    try:
        if path.stat().st_size > ROTATE_BYTES:
            path.replace(path.with_name(path.name + ".1"))
    except OSError:
        pass


def clean(line: str) -> str:
    return _ANSI.sub("", line).replace("\r", "").rstrip()


def tail_lines(path: Path, n: int, *, since: int = 0, max_bytes: int = 1 << 20) -> list[str]:
    """The last ``n`` lines of ``path`` after byte ``since`` (colour codes removed)."""
    if n <= 0:
        return []
    try:
        with path.open("rb") as f:
            size = f.seek(0, os.SEEK_END)
            start = max(since, size - max_bytes)
            f.seek(start)
            data = f.read()
    except OSError:
        return []
    lines = data.decode("utf-8", "replace").splitlines()
    if start > since and lines:
        lines = lines[1:]  # the first line is cut
    return [clean(line) for line in lines][-n:]


def last_line(path: Path, since: int = 0) -> str | None:
    for line in reversed(tail_lines(path, 20, since=since, max_bytes=8192)):
        if line.strip():
            return line.strip()
    return None


def follow(path: Path, *, poll: float = 0.2, stop: Callable[[], bool] = lambda: False) -> Iterator[str]:
    """New text appended to ``path`` from now on, until ``stop()``; survives truncation and rotation."""
    f = None
    inode = None
    try:
        while not stop():
            if f is None:
                try:
                    f = path.open("rb")
                    inode = os.fstat(f.fileno()).st_ino
                    f.seek(0, os.SEEK_END)
                except OSError:
                    f = None
                    time.sleep(poll)
                    continue
            chunk = f.read()
            if chunk:
                yield chunk.decode("utf-8", "replace")
                continue
            try:
                st = path.stat()
                if st.st_ino != inode or st.st_size < f.tell():
                    f.close()
                    f = path.open("rb")
                    inode = os.fstat(f.fileno()).st_ino
                    continue
            except OSError:
                pass
            time.sleep(poll)
    finally:
        if f is not None:
            f.close()
