"""The output file: refused when it exists (unless ``--resume`` or ``--overwrite``), replaced, or
continued.

``--resume`` reads the file back: the ids with a successful result are skipped by this run; failed
results, lines of requests that never finished (an ``--events`` block without its end) and a last
line cut short by a crash are dropped, so that every id ends with exactly one result. The file is
rewritten without them (through a temporary file beside it, renamed over it) before anything is
appended. A file that holds lines which are not batch results is never touched.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import orjson

from mlxchat.batch.idset import IdSet
from mlxchat.batch.results import ReadBack, read_back
from mlxchat.errors import UsageError


@dataclass
class Resumed:
    done: IdSet = field(default_factory=IdSet)
    """Ids that already have a successful result."""
    kept: int = 0
    dropped: int = 0
    """Failed or unfinished requests whose lines were removed (they run again)."""


def open_output(path: str, *, resume: bool, overwrite: bool, events: bool) -> tuple[BinaryIO, Resumed]:
    """The output file, opened to append unbuffered (each line reaches the OS at once), and what a
    resumed run must skip. UsageError (exit 2) for an existing file without a flag."""
    if resume and overwrite:
        raise UsageError("--resume and --overwrite contradict each other")
    target = Path(path)
    if target.is_dir():
        raise UsageError(f"-o {path}: is a directory")
    exists = target.exists() and target.stat().st_size > 0
    if exists and not (resume or overwrite):
        raise UsageError(
            f"{path} exists: not overwriting it",
            hint="--resume skips the requests it already holds results for; --overwrite replaces it",
        )
    resumed = Resumed()
    try:
        if exists and resume:
            resumed = _rewrite(target, events)
        handle = target.open("ab" if resume else "wb", buffering=0)
    except OSError as exc:  # any reason: permissions, a read-only mount, a full disk
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    return handle, resumed


def _rewrite(target: Path, events: bool) -> Resumed:
    resumed = Resumed()
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".resume", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            for block in _blocks(target, events):
                if block.ok and block.key is not None:
                    resumed.done.add(block.key)
                    resumed.kept += 1
                    out.writelines(block.lines)
                elif block.key is not None:
                    resumed.dropped += 1
        Path(temp).replace(target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return resumed


@dataclass
class _Block:
    key: bytes | None
    ok: bool
    lines: list[bytes]


def _blocks(target: Path, events: bool) -> Iterator[_Block]:
    """The requests the file holds, each with its lines (batch events and a cut last line left out)."""
    want = "events" if events else "results"
    current: _Block | None = None
    with target.open("rb") as f:
        for number, raw in enumerate(f, 1):
            if not raw.endswith(b"\n"):
                break  # the last line of a run that was killed while writing it
            if not raw.strip():
                continue
            seen = _read(raw, number, target)
            if seen.kind == "batch":
                continue
            if seen.kind != want:
                flag = "with --events" if seen.kind == "events" else "without --events"
                raise UsageError(f"{target}: it holds {seen.kind}, not {want}", hint=f"resume it {flag}")
            if current is None or current.key != seen.key:
                if current is not None:
                    yield _Block(current.key, False, [])  # an events block that never ended
                current = _Block(seen.key, False, [])
            current.lines.append(raw)
            if seen.terminal:
                current.ok = seen.ok
                yield current
                current = None
    if current is not None:
        yield _Block(current.key, False, [])


def _read(raw: bytes, number: int, target: Path) -> ReadBack:
    try:
        seen = read_back(orjson.loads(raw))
    except orjson.JSONDecodeError:
        seen = None
    if seen is None:
        raise UsageError(
            f"{target}: line {number} is not a batch result; not resuming into it",
            hint="-o names the file results go to (is it the input?)",
        )
    return seen
