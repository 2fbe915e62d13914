"""Which processes are a server's: the identity rule and the evidence rule (docs/servers.md).

Identity: a server is its pid and its create time. The OS does not reuse a pid while its process
lives, and a reused pid has a new create time, so the pair names one process for good, whatever
that process execs into (a shim, ``env``, ``nohup``, ``sh -c 'exec ...'``, a re-exec). The command
line is shown, never compared.

Evidence: mlxchat signals a process only when it can show that the process is the server's:

- the server itself, alive, and its descendants (found through their parents while it lives);
- members of the server's process group, while the server still holds the group's pid (alive, or
  exited and not yet reaped): until that pid is free, no one else can lead a group with that id;
- descendants mlxchat saw earlier and recorded (pid + create time) that still match;
- processes that carry the server's run id in their environment (mlxchat sets ``MLXCHAT_RUN_ID``
  for each server it starts; children inherit it across forks, new sessions and daemonising).

A record written before this boot proves nothing: pids and clocks start over. Membership of a
process group whose leader is gone is no evidence either (the pid may have been reused by someone
who now leads a group of the same id). When in doubt, mlxchat reports and does not signal.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import psutil

CREATE_TIME_TOLERANCE = 0.05
"""psutil's create times are as precise as the OS clock ticks (10 ms on Linux)."""
BOOT_TOLERANCE = 1.0
RUN_ID_ENV = "MLXCHAT_RUN_ID"


@dataclass(frozen=True)
class Identity:
    pid: int
    create_time: float

    def matches(self, proc: psutil.Process) -> bool:
        import psutil

        try:
            created = proc.create_time()
        except psutil.Error:
            return False
        return proc.pid == self.pid and abs(created - self.create_time) <= CREATE_TIME_TOLERANCE


def identity_of(proc: psutil.Process) -> Identity | None:
    import psutil

    try:
        return Identity(proc.pid, proc.create_time())
    except psutil.Error:
        return None


def reap(pid: int) -> None:
    """Collect the exit status when the process is our own child (no zombie left behind)."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def running(proc: psutil.Process) -> bool:
    """Alive and not a zombie. A zombie is not reaped here: while it is not, its pid (and the group
    id it gave its children) cannot be reused, which holds_pid relies on."""
    import psutil

    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def find(identity: Identity) -> psutil.Process | None:
    """The live process with this identity, or None (gone, a zombie, or its pid reused)."""
    import psutil

    try:
        proc = psutil.Process(identity.pid)
    except psutil.Error:
        return None
    return proc if identity.matches(proc) and running(proc) else None


def holds_pid(identity: Identity) -> bool:
    """The pid is still held by this very process, alive or exited and not yet reaped."""
    import psutil

    try:
        return identity.matches(psutil.Process(identity.pid))
    except psutil.Error:
        return False


def boot_time() -> float:
    import psutil

    return float(psutil.boot_time())


def this_boot(recorded_boot: float | None, create_time: float) -> bool:
    """Whether a record (its boot time, or for records without one its server's create time)
    belongs to this boot of the machine."""
    now = boot_time()
    if recorded_boot is not None:
        return abs(recorded_boot - now) <= BOOT_TOLERANCE
    return create_time >= now - BOOT_TOLERANCE


@dataclass(frozen=True)
class Evidence:
    """What mlxchat knows of one server: enough to find every process that is provably its own."""

    server: Identity
    descendants: tuple[Identity, ...] = ()
    run_id: str | None = None
    boot: float | None = None

    def same_boot(self) -> bool:
        return this_boot(self.boot, self.server.create_time)


def tree(proc: psutil.Process) -> list[psutil.Process]:
    """``proc`` and its descendants, as their parents say now."""
    import psutil

    try:
        return [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return [proc]


def group_members(pgid: int) -> list[psutil.Process]:
    import psutil

    members = []
    for p in psutil.process_iter():
        try:
            if os.getpgid(p.pid) == pgid:
                members.append(p)
        except OSError:
            continue
    return members


def carriers(run_id: str, since: float) -> Iterator[psutil.Process]:
    """Processes created since ``since`` whose environment carries ``run_id`` (ours to read only)."""
    import psutil

    for p in psutil.process_iter(["create_time"]):
        created = p.info["create_time"]
        if created is None or created < since - CREATE_TIME_TOLERANCE or p.pid == os.getpid():
            continue
        try:
            if p.environ().get(RUN_ID_ENV) == run_id:
                yield p
        except (psutil.Error, OSError):
            continue


def members(evidence: Evidence, server: psutil.Process | None, *, scan: bool = True) -> list[psutil.Process]:
    """Every live process that is provably the server's (the module docstring's rule).

    ``server`` is the live server process when there is one (ServerRecord.live_process). ``scan`` also reads
    the environments of processes newer than the server (for its run id): a few milliseconds.
    """
    if not evidence.same_boot():
        return []
    found: dict[int, psutil.Process] = {}

    def add(procs: Iterable[psutil.Process]) -> None:
        for p in procs:
            if p.pid != os.getpid() and p.pid not in found and running(p):
                found[p.pid] = p

    if server is not None:
        add(tree(server))
    if holds_pid(evidence.server):
        add(group_members(evidence.server.pid))
    for seen in evidence.descendants:
        proc = find(seen)
        if proc is not None:
            add(tree(proc))
    if scan and evidence.run_id:
        for proc in carriers(evidence.run_id, evidence.server.create_time):
            add(tree(proc))
    return list(found.values())


def descendants_now(server: psutil.Process, procs: Iterable[psutil.Process]) -> tuple[Identity, ...]:
    """What to record of the server's descendants: those of ``procs`` (found as the server's, e.g.
    by members()) other than the server itself, as pid + create time."""
    seen: dict[int, Identity] = {}
    for proc in procs:
        ident = identity_of(proc)
        if ident is not None and ident.pid != server.pid:
            seen[ident.pid] = ident
    return tuple(sorted(seen.values(), key=lambda i: i.pid))
