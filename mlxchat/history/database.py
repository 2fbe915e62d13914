"""Opening the history database: created mode 0600, WAL, a busy timeout, migrated forward with a backup.

Every failure SQLite reports is turned into a :class:`HistoryError` that says what happened to which
file and what to do; a damaged database is never written to, moved or replaced (the user moves it
aside). Nothing here prints.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

from mlxchat import paths
from mlxchat.errors import UsageError
from mlxchat.history.schema import CURRENT_VERSION, MIGRATIONS

BUSY_TIMEOUT: Final = 5.0
"""Seconds a writer waits for another one (ten chats finishing at once take milliseconds)."""
PAGE_SIZE: Final = 8192
"""Turns are a few KB each: 8 KB pages hold several (4 KB pages waste a third of the file)."""
WAL_LIMIT: Final = 2 * 1024 * 1024
"""Bytes of WAL a writer leaves for the next command (about 25 turns); past them, it lets SQLite
copy the WAL into the database file and remove it as it closes (:func:`close`)."""

_DAMAGED = {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB}
_MESSAGES: Final = {
    sqlite3.SQLITE_BUSY: f"it is locked by another program (waited {BUSY_TIMEOUT:g} s)",
    sqlite3.SQLITE_LOCKED: "it is locked by another program",
    sqlite3.SQLITE_FULL: "the disk is full",
    sqlite3.SQLITE_READONLY: "it is read-only",
    sqlite3.SQLITE_CANTOPEN: "it cannot be opened",
    sqlite3.SQLITE_IOERR: "a disk I/O error (is the disk full?)",
}


class HistoryError(UsageError):
    """The history database cannot be used (damaged, newer, locked, full, unwritable)."""


def damaged(path: Path, reason: str) -> HistoryError:
    aside = path.with_name(path.name + ".damaged")
    return HistoryError(
        f"the history database {path} is damaged ({reason}); mlxchat leaves it as it is",
        hint=f"move it aside and a new one is started: mv '{path}' '{aside}'",
    )


def failure(exc: BaseException, path: Path) -> HistoryError:
    """What an exception from SQLite or the file system means for the database at ``path``."""
    if isinstance(exc, HistoryError):
        return exc
    if isinstance(exc, sqlite3.Error):
        code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
        if code in _DAMAGED:
            return damaged(path, str(exc))
        what = _MESSAGES.get(code, str(exc))
        detail = f" ({exc})" if str(exc) not in what else ""
        return HistoryError(f"cannot use the history database {path}: {what}{detail}")
    if isinstance(exc, OSError):
        return HistoryError(f"cannot use the history database {path}: {exc.strerror or exc}")
    return HistoryError(f"cannot use the history database {path}: {type(exc).__name__}: {exc}")


def uri(path: Path, mode: str) -> str:
    """An SQLite URI for ``path`` that opens it only if it exists (``rw``) or read-only (``ro``);
    spaces, ``?`` and ``#`` in the path are escaped (macOS keeps data in "Application Support")."""
    from urllib.parse import quote

    return f"file:{quote(str(path.absolute()))}?mode={mode}"


def _create_file(path: Path) -> None:
    """The database file, private from the start (SQLite gives its -wal and -shm files the same mode)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(fd)


def connect(
    path: Path | None = None, *, create: bool = True, timeout: float = BUSY_TIMEOUT
) -> sqlite3.Connection | None:
    """An open, current database; None when it does not exist and ``create`` is False.

    Raises HistoryError for everything that keeps it from being used."""
    path = path or paths.history_db()
    try:
        try:
            new = path.stat().st_size == 0
        except (FileNotFoundError, NotADirectoryError):
            if not create:
                return None
            _create_file(path)
            new = True
        con = sqlite3.connect(
            uri(path, "rw"), uri=True, timeout=timeout, isolation_level=None, check_same_thread=False
        )
    except (OSError, sqlite3.Error) as exc:
        raise failure(exc, path) from None
    try:
        _prepare(con, path, new)
    except BaseException as exc:
        con.close()
        if isinstance(exc, Exception):
            raise failure(exc, path) from None
        raise
    return con


def _prepare(con: sqlite3.Connection, path: Path, new: bool) -> None:
    if new:
        con.execute(f"PRAGMA page_size = {PAGE_SIZE}")  # before anything is written
    con.execute("PRAGMA foreign_keys = ON")
    con.execute("PRAGMA synchronous = NORMAL")  # WAL: safe on power loss, no fsync per commit
    if con.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        con.execute("PRAGMA journal_mode = WAL")
    version = user_version(con)
    if version > CURRENT_VERSION:
        raise HistoryError(
            f"the history database {path} was made by a newer mlxchat "
            f"(schema version {version}; this one knows {CURRENT_VERSION}); it is left as it is",
            hint="upgrade mlxchat to use it",
        )
    if version < CURRENT_VERSION:
        migrate(con, path)


def close(con: sqlite3.Connection, path: Path, *, wrote: bool = False) -> None:
    """Close ``con``, copying the WAL into the database file only when a writer leaves it larger
    than WAL_LIMIT.

    The last connection to close a WAL database copies the WAL into the database file and removes
    it: two fsyncs, 10-20 ms on a busy disk, which every chat would pay. A read-only connection
    held open meanwhile makes ``con`` not the last one, and cannot checkpoint itself, so the turns
    stay in the WAL (committed either way). But every command is the first to open the database
    (nothing stays open), and SQLite then reads the whole WAL to index it, and forgets what an
    earlier process had already copied: a WAL left to grow makes every command read all of it, and
    every commit past SQLite's own limit (1,000 pages) copy all of it again. So a writer that leaves
    more than WAL_LIMIT closes as the last connection (when no other program has the database
    open; else a later one does), and the next command starts from an empty WAL."""
    if wrote and _wal_size(path) > WAL_LIMIT:
        con.close()
        return
    keeper: sqlite3.Connection | None = None
    try:
        keeper = sqlite3.connect(uri(path, "ro"), uri=True)
        keeper.execute("PRAGMA schema_version").fetchone()  # its shared lock on the file
    except sqlite3.Error:
        pass
    con.close()
    if keeper is not None:
        keeper.close()


def _wal_size(path: Path) -> int:
    try:
        return path.with_name(path.name + "-wal").stat().st_size
    except OSError:
        return 0


def user_version(con: sqlite3.Connection) -> int:
    return int(con.execute("PRAGMA user_version").fetchone()[0])


@contextmanager
def transaction(con: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A write transaction that takes the write lock first (no deadlock between two writers)."""
    con.execute("BEGIN IMMEDIATE")
    try:
        yield con
    except BaseException:
        if con.in_transaction:
            con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def migrate(con: sqlite3.Connection, path: Path) -> Path | None:
    """Apply the missing migrations in one transaction; an existing database is backed up first
    (next to it, mode 0600). Returns the backup's path (None for a new database)."""
    backup: Path | None = None
    with transaction(con):  # the write lock: no other mlxchat migrates or writes meanwhile
        version = user_version(con)  # again, under the lock: another process may have done it
        if version >= CURRENT_VERSION:
            return None
        if version > 0:
            backup = _backup(path, version)
        for script in MIGRATIONS[version:]:
            for statement in statements(script):
                con.execute(statement)
        con.execute(f"PRAGMA user_version = {CURRENT_VERSION}")
    return backup


def _backup(path: Path, version: int) -> Path:
    """A copy of the database as it is, through a connection of its own (a reader is not blocked
    by the write lock the migration holds; the source of a backup cannot be the writing one)."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    target = path.with_name(f"{path.name}.v{version}-{stamp}.backup")
    for n in range(2, 100):
        if not target.exists():
            break
        target = path.with_name(f"{path.name}.v{version}-{stamp}-{n}.backup")
    _create_file(target)
    source = sqlite3.connect(uri(path, "ro"), uri=True)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()
    return target


def statements(script: str) -> Iterator[str]:
    """The SQL statements of ``script`` one by one (triggers keep the semicolons inside them)."""
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            if pending.strip():
                yield pending.strip()
            pending = ""
    if pending.strip():
        yield pending.strip()
