"""Stop a server by its run record: everything that is provably its own, whatever its profile says now.

A stop takes the profile's stop lock for as long as it signals (two stops never both claim the
signal that ended the server; a start whose server exits can tell a stop ended it), and the
profile lock when it can get it soon (a start holds that one until its server is ready). It needs
no write access: in a read-only state directory it stops the server and says which record it
could not remove.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass

from mlxchat.errors import UsageError
from mlxchat.files import FileLock, LockBusy, LockUnavailable, profile_lock, stop_lock
from mlxchat.servers import identity, process
from mlxchat.servers.records import ServerRecord, read_record, record_path, remove_record

POLL_INTERVAL = 0.05
DEFAULT_GRACE = 10.0
STOP_LOCK_WAIT = 1.0
"""How long a stop waits for the profile lock before it acts on the record without it."""
RECORD_WAIT = 60.0
"""How long a stop without the lock waits for a start that holds it to write its record."""


@dataclass
class StopOutcome:
    profile: str
    stopped: bool
    """A server (or what it left) was running and is now stopped, by this call."""
    pid: int | None = None
    signal: str | None = None
    """The signal that ended it (SIGINT, SIGTERM or SIGKILL)."""
    stale: bool = False
    """A record was found but its process was gone: only the record was removed."""
    orphans: bool = False
    """The server itself had died; what was stopped were processes it left behind."""
    other_boot: bool = False
    """The record was written before the machine last booted: nothing was signalled."""
    by_another_stop: bool = False
    """Another ``mlxchat stop`` was stopping it; this one waited for it to finish."""
    record_left: str | None = None
    """The record could not be removed (a read-only state directory): its path and the reason."""


def check_seconds(what: str, value: float) -> None:
    """UsageError (exit 2) unless ``value`` is a finite number of seconds, 0 or more."""
    if not (value >= 0 and value != float("inf")):
        raise UsageError(f"{what} must be a number of seconds, 0 or more (got {value:g})")


def ladder_seconds(grace: float) -> float:
    """The longest a stop's signal ladder can take."""
    return 2 * grace + process.KILL_WAIT


def stop_recorded(name: str, *, grace: float = DEFAULT_GRACE) -> StopOutcome:
    """Stop what the run record of ``name`` says runs (its profile may have changed or be gone)."""
    check_seconds("grace", grace)
    slock = stop_lock(name)
    waited = _take(slock, ladder_seconds(grace) + 10.0)
    try:
        lock = profile_lock(name)
        locked = _lock_or_record(lock, name)
        try:
            record = read_record(name)
            if record is None:
                return StopOutcome(name, stopped=False, by_another_stop=waited)
            return _stop(record, grace)
        finally:
            if locked:
                lock.release()
    finally:
        slock.release()


def _take(lock: FileLock, wait: float) -> bool:
    """Take ``lock``, waiting up to ``wait`` s; True when another holder had to be waited for."""
    try:
        lock.acquire(wait=0)
        return False
    except LockBusy:
        pass
    except LockUnavailable:
        return False
    # A stop that hangs (it should not) does not block this one for good.
    with contextlib.suppress(LockBusy, LockUnavailable):
        lock.acquire(wait=wait)
    return True


def _stop(record: ServerRecord, grace: float) -> StopOutcome:
    name = record.profile
    evidence = record.evidence()
    if not evidence.same_boot():
        return _forget(record, StopOutcome(name, stopped=False, pid=record.pid, stale=True, other_boot=True))
    server = record.live_process()
    members = identity.members(evidence, server)
    if not members:
        return _forget(record, StopOutcome(name, stopped=False, pid=record.pid, stale=True))
    _refuse_foreign(name, server or members[0])
    signal_name = process.terminate(members, record.identity, grace=grace)
    outcome = StopOutcome(name, stopped=True, pid=record.pid, signal=signal_name, orphans=server is None)
    return _forget(record, outcome)


def _refuse_foreign(name: str, proc: object) -> None:
    """A server another user runs (``sudo mlxchat start``) cannot be signalled: say so, exit 2."""
    import psutil

    assert isinstance(proc, psutil.Process)
    if os.geteuid() == 0:
        return
    try:
        owner = proc.uids().real
        user = proc.username()
    except psutil.Error:
        return
    if owner != os.getuid():
        raise UsageError(
            f"cannot stop {name}: its server (pid {proc.pid}) runs as user {user}",
            hint=f"stop it as that user (sudo mlxchat stop {name}, if it was started with sudo)",
        )


def _forget(record: ServerRecord, outcome: StopOutcome) -> StopOutcome:
    try:
        remove_record(record.profile)
    except OSError as exc:
        outcome.record_left = f"{record_path(record.profile)} ({exc.strerror})"
    return outcome


def _lock_or_record(lock: FileLock, name: str) -> bool:
    """Take the profile lock for a stop (True), or find a record to act on without it (False).

    A start holds the lock from before it launches the server until the server is ready, which can
    take minutes: after STOP_LOCK_WAIT the stop goes ahead without the lock (the waiting start sees
    its server exit). But a start writes the record only right after the launch, so while the lock
    is held and there is no record yet, the stop waits for the record (or the lock): reporting
    'not running' then would leave the server that is being launched running. A lock file that
    cannot be opened (a read-only state directory) is no reason not to stop.
    """
    try:
        lock.acquire(wait=STOP_LOCK_WAIT)
        return True
    except LockBusy:
        pass
    except LockUnavailable:
        return False
    deadline = time.monotonic() + RECORD_WAIT
    while read_record(name) is None and time.monotonic() < deadline:
        try:
            lock.acquire(wait=POLL_INTERVAL)
            return True
        except LockBusy:
            continue
    return False


def stop_in_progress(name: str, record: ServerRecord) -> bool:
    """A stop is ending (or has ended) this record's server: it holds the stop lock, or the record
    was removed or replaced (the start that asks holds the profile lock: only a stop does that)."""
    lock = stop_lock(name)
    try:
        lock.acquire(wait=0)
        lock.release()
    except LockBusy:
        return True
    except LockUnavailable:
        pass
    now = read_record(name)
    return now is None or now.identity != record.identity
