"""Files that several processes share: atomic writes and advisory locks.

Writes go to a temp file in the same directory, are fsynced and renamed over the target (readers
see the old or the new file, never half of one). Locks are ``fcntl.flock`` on lock files in the
state directory: they serialise start/stop of a profile and profile-file writes. The kernel
releases a flock when its holder exits, so a crashed mlxchat never leaves a stale lock. Lock files
are opened close-on-exec: a server started while the lock is held does not inherit it.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path
from types import TracebackType

from mlxchat import paths


def atomic_write(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Replace ``path`` with ``data`` in one step (directories created as needed, mode 0700).

    Any failure (a read-only or foreign-owned directory, a full disk, a quota) is an OSError that
    names ``path`` (or the directory that could not be created), never the temp file, which is
    removed; the caller turns it into its message (``paths.not_writable`` for mlxchat's own files).
    """
    import tempfile  # only writers pay for it (it imports random)

    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(path)) from exc
    try:
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), mode)
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        Path(tmp).replace(path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise OSError(exc.errno, exc.strerror, str(path)) from exc
        raise
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    """Make the rename itself durable (best effort: not every file system allows it)."""
    try:
        dir_fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


class LockBusy(Exception):
    """Another process holds the lock (and we were asked not to wait, or waited long enough)."""


class LockUnavailable(Exception):
    """The lock file cannot be created or opened (a read-only or foreign-owned state directory)."""

    def __init__(self, path: Path, error: OSError) -> None:
        super().__init__(f"{path}: {error.strerror}")
        self.path = path
        self.error = error


def _open_lock_file(path: Path) -> int:
    """The lock file, opened (and created) for writing, or for reading where it exists but cannot be
    written (flock needs no write access); LockUnavailable when neither works."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        try:
            return os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            raise LockUnavailable(path, exc) from None


class FileLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self, wait: float | None = None) -> None:
        """Take the lock. ``wait=None`` blocks; a number gives up after that many seconds (0 means
        try once) and raises LockBusy; LockUnavailable when the lock file cannot be opened."""
        fd = _open_lock_file(self.path)
        try:
            if wait is None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            else:
                _flock_within(fd, wait, self.path)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the lock
            self._fd = None

    def __enter__(self) -> FileLock:
        self.acquire()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


def _flock_within(fd: int, wait: float, path: Path) -> None:
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise LockBusy(str(path)) from None
            time.sleep(0.02)


def profile_lock(name: str) -> FileLock:
    """The lock that makes start and stop of one profile one-at-a-time."""
    return FileLock(paths.locks_dir() / f"profile-{name}.lock")


def stop_lock(name: str) -> FileLock:
    """Held by a stop of the profile for as long as it signals: two stops never race, and a start
    whose server exits can tell that a stop ended it."""
    return FileLock(paths.locks_dir() / f"stop-{name}.lock")


def profiles_file_lock() -> FileLock:
    """Held while the profile file is read, changed and written back."""
    return FileLock(paths.locks_dir() / "profiles-file.lock")
