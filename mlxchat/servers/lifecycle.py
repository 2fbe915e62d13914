"""Start, stop and restart a profile's server; the functions the CLI and ``chat --start`` call.

Start and stop of one profile take its lock (mlxchat.files.profile_lock), so two ``start`` at the same
moment give one server. A record whose process is gone (or whose pid now belongs to another
process) is cleaned, never signalled.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from mlxchat import paths
from mlxchat.errors import UnreachableError
from mlxchat.files import FileLock, LockBusy, profile_lock
from mlxchat.profile import Profile
from mlxchat.servers import process
from mlxchat.servers.kinds import kind_of, not_managed
from mlxchat.servers.logs import last_line, log_path, rotate_if_large, tail_lines
from mlxchat.servers.records import ServerRecord, read_record, remove_record, write_record

if TYPE_CHECKING:
    import psutil

POLL_INTERVAL = 0.05
DEFAULT_TIMEOUT = 300.0
DEFAULT_GRACE = 10.0
FAILED_START_GRACE = 3.0
LOG_TAIL_LINES = 15
BRIEF_LOCK_WAIT = 2.0
"""How long a start waits for the profile lock before it concludes another start holds it."""
STOP_LOCK_WAIT = 1.0
"""How long a stop waits for the profile lock before it acts on the record without it."""
RECORD_WAIT = 60.0
"""How long a stop without the lock waits for a start that holds it to write its record."""


@dataclass(frozen=True)
class StartProgress:
    """What a waiting start reports, about every 50 ms."""

    profile: str
    phase: str
    """``waiting for another start``, ``starting``, ``loading the model``, ..."""
    elapsed: float
    last_log_line: str | None


@dataclass
class StartOutcome:
    record: ServerRecord | None
    """None only when ``wait=False`` found another start in progress."""
    already: Literal["running", "starting"] | None = None
    """``running`` or ``starting`` when this call started nothing."""
    notes: list[str] = field(default_factory=list)


@dataclass
class StopOutcome:
    profile: str
    stopped: bool
    """A server was running and is now stopped."""
    pid: int | None = None
    signal: str | None = None
    """The signal that ended it (SIGINT, SIGTERM or SIGKILL)."""
    stale: bool = False
    """A record was found but its process was gone or was another process: only the record was removed."""
    orphans: bool = False
    """The server itself had died; what was stopped were processes it left in its group."""


Progress = Callable[[StartProgress], None]


def live_process(record: ServerRecord) -> psutil.Process | None:
    return process.find_process(record.pid, record.create_time, record.cmdline)


def is_running(profile: Profile) -> bool:
    """Cheap: a record exists and its process is alive (says nothing about readiness)."""
    record = read_record(profile.name)
    return record is not None and live_process(record) is not None


def start(
    profile: Profile, *, timeout: float = DEFAULT_TIMEOUT, wait: bool = True, progress: Progress | None = None
) -> ServerRecord:
    """Start the profile's server (or find it running) and, with ``wait``, return once it is ready.

    Raises UsageError for remote profiles and bad launch settings, UnreachableError (exit 3) when
    the port is taken, the server exits during start-up or is not ready within ``timeout`` (then
    nothing is left running). With ``wait=False`` and another start in progress it raises
    UnreachableError too, since there is no record yet to return.
    """
    outcome = start_server(profile, timeout=timeout, wait=wait, progress=progress)
    if outcome.record is None:
        raise UnreachableError(f"{profile.name} is being started by another mlxchat; try again shortly")
    return outcome.record


def start_server(
    profile: Profile, *, timeout: float = DEFAULT_TIMEOUT, wait: bool = True, progress: Progress | None = None
) -> StartOutcome:
    spec = kind_of(profile).launch_spec(profile)  # bad settings fail before anything else
    began = time.monotonic()
    lock = profile_lock(profile.name)
    try:
        # Briefly held by status (cleaning or marking a record) or by a stop: wait that out.
        lock.acquire(wait=BRIEF_LOCK_WAIT)
    except LockBusy:
        if not wait:
            return StartOutcome(read_record(profile.name), already="starting")
        _wait_for_lock(lock, profile, timeout, began, progress)
    try:
        notes: list[str] = []
        record = read_record(profile.name)
        if record is not None:
            if live_process(record) is not None:
                if wait and not record.ready:
                    _wait_ready(
                        profile,
                        record,
                        None,
                        deadline=began + timeout,
                        began=began,
                        log_offset=record.log_offset,
                        progress=progress,
                    )
                return StartOutcome(record, already="running")
            survivors = process.group_survivors(record.pid, record.create_time)
            if survivors:
                process.terminate(
                    survivors, process.Group(record.pid, record.create_time), grace=FAILED_START_GRACE
                )
            remove_record(profile.name)
            notes.append(
                f"the previous server of {profile.name} (pid {record.pid}) had exited; "
                f"its record was cleaned (its log: mlxchat logs {profile.name})"
            )
        _refuse_taken_port(profile)
        log = log_path(profile.name)
        rotate_if_large(log)
        spawned = process.spawn(
            spec.argv, env=spec.env, log_path=log, cwd=paths.state_dir(), label=f"start {profile.name}"
        )
        assert profile.port is not None
        record = ServerRecord(
            profile=profile.name,
            pid=spawned.pid,
            create_time=spawned.create_time,
            cmdline=spawned.cmdline,
            command=list(spec.argv),
            kind=profile.server,
            host=profile.host,
            port=profile.port,
            log_path=str(log),
            started_at=time.time(),
            log_offset=spawned.log_offset,
        )
        write_record(record)
        if not wait:
            return StartOutcome(record, notes=notes)
        try:
            _wait_ready(
                profile,
                record,
                spawned,
                deadline=began + timeout,
                began=began,
                log_offset=spawned.log_offset,
                progress=progress,
            )
        except BaseException:
            _cleanup_failed(record)
            raise
        return StartOutcome(record, notes=notes)
    finally:
        lock.release()


def _wait_for_lock(
    lock: FileLock, profile: Profile, timeout: float, began: float, progress: Progress | None
) -> None:
    """Another start (or stop) of this profile is under way: wait for it, reporting progress."""
    while True:
        try:
            lock.acquire(wait=0)
            return
        except LockBusy:
            pass
        elapsed = time.monotonic() - began
        if elapsed > timeout:
            raise UnreachableError(
                f"{profile.name} is still being started by another mlxchat after {timeout:g} s",
                hint=f"see `mlxchat status {profile.name}` and `mlxchat logs {profile.name}`",
            )
        if progress is not None:
            progress(StartProgress(profile.name, "waiting for another start", elapsed, None))
        time.sleep(POLL_INTERVAL)


def _refuse_taken_port(profile: Profile) -> None:
    from mlxchat.servers.ports import port_holder, port_is_free
    from mlxchat.servers.records import all_records

    assert profile.port is not None
    if port_is_free(profile.host, profile.port):
        return
    holder = None
    for other in all_records().values():
        if other.port == profile.port and other.profile != profile.name and live_process(other):
            holder = f"profile {other.profile!r} (pid {other.pid})"
    holder = holder or port_holder(profile.port)
    where = f"{profile.host}:{profile.port}"
    if holder:
        message = f"cannot start {profile.name}: port {where} is already in use by {holder}"
    else:
        message = f"cannot start {profile.name}: port {where} is already in use (the OS does not say by whom)"
    raise UnreachableError(
        message,
        hint="stop that process, or give this profile another port: "
        f"mlxchat profile edit {profile.name} --port N",
    )


def _wait_ready(
    profile: Profile,
    record: ServerRecord,
    spawned: process.Spawned | None,
    *,
    deadline: float,
    began: float,
    log_offset: int,
    progress: Progress | None,
) -> None:
    check = kind_of(profile).readiness(profile)
    log = log_path(profile.name)
    while True:
        exit_code = spawned.popen.poll() if spawned is not None else None
        gone = exit_code is not None or (spawned is None and live_process(record) is None)
        if gone:
            how = f"with code {exit_code}" if exit_code is not None else ""
            raise UnreachableError(
                f"{profile.name}: the server exited during start-up {how}".rstrip()
                + _tail_text(log, log_offset),
                hint=f"full log: mlxchat logs {profile.name}",
            )
        now = time.monotonic()
        if check.step(max(deadline - now, 0.0)):
            record.ready = True
            record.ready_at = time.time()
            write_record(record)
            return
        if now >= deadline:
            if spawned is None:
                # Another start launched it: it is not this call's to stop.
                raise UnreachableError(
                    f"{profile.name}: the server is still not ready after {now - began:.0f} s; "
                    f"it keeps running (mlxchat stop {profile.name})" + _tail_text(log, log_offset),
                    hint=f"see `mlxchat status {profile.name}`; full log: mlxchat logs {profile.name}",
                )
            raise UnreachableError(
                f"{profile.name}: the server was not ready after {now - began:.0f} s; it was stopped"
                + _tail_text(log, log_offset),
                hint=f"a slow model may need a longer --timeout; full log: mlxchat logs {profile.name}",
            )
        if progress is not None:
            progress(StartProgress(profile.name, check.phase, now - began, last_line(log, log_offset)))
        time.sleep(POLL_INTERVAL)


def _tail_text(log: Path, offset: int) -> str:
    lines = tail_lines(log, LOG_TAIL_LINES, since=offset)
    if not lines:
        return " (its log is empty)"
    return "; last log lines:\n" + "\n".join("  | " + line for line in lines)


def _cleanup_failed(record: ServerRecord) -> None:
    """A start that failed or was interrupted leaves nothing running and no record."""
    proc = live_process(record)
    if proc is not None:
        process.terminate_tree(proc, grace=FAILED_START_GRACE)
    remove_record(record.profile)


def stop_recorded(name: str, *, grace: float = DEFAULT_GRACE) -> StopOutcome:
    """Stop what the run record of ``name`` says runs (its profile may have changed or be gone)."""
    lock = profile_lock(name)
    locked = _lock_or_record(lock, name)
    try:
        record = read_record(name)
        if record is None:
            return StopOutcome(name, stopped=False)
        proc = live_process(record)
        group = process.Group(record.pid, record.create_time)
        if proc is None:
            survivors = process.group_survivors(record.pid, record.create_time)
            if survivors:
                signal_name = process.terminate(survivors, group, grace=grace)
                remove_record(name)
                return StopOutcome(name, stopped=True, pid=record.pid, signal=signal_name, orphans=True)
            remove_record(name)
            return StopOutcome(name, stopped=False, pid=record.pid, stale=True)
        signal_name = process.terminate_tree(proc, grace=grace)
        remove_record(name)
        return StopOutcome(name, stopped=True, pid=record.pid, signal=signal_name)
    finally:
        if locked:
            lock.release()


def _lock_or_record(lock: FileLock, name: str) -> bool:
    """Take the profile lock for a stop (True), or find a record to act on without it (False).

    A start holds the lock from before it launches the server until the server is ready, which can
    take minutes: after STOP_LOCK_WAIT the stop goes ahead without the lock (the waiting start sees
    its server exit). But a start writes the record only right after the launch, so while the lock
    is held and there is no record yet, the stop waits for the record (or the lock): reporting
    'not running' then would leave the server that is being launched running.
    """
    try:
        lock.acquire(wait=STOP_LOCK_WAIT)
        return True
    except LockBusy:
        pass
    deadline = time.monotonic() + RECORD_WAIT
    while read_record(name) is None and time.monotonic() < deadline:
        try:
            lock.acquire(wait=POLL_INTERVAL)
            return True
        except LockBusy:
            continue
    return False


def restart(
    profile: Profile,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    wait: bool = True,
    grace: float = DEFAULT_GRACE,
    progress: Progress | None = None,
    on_stopped: Callable[[StopOutcome], None] | None = None,
) -> tuple[StopOutcome, StartOutcome]:
    """Stop the profile's server (if running) and start it again. ``on_stopped`` is told how the
    stop went before the start begins (the CLI reports it there)."""
    if kind_of(profile).is_remote:
        raise not_managed(profile)
    stopped = stop_recorded(profile.name, grace=grace)
    if on_stopped is not None:
        on_stopped(stopped)
    return stopped, start_server(profile, timeout=timeout, wait=wait, progress=progress)
