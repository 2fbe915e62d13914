"""A start between launch and ready: polling readiness, recording what the server spawns, and what a
failed or interrupted start leaves (nothing: docs/servers.md, "What a failed start leaves")."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mlxchat.errors import UnreachableError
from mlxchat.profile import Profile
from mlxchat.servers import identity, process
from mlxchat.servers.interrupts import Interrupts
from mlxchat.servers.logs import last_line, log_path, tail_lines
from mlxchat.servers.records import ServerRecord, remove_record, write_record

if TYPE_CHECKING:
    import psutil

    from mlxchat.servers.kinds import ReadinessCheck

POLL_INTERVAL = 0.05
LOOK_EVERY = 0.5
"""How often a waiting start records the server's descendants (reading the process table)."""
FAILED_START_GRACE = 3.0
LOG_TAIL_LINES = 15


@dataclass(frozen=True)
class StartProgress:
    """What a waiting start reports, about every 50 ms."""

    profile: str
    phase: str
    """``waiting for another start``, ``starting``, ``loading the model``, ..."""
    elapsed: float
    last_log_line: str | None


Progress = Callable[[StartProgress], None]
Notice = Callable[[str], None]


class StartFailed(Exception):
    """The server exited, or was stopped, during start-up, or was not ready in time (start_server
    cleans up, then raises the UnreachableError that says what happened)."""

    def __init__(self, why: str, status: str = "") -> None:
        super().__init__(why)
        self.why = why
        """``exited``, ``stopped`` (by ``mlxchat stop``) or ``timeout``."""
        self.status = status
        """How it exited: ``with code 1``, ``killed by SIGTERM``."""


def remember_descendants(
    record: ServerRecord, server: psutil.Process, members: list[psutil.Process] | None = None
) -> None:
    """Record the server's descendants alive now (``members``, else found without the environment
    scan), when they changed: evidence for later."""
    if members is None:
        members = identity.members(record.evidence(), server, scan=False)
    if record.remember(identity.descendants_now(server, members)):
        with contextlib.suppress(OSError):
            write_record(record)


@dataclass(frozen=True)
class Window:
    """When a start began and until when it may wait (``time.monotonic()`` seconds)."""

    began: float
    deadline: float


def wait_ready(
    profile: Profile,
    record: ServerRecord,
    spawned: process.Spawned | None,
    *,
    window: Window,
    progress: Progress | None,
) -> None:
    """Poll until the server is ready. Raises StartFailed (spawned: this call launched it) or
    UnreachableError (another start launched it: it keeps running)."""
    from mlxchat.servers.kinds import kind_of

    check = kind_of(profile).readiness(profile)
    log = log_path(profile.name)
    next_look = 0.0
    while True:
        if spawned is not None and process.exited(spawned):
            raise StartFailed("exited", process.exit_status(spawned))
        server = record.live_process()
        if server is None:
            if spawned is None:
                raise UnreachableError(
                    f"{profile.name}: the server exited during start-up" + tail_text(log, record.log_offset),
                    hint=f"full log: mlxchat logs {profile.name}",
                )
            raise StartFailed("exited")
        now = time.monotonic()
        if now >= next_look:
            remember_descendants(record, server)
            next_look = now + LOOK_EVERY
        ours = _answered_by_it(record, server, check) if check.step(max(window.deadline - now, 0.0)) else None
        if ours is not None:
            record.ready = True
            record.ready_at = time.time()
            record.remember(identity.descendants_now(server, ours))
            with contextlib.suppress(OSError):
                write_record(record)
            return
        if now >= window.deadline:
            if spawned is not None:
                raise StartFailed("timeout")
            # Another start launched it: it is not this call's to stop.
            raise UnreachableError(
                f"{profile.name}: the server is still not ready after {now - window.began:.0f} s; "
                f"it keeps running (mlxchat stop {profile.name})" + tail_text(log, record.log_offset),
                hint=f"see `mlxchat status {profile.name}`; full log: mlxchat logs {profile.name}",
            )
        if progress is not None:
            elapsed = now - window.began
            progress(StartProgress(profile.name, check.phase, elapsed, last_line(log, record.log_offset)))
        time.sleep(POLL_INTERVAL)


def _answered_by_it(
    record: ServerRecord, server: psutil.Process, check: ReadinessCheck
) -> list[psutil.Process] | None:
    """The server's processes when the answer came from it: the port's listener is the server or
    one of its own processes (or the OS does not say who listens). None, and the phase says why,
    when another process listens there."""
    from mlxchat.servers.ports import describe_pid, listener_pid, listens_here

    evidence = record.evidence()
    ours = identity.members(evidence, server, scan=False)
    if listens_here(ours, record.port) is True:
        return ours
    ours = identity.members(evidence, server)  # a daemonised child: found by its run id
    here = listens_here(ours, record.port)
    if here is not False:
        return ours
    holder = listener_pid(record.port)
    who = describe_pid(holder) if holder is not None else "another process"
    check.phase = f"port {record.port} answers, but from {who}, not from this server"
    return None


def tail_text(log: Path, offset: int) -> str:
    lines = tail_lines(log, LOG_TAIL_LINES, since=offset)
    if not lines:
        return " (its log is empty)"
    return "; last log lines:\n" + "\n".join("  | " + line for line in lines)


@dataclass
class Cleaned:
    left: list[int]
    """Pids of the processes that were still running (besides the server itself) and were stopped."""
    signal: str | None


def clean_up(
    record: ServerRecord,
    spawned: process.Spawned,
    interrupts: Interrupts,
    *,
    notice: Notice | None,
    interrupted: bool,
) -> Cleaned:
    """A failed or interrupted start leaves nothing running and no record. Interrupts during the
    clean-up make it hurry (straight to SIGKILL) instead of abandoning it."""
    with interrupts.cleaning():
        server = record.live_process()
        members = identity.members(record.evidence(), server)
        if interrupted and notice is not None and members:
            notice(
                f"interrupted: stopping the half-started server of {record.profile} (pid {record.pid}); "
                "interrupt again to kill it at once"
            )
        signal_name = None
        if members:
            signal_name = process.terminate(
                members, record.identity, grace=FAILED_START_GRACE, hurry=interrupts.hurry
            )
        with contextlib.suppress(OSError):
            remove_record(record.profile)
        process.release(spawned)
        if interrupted and notice is not None and members:
            how = "" if signal_name == "SIGINT" else f" (needed {signal_name})"
            notice(f"stopped the half-started server of {record.profile}{how}; nothing is left running")
    return Cleaned([p.pid for p in members if p.pid != record.pid], signal_name)
