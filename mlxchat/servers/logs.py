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


BLOCK = 64 * 1024
MAX_PARTIAL = 1 << 20
"""``follow`` holds back a line until its newline arrives, but never more than this."""


def _split(data: bytes) -> list[str]:
    """Lines of ``data`` (split at newlines only, as ``follow`` splits), colour codes removed."""
    if not data:
        return []
    lines = data.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    return [clean(line.decode("utf-8", "replace")) for line in lines]


def tail_lines(
    path: Path, n: int, *, since: int = 0, max_bytes: int | None = None, up_to: int | None = None
) -> list[str]:
    """The last ``n`` lines of ``path`` after byte ``since`` and before byte ``up_to`` (default: the
    end), colour codes removed.

    Reads backwards in blocks until it holds ``n`` whole lines or reaches ``since`` (or, with
    ``max_bytes``, that many bytes before the end).
    """
    if n <= 0:
        return []
    blocks: list[bytes] = []
    try:
        with path.open("rb") as f:
            pos = f.seek(0, os.SEEK_END)
            if up_to is not None:
                pos = min(pos, up_to)
            floor = since if max_bytes is None else max(since, pos - max_bytes)
            newlines = 0
            while pos > floor and newlines <= n:
                step = min(BLOCK, pos - floor)
                pos -= step
                f.seek(pos)
                block = f.read(step)
                blocks.append(block)
                newlines += block.count(b"\n")
    except OSError:
        return []
    lines = _split(b"".join(reversed(blocks)))
    if pos > since and lines:
        lines = lines[1:]  # the first line is cut
    return lines[-n:]


def last_line(path: Path, since: int = 0) -> str | None:
    for line in reversed(tail_lines(path, 20, since=since, max_bytes=8192)):
        if line.strip():
            return line.strip()
    return None


def follow(
    path: Path, *, poll: float = 0.2, stop: Callable[[], bool] = lambda: False, since: int | None = None
) -> Iterator[str]:
    """Lines appended to ``path`` from now on, or from byte ``since`` (where a tail just printed
    ended: nothing written in between is lost), colour codes removed, no newline, until ``stop()``;
    survives truncation and rotation.

    A line is given once its newline arrives, so a character the server wrote in two pieces is
    never cut in half (a line longer than MAX_PARTIAL is given in pieces).
    """
    f = None
    inode = None
    pending = b""
    try:
        while not stop():
            if f is None:
                try:
                    f = path.open("rb")
                    inode = os.fstat(f.fileno()).st_ino
                    end = f.seek(0, os.SEEK_END)
                    if since is not None and since <= end:
                        f.seek(since)
                    since = None
                except OSError:
                    f = None
                    time.sleep(poll)
                    continue
            chunk = f.read()
            if chunk:
                whole, newline, pending = (pending + chunk).rpartition(b"\n")
                if len(pending) > MAX_PARTIAL:
                    whole, newline, pending = whole + newline + pending, b"\n", b""
                if newline:
                    yield from _split(whole + b"\n")
                continue
            try:
                st = path.stat()
                if st.st_ino != inode or st.st_size < f.tell():
                    f.close()
                    f = path.open("rb")
                    inode = os.fstat(f.fileno()).st_ino
                    if pending:  # the old file ended without a newline
                        yield from _split(pending)
                        pending = b""
                    continue
            except OSError:
                pass
            time.sleep(poll)
    finally:
        if f is not None:
            f.close()
