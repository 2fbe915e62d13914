"""Advisory file locks (fcntl.flock) that serialise start/stop of a profile and profile-file writes.

The kernel releases a flock when its holder exits, so a crashed mlxchat never leaves a stale lock.
Lock files are opened close-on-exec: a server started while the lock is held does not inherit it.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path
from types import TracebackType

from mlxchat import paths


class LockBusy(Exception):
    """Another process holds the lock (and we were asked not to wait, or waited long enough)."""


class FileLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self, wait: float | None = None) -> None:
        """Take the lock. ``wait=None`` blocks; a number gives up after that many seconds (0 means
        try once) and raises LockBusy."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            if wait is None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            else:
                deadline = time.monotonic() + wait
                while True:
                    try:
                        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:
                        if time.monotonic() >= deadline:
                            raise LockBusy(str(self.path)) from None
                        time.sleep(0.02)
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


def profile_lock(name: str) -> FileLock:
    """The lock that makes start and stop of one profile one-at-a-time."""
    return FileLock(paths.locks_dir() / f"profile-{name}.lock")


def profiles_file_lock() -> FileLock:
    """Held while the profile file is read, changed and written back."""
    return FileLock(paths.locks_dir() / "profiles-file.lock")
