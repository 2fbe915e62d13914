"""The one gateway for child processes: start servers detached, stop what is provably theirs.

A server runs in its own session (so its own process group), with stdin from /dev/null, stdout
and stderr appended to its log file, and a run id in its environment (identity.RUN_ID_ENV). Which
processes are the server's is identity.py's rule. Stopping sends SIGINT, then SIGTERM, then SIGKILL
to those processes (and to the server's group while the server holds its pid), waiting a while
after each step.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from mlxchat.errors import UsageError
from mlxchat.servers.identity import RUN_ID_ENV, Identity, group_members, holds_pid, reap, running, tree
from mlxchat.servers.interrupts import SIGNALS as STOP_SIGNALS

if TYPE_CHECKING:
    import psutil

KILL_WAIT = 5.0


@dataclass
class Spawned:
    popen: subprocess.Popen[bytes]
    pid: int
    create_time: float
    cmdline: list[str]
    """The argv launched (the process may exec into something else: it is shown, never compared)."""
    log_offset: int
    """Where this start's output begins in the log (after its header line)."""
    run_id: str
    """Put in its environment (identity.RUN_ID_ENV): every process it starts inherits it."""


def _default_stop_signals() -> None:
    """In the child, before exec: let SIGINT, SIGTERM and SIGHUP act again.

    A process started from a shell's background job inherits SIGINT as *ignored*, and Python then
    installs no handler: mlx_lm.server would ignore the first step of the stop ladder and every
    stop would wait out its timeout. A start launches with interrupts held back (interrupts.py):
    they are unblocked here too.
    """
    for sig in STOP_SIGNALS:
        signal.signal(sig, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)


def spawn(argv: Sequence[str], *, env: dict[str, str], log_path: Path, cwd: Path, label: str) -> Spawned:
    """Start ``argv`` detached (new session) with output appended to ``log_path`` and a new run id
    in its environment (``Spawned.run_id``)."""
    import psutil

    log_path.parent.mkdir(parents=True, exist_ok=True)
    cwd.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().astimezone().isoformat(timespec="seconds")
    run_id = os.urandom(16).hex()
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
                env={**os.environ, "PYTHONUNBUFFERED": "1", **env, RUN_ID_ENV: run_id},
                start_new_session=True,
                close_fds=True,
                preexec_fn=_default_stop_signals,  # noqa: PLW1509 (only signal.signal runs in it)
            )
        except OSError as exc:
            log.write(f"mlxchat: cannot run {argv[0]}: {exc.strerror}\n".encode())
            raise UsageError(f"cannot run {argv[0]!r}: {exc.strerror}") from None
    try:
        create_time = psutil.Process(popen.pid).create_time()  # readable until it is reaped
    except psutil.Error:
        create_time = time.time()
    return Spawned(popen, popen.pid, create_time, list(argv), offset, run_id)


def exited(spawned: Spawned) -> bool:
    """The launched process has exited. It is not reaped yet (its exit code waits in the zombie), so
    its pid, and with it its process group's id, stays ours while what it left is cleaned up."""
    import psutil

    try:
        return psutil.Process(spawned.pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True
    except psutil.Error:
        return spawned.popen.poll() is not None


def exit_status(spawned: Spawned) -> str:
    """How the launched process ended, ``with code 1`` or ``killed by SIGKILL``, read without
    reaping it where the OS allows (waitid with WNOWAIT), so exited() stays true of its pid."""
    code: int | None
    try:
        info = os.waitid(os.P_PID, spawned.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except (AttributeError, OSError):
        info = None
    if info is not None:
        code = info.si_status if info.si_code == os.CLD_EXITED else -info.si_status
    else:
        code = spawned.popen.poll()
    if code is None:
        return ""
    if code < 0:
        with contextlib.suppress(ValueError):
            return f"killed by {signal.Signals(-code).name}"
    return f"with code {code}"


def release(spawned: Spawned) -> None:
    """Reap the launched process once it has exited and what it left was dealt with."""
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        spawned.popen.poll()


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


def tree_members(proc: psutil.Process, table: ProcessTable | None = None) -> list[psutil.Process]:
    """The process and all its descendants (from the shared table when given)."""
    import psutil

    if table is None:
        return tree(proc)
    members = [proc]
    for pid in table.descendants(proc.pid):
        with contextlib.suppress(psutil.Error):
            members.append(psutil.Process(pid))
    return members


def tree_rss(proc: psutil.Process, table: ProcessTable | None = None) -> int:
    """Resident memory of the process and all its descendants, in bytes."""
    return rss(tree_members(proc, table))


def rss(procs: Sequence[psutil.Process]) -> int:
    import psutil

    total = 0
    for p in procs:
        with contextlib.suppress(psutil.Error):
            total += p.memory_info().rss
    return total


def _wait_gone(procs: list[psutil.Process], timeout: float, hurry: Hurry) -> list[psutil.Process]:
    deadline = time.monotonic() + timeout
    alive = procs
    while True:
        alive = [p for p in alive if running(p)]
        if not alive or time.monotonic() >= deadline or hurry():
            return alive
        time.sleep(0.05)


Hurry = Callable[[], bool]


def _never() -> bool:
    return False


def terminate(
    procs: Sequence[psutil.Process], group: Identity | None, *, grace: float, hurry: Hurry = _never
) -> str:
    """The signal ladder over ``procs`` (and their descendants as they appear) and ``group``'s process
    group; returns the signal that ended them (``SIGINT``, ``SIGTERM`` or ``SIGKILL``).

    ``procs`` must be provably the server's (identity.members). The group (the server's pid as a
    group id) is signalled only while the server still holds that pid (identity.holds_pid), checked
    before every step. ``grace`` is the wait after SIGINT and after SIGTERM; once ``hurry()`` says
    so, the ladder goes straight to SIGKILL.
    """
    import psutil

    known: dict[int, psutil.Process] = {p.pid: p for p in procs}
    steps = ((signal.SIGINT, grace), (signal.SIGTERM, grace), (signal.SIGKILL, KILL_WAIT))
    for sig, wait in steps:
        if sig != signal.SIGKILL and hurry():
            continue
        for p in list(known.values()):
            if running(p):
                known.update((c.pid, c) for c in tree(p))
        pgid = group.pid if group is not None and holds_pid(group) else None
        if pgid is not None:
            known.update((p.pid, p) for p in group_members(pgid))
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pgid, sig)
        for p in known.values():
            # psutil refuses to signal a pid that now belongs to another process.
            with contextlib.suppress(psutil.Error, OSError):
                if running(p) and (pgid is None or os.getpgid(p.pid) != pgid):
                    p.send_signal(sig)
        alive = _wait_gone(list(known.values()), wait, _never if sig == signal.SIGKILL else hurry)
        if not alive and not (pgid is not None and [p for p in group_members(pgid) if running(p)]):
            _reap_all(known)
            return sig.name
    _reap_all(known)
    return "SIGKILL"


def _reap_all(procs: dict[int, psutil.Process]) -> None:
    """Our own children among them (a server started in this process) leave no zombie."""
    for pid in procs:
        reap(pid)
