"""Start, stop and restart a profile's server; the functions the CLI and ``chat --start`` call.

Start and stop of one profile take its lock (mlxchat.files.profile_lock), so two ``start`` at the same
moment give one server. Which processes are the server's is identity.py's rule; a start that fails
or is interrupted leaves nothing behind (startup.py); a stop goes by the run record (stopping.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from mlxchat import paths
from mlxchat.errors import UnreachableError
from mlxchat.files import FileLock, LockBusy, LockUnavailable, profile_lock
from mlxchat.profile import Profile
from mlxchat.servers import identity, process
from mlxchat.servers.interrupts import Interrupts
from mlxchat.servers.kinds import kind_of, not_managed
from mlxchat.servers.logs import log_path, rotate_if_large
from mlxchat.servers.records import ServerRecord, read_record, remove_record, write_record
from mlxchat.servers.running import running_profile, running_profile_url
from mlxchat.servers.startup import (
    FAILED_START_GRACE,
    Notice,
    Progress,
    StartFailed,
    StartProgress,
    Window,
    clean_up,
    tail_text,
    wait_ready,
)
from mlxchat.servers.stopping import (
    DEFAULT_GRACE,
    StopOutcome,
    check_seconds,
    stop_in_progress,
    stop_recorded,
)

if TYPE_CHECKING:
    import psutil

    from mlxchat.servers.kinds import LaunchSpec

__all__ = ["StartOutcome", "StartProgress", "StopOutcome", "start", "start_server", "stop_recorded"]

POLL_INTERVAL = 0.05
DEFAULT_TIMEOUT = 300.0
BRIEF_LOCK_WAIT = 2.0
"""How long a start waits for the profile lock before it concludes another start holds it."""
UNHEALTHY_WAIT = 5.0
"""How long a start gives a server that was ready but does not answer now to answer again."""

Already = Literal["running", "starting", "unhealthy"]


@dataclass
class StartOutcome:
    record: ServerRecord | None
    """None only when ``wait=False`` found another start in progress that has not launched yet
    (``already`` is then ``starting``)."""
    already: Already | None = None
    """What this call found when it started nothing: ``running`` (and answering), ``starting`` (not
    ready yet) or ``unhealthy`` (it was ready once and does not answer now)."""
    notes: list[str] = field(default_factory=list)

    def problem(self, name: str) -> UnreachableError | None:
        """The error (exit 3, as `status NAME` says) when what was found is not a ready server."""
        if self.already == "starting":
            pid = f" (pid {self.record.pid})" if self.record is not None else ""
            return UnreachableError(
                f"{name} is starting{pid}, not ready yet"
                + ("" if pid else ": another mlxchat is starting it"),
                hint=f"`mlxchat start {name}` waits until it is ready; see `mlxchat status {name}`",
            )
        if self.already == "unhealthy":
            assert self.record is not None
            return UnreachableError(
                f"{name} is unhealthy: its server runs (pid {self.record.pid}) but does not answer at "
                f"{running_profile_url(self.record)}",
                hint=f"see `mlxchat logs {name}`; `mlxchat restart {name}` starts it afresh",
            )
        return None


def is_running(profile: Profile) -> bool:
    """Cheap: a record exists and its process is alive (says nothing about readiness)."""
    record = read_record(profile.name)
    return record is not None and record.live_process() is not None


def needs_start(profile: Profile) -> bool:
    """A local profile whose server is not running (``--start`` would start it)."""
    return not kind_of(profile).is_remote and not is_running(profile)


def start(
    profile: Profile, *, timeout: float = DEFAULT_TIMEOUT, wait: bool = True, progress: Progress | None = None
) -> ServerRecord:
    """Start the profile's server (or find it running) and, with ``wait``, return once it is ready.

    Raises UsageError for remote profiles and bad launch settings, UnreachableError (exit 3) when
    the port is taken, the server exits during start-up, is not ready within ``timeout`` (then
    nothing is left running), or was found unhealthy (or still starting, with ``wait=False``).
    """
    outcome = start_server(profile, timeout=timeout, wait=wait, progress=progress)
    problem = outcome.problem(profile.name)
    if problem is not None:
        raise problem
    assert outcome.record is not None  # only a start found in progress has none: a problem
    return outcome.record


def start_server(
    profile: Profile,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    wait: bool = True,
    progress: Progress | None = None,
    notice: Notice | None = None,
) -> StartOutcome:
    """``notice`` is told what an interrupted start is doing while it cleans up."""
    check_seconds("timeout", timeout)
    try:
        spec = kind_of(profile).launch_spec(profile)  # bad settings fail before anything else
    except OSError as exc:  # a directory it prepares (mlx-lm's HF cache) cannot be created
        raise paths.not_writable_from(exc) from None
    began = time.monotonic()
    with Interrupts() as interrupts:
        lock = profile_lock(profile.name)
        try:
            # Briefly held by status (cleaning or marking a record) or by a stop: wait that out.
            lock.acquire(wait=BRIEF_LOCK_WAIT)
        except LockUnavailable as exc:
            raise paths.not_writable_from(exc) from None
        except LockBusy:
            if not wait:
                return StartOutcome(read_record(profile.name), already="starting")
            _wait_for_lock(lock, profile, timeout, began, progress)
        try:
            window = Window(began, began + timeout)
            return _Start(profile, spec, window, wait, progress, notice, interrupts).run()
        finally:
            lock.release()


@dataclass
class _Start:
    """One start of a profile's server, with the profile lock held."""

    profile: Profile
    spec: LaunchSpec
    window: Window
    wait: bool
    progress: Progress | None
    notice: Notice | None
    interrupts: Interrupts

    def run(self) -> StartOutcome:
        profile = self.profile
        notes: list[str] = []
        record = read_record(profile.name)
        if record is not None:
            if record.live_process() is not None:
                return self._found_alive(record)
            notes.append(_clean_previous(record))
        _refuse_taken_port(profile)
        record = None
        log = log_path(profile.name)
        for directory in (paths.run_dir(), log.parent):
            paths.ensure_writable(directory)
        rotate_if_large(log)
        spawned: process.Spawned | None = None
        try:
            with self.interrupts.deferred():  # no server without its record
                try:
                    spawned = process.spawn(
                        self.spec.argv,
                        env=self.spec.env,
                        log_path=log,
                        cwd=paths.state_dir(),
                        label=f"start {profile.name}",
                    )
                    record = _record_of(profile, spawned, log)
                    write_record(record)
                except OSError as exc:  # writable a moment ago, but full now (a disk, a quota)
                    raise paths.not_writable_from(exc) from None
            if self.wait:
                wait_ready(profile, record, spawned, window=self.window, progress=self.progress)
        except BaseException as exc:
            if spawned is not None:
                self._failed(_record_of(profile, spawned, log) if record is None else record, spawned, exc)
            raise
        return StartOutcome(record, notes=notes)

    def _found_alive(self, record: ServerRecord) -> StartOutcome:
        """The server runs already: wait for it if it is starting; tell whether it answers."""
        running = running_profile(self.profile, record)
        kind = kind_of(running)
        if not record.ready:
            if not self.wait:
                return StartOutcome(record, already="starting")
            wait_ready(running, record, None, window=self.window, progress=self.progress)
            return StartOutcome(record, already="running")
        until = min(self.window.deadline, time.monotonic() + UNHEALTHY_WAIT) if self.wait else 0.0
        while not kind.healthy(running):
            if time.monotonic() >= until:
                return StartOutcome(record, already="unhealthy")
            time.sleep(POLL_INTERVAL)
        return StartOutcome(record, already="running")

    def _failed(self, record: ServerRecord, spawned: process.Spawned, exc: BaseException) -> None:
        """Clean up after a start that failed or was interrupted; turn StartFailed into the error
        that says what happened (raised from here) and let anything else (Ctrl-C) go on."""
        name = self.profile.name
        stopped_by_stop = isinstance(exc, StartFailed) and stop_in_progress(name, record)
        interrupted = not isinstance(exc, Exception)
        cleaned = clean_up(record, spawned, self.interrupts, notice=self.notice, interrupted=interrupted)
        if not isinstance(exc, StartFailed):
            return
        log = log_path(name)
        hint = f"full log: mlxchat logs {name}"
        if stopped_by_stop:
            raise UnreachableError(f"{name}: the server was stopped by mlxchat stop while it was starting")
        if exc.why == "timeout":
            waited = time.monotonic() - self.window.began
            raise UnreachableError(
                f"{name}: the server was not ready after {waited:.0f} s; it was stopped"
                + tail_text(log, record.log_offset),
                hint=f"a slow model may need a longer --timeout; {hint}",
            ) from None
        message = f"{name}: the server exited during start-up {exc.status}".rstrip()
        if cleaned.left:
            pids = ", ".join(map(str, cleaned.left))
            message += (
                f"; it left {len(cleaned.left)} process(es) running (pids {pids}), "
                "which were stopped: mlxchat runs servers in the foreground and does not follow one that "
                "forks into the background"
            )
        raise UnreachableError(message + tail_text(log, record.log_offset), hint=hint) from None


def _record_of(profile: Profile, spawned: process.Spawned, log: Path) -> ServerRecord:
    assert profile.port is not None
    return ServerRecord(
        profile=profile.name,
        pid=spawned.pid,
        create_time=spawned.create_time,
        cmdline=spawned.cmdline,
        command=list(spawned.cmdline),
        kind=profile.server,
        host=profile.host,
        port=profile.port,
        log_path=str(log),
        started_at=time.time(),
        log_offset=spawned.log_offset,
        run_id=spawned.run_id,
        boot_time=identity.boot_time(),
    )


def _clean_previous(record: ServerRecord) -> str:
    """The recorded server is gone: stop what it provably left, clean the record, say so."""
    name = record.profile
    evidence = record.evidence()
    left = identity.members(evidence, None)
    if left:
        process.terminate(left, record.identity, grace=FAILED_START_GRACE)
    try:
        remove_record(name)
    except OSError as exc:
        raise paths.not_writable(paths.run_dir(), exc) from None
    if not evidence.same_boot():
        return f"the record of {name} was from before the machine last started; it was cleaned"
    stopped = f"stopped the processes it left behind (pids {_pids(left)}) and " if left else ""
    return (
        f"the previous server of {name} (pid {record.pid}) had exited; {stopped}"
        f"its record was cleaned (its log: mlxchat logs {name})"
    )


def _pids(procs: list[psutil.Process]) -> str:
    return ", ".join(str(p.pid) for p in procs)


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
        if other.port == profile.port and other.profile != profile.name and other.live_process():
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


def restart(  # noqa: PLR0913 (the keyword-only options of one restart)
    profile: Profile,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    wait: bool = True,
    grace: float = DEFAULT_GRACE,
    progress: Progress | None = None,
    on_stopped: Callable[[StopOutcome], None] | None = None,
    notice: Notice | None = None,
) -> tuple[StopOutcome, StartOutcome]:
    """Stop the profile's server (if running) and start it again. ``on_stopped`` is told how the
    stop went before the start begins (the CLI reports it there)."""
    if kind_of(profile).is_remote:
        raise not_managed(profile)
    check_seconds("timeout", timeout)
    stopped = stop_recorded(profile.name, grace=grace)
    if on_stopped is not None:
        on_stopped(stopped)
    return stopped, start_server(profile, timeout=timeout, wait=wait, progress=progress, notice=notice)
