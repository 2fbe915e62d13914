"""The one gateway for child processes: start servers detached, recognise them later, stop whole trees.

A server runs in its own session (so its own process group), with stdin from /dev/null and stdout
and stderr appended to its log file. It is recognised by pid + create time + command line, never by
pid alone. Stopping sends SIGINT, then SIGTERM, then SIGKILL to the whole group and to descendants
that left the group, waiting a while after each step.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from mlxchat.errors import UsageError

if TYPE_CHECKING:
    import psutil

CREATE_TIME_TOLERANCE = 0.05
KILL_WAIT = 5.0


@dataclass
class Spawned:
    popen: subprocess.Popen[bytes]
    pid: int
    create_time: float
    cmdline: list[str]
    log_offset: int
    """Where this start's output begins in the log (after its header line)."""


def _default_stop_signals() -> None:
    """In the child, before exec: let SIGINT and SIGTERM act again.

    A process started from a shell's background job inherits SIGINT as *ignored*, and Python then
    installs no handler: mlx_lm.server would ignore the first step of the stop ladder and every
    stop would wait out its timeout.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def spawn(argv: Sequence[str], *, env: dict[str, str], log_path: Path, cwd: Path, label: str) -> Spawned:
    """Start ``argv`` detached (new session) with output appended to ``log_path``."""
    import psutil

    log_path.parent.mkdir(parents=True, exist_ok=True)
    cwd.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().astimezone().isoformat(timespec="seconds")
    with log_path.open("ab") as log:
        log.write(f"==== {stamp} mlxchat: {label}: {shlex.join(argv)}\n".encode())
        log.flush()
        offset = log.tell()
        try:
            popen = subprocess.Popen(
                list(argv),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=cwd,
                env={**os.environ, "PYTHONUNBUFFERED": "1", **env},
                start_new_session=True,
                close_fds=True,
                preexec_fn=_default_stop_signals,  # noqa: PLW1509 (only signal.signal runs in it)
            )
        except OSError as exc:
            log.write(f"mlxchat: cannot run {argv[0]}: {exc.strerror}\n".encode())
            raise UsageError(f"cannot run {argv[0]!r}: {exc.strerror}") from None
    try:
        proc = psutil.Process(popen.pid)
        create_time = proc.create_time()
        cmdline = proc.cmdline()
    except psutil.Error:
        # Gone already (it will be reported as exiting during start-up).
        create_time, cmdline = time.time(), list(argv)
    return Spawned(popen, popen.pid, create_time, cmdline, offset)


def run_capture(argv: Sequence[str], *, timeout: float, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Run a short helper command (not a server) and return its exit code and stdout."""
    result = subprocess.run(
        list(argv),
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
    )
    return result.returncode, result.stdout


def _reap(pid: int) -> None:
    """Collect the exit status when the process is our own child (no zombie left in tests)."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def _running(proc: psutil.Process) -> bool:
    import psutil

    try:
        if proc.status() == psutil.STATUS_ZOMBIE:
            _reap(proc.pid)
            return False
        return proc.is_running()
    except psutil.Error:
        return False


def find_process(pid: int, create_time: float, cmdline: Sequence[str]) -> psutil.Process | None:
    """The live process with this identity, or None (gone, a zombie, or a reused pid)."""
    import psutil

    try:
        proc = psutil.Process(pid)
        if abs(proc.create_time() - create_time) > CREATE_TIME_TOLERANCE:
            return None
        if not _running(proc):
            return None
        if proc.cmdline() != list(cmdline):
            return None
    except psutil.Error:
        return None
    return proc


def tree(proc: psutil.Process) -> list[psutil.Process]:
    import psutil

    try:
        return [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return [proc]


class ProcessTable:
    """Which processes each process started, read once and shared by every caller.

    Finding a process's descendants means reading the whole process table; ``status`` needs them
    for every running server, so it reads the table once instead of once per server.
    """

    def __init__(self) -> None:
        import threading

        self._lock = threading.Lock()
        self._children: dict[int, list[int]] | None = None

    def children(self, pid: int) -> list[int]:
        with self._lock:
            if self._children is None:
                import psutil

                table: dict[int, list[int]] = {}
                for p in psutil.process_iter(["ppid"]):
                    table.setdefault(p.info["ppid"], []).append(p.pid)
                self._children = table
            return self._children.get(pid, [])

    def descendants(self, pid: int) -> list[int]:
        found: list[int] = []
        todo = [pid]
        while todo:
            kids = self.children(todo.pop())
            found.extend(kids)
            todo.extend(kids)
        return found


def tree_rss(proc: psutil.Process, table: ProcessTable | None = None) -> int:
    """Resident memory of the process and all its descendants, in bytes."""
    import psutil

    if table is None:
        members = tree(proc)
    else:
        members = [proc]
        for pid in table.descendants(proc.pid):
            with contextlib.suppress(psutil.Error):
                members.append(psutil.Process(pid))
    total = 0
    for p in members:
        with contextlib.suppress(psutil.Error):
            total += p.memory_info().rss
    return total


def _group_members(pgid: int) -> list[psutil.Process]:
    import psutil

    members = []
    for p in psutil.process_iter():
        try:
            if os.getpgid(p.pid) == pgid:
                members.append(p)
        except OSError:
            continue
    return members


def _wait_gone(procs: list[psutil.Process], timeout: float) -> list[psutil.Process]:
    deadline = time.monotonic() + timeout
    alive = procs
    while True:
        alive = [p for p in alive if _running(p)]
        if not alive or time.monotonic() >= deadline:
            return alive
        time.sleep(0.05)


def group_is_the_servers(pgid: int, leader_create_time: float) -> bool:
    """True when the process group ``pgid`` can still be the one the server (created at
    ``leader_create_time``) led: no process holds the pid ``pgid``, or the one that does is that
    server (alive or a zombie).

    The OS does not reuse a pid while a process group with that id has members. So when the pid is
    held by a *different* process (a shell job, another server that leads its own session), the
    server's group is empty and gone, and the group ``pgid`` now is someone else's.
    """
    import psutil

    try:
        holder = psutil.Process(pgid)
        created = holder.create_time()
    except psutil.ZombieProcess:
        return False  # a zombie whose identity cannot be read: it may be anyone's; never signal
    except psutil.NoSuchProcess:
        return True
    except psutil.Error:
        return False
    return abs(created - leader_create_time) <= CREATE_TIME_TOLERANCE


def group_survivors(pgid: int, leader_create_time: float) -> list[psutil.Process]:
    """Processes still in the group a dead server led (its children, orphaned by a kill -9).

    Only while the group is still the server's (group_is_the_servers); then every member created
    after the server is the server's own.
    """
    import psutil

    if not group_is_the_servers(pgid, leader_create_time):
        return []
    out = []
    for p in _group_members(pgid):
        with contextlib.suppress(psutil.Error):
            if p.create_time() >= leader_create_time - CREATE_TIME_TOLERANCE and _running(p):
                out.append(p)
    return out


@dataclass(frozen=True)
class Group:
    """A process group the server led: its id (the server's pid) and the server's create time."""

    pgid: int
    leader_create_time: float


def terminate_tree(proc: psutil.Process, *, grace: float) -> str:
    """Stop ``proc``, its process group and its descendants; return the signal name that ended it
    (``SIGINT``, ``SIGTERM`` or ``SIGKILL``). ``grace`` is the wait after SIGINT and after SIGTERM.
    ``proc`` must be a verified identity (find_process)."""
    import psutil

    try:
        pgid = os.getpgid(proc.pid)
        created = proc.create_time()
    except (OSError, psutil.Error):
        pgid, created = -1, 0.0
    # Only a group the server leads (it was started in its own session) is signalled as a group.
    return terminate(tree(proc), Group(pgid, created) if pgid == proc.pid else None, grace=grace)


def terminate(procs: list[psutil.Process], group: Group | None, *, grace: float) -> str:
    """The signal ladder over ``procs`` (and their descendants) and, when given, the whole ``group``.

    The group is signalled only while it is still the server's (group_is_the_servers is checked
    before every step), so a group id that came to belong to someone else is never signalled.
    """
    import psutil

    known: dict[int, psutil.Process] = {p.pid: p for p in procs}
    steps = ((signal.SIGINT, grace), (signal.SIGTERM, grace), (signal.SIGKILL, KILL_WAIT))
    for sig, wait in steps:
        for p in list(known.values()):
            if _running(p):
                known.update((c.pid, c) for c in tree(p))
        if group is not None and not group_is_the_servers(group.pgid, group.leader_create_time):
            group = None
        pgid = group.pgid if group is not None else None
        if pgid is not None:
            known.update((p.pid, p) for p in _group_members(pgid))
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pgid, sig)
        for p in known.values():
            # psutil refuses to signal a pid that now belongs to another process.
            with contextlib.suppress(psutil.Error, OSError):
                if _running(p) and (pgid is None or os.getpgid(p.pid) != pgid):
                    p.send_signal(sig)
        alive = _wait_gone(list(known.values()), wait)
        if not alive and not (pgid is not None and [p for p in _group_members(pgid) if _running(p)]):
            return sig.name
    return "SIGKILL"
