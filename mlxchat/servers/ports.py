"""Ports: is one free, who holds it, and a free one for a new profile."""

from __future__ import annotations

import errno
import os
import socket
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from mlxchat.errors import UsageError
from mlxchat.urls import connect_host

if TYPE_CHECKING:
    import psutil

FIRST_AUTO_PORT = 8800
LAST_AUTO_PORT = 8999


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def bind_host(host: str) -> str:
    return "127.0.0.1" if host == "localhost" else host


@contextmanager
def _listen_errors(host: str) -> Iterator[None]:
    """A host no server here can listen on (not this machine's address, no such name) is bad input."""
    try:
        yield
    except OSError as exc:
        if isinstance(exc, socket.gaierror) or exc.errno in (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT):
            raise UsageError(f"cannot listen on {host}: {exc.strerror}", hint=_HOST_HINT) from None
        raise


_HOST_HINT = "use 127.0.0.1 (this machine only), 0.0.0.0 (every address) or one of this machine's addresses"


def check_listen_host(host: str) -> None:
    """UsageError (exit 2) unless a server on this machine could listen on ``host``."""
    _any_port(host)


def _any_port(host: str) -> int:
    """A port the OS gives a listener on ``host`` now; UsageError when nothing here can listen there."""
    with _listen_errors(host), socket.socket(_family(bind_host(host)), socket.SOCK_STREAM) as s:
        s.bind((bind_host(host), 0))
        return int(s.getsockname()[1])


def port_is_free(host: str, port: int) -> bool:
    """True when a server could bind ``host:port`` now (with SO_REUSEADDR, as servers do) and
    nothing answers there (on macOS a wildcard listener does not stop a specific bind).
    UsageError when no server here can listen on ``host`` at all."""
    shown = host
    host = bind_host(host)
    with _listen_errors(shown), socket.socket(_family(host), socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    probe = connect_host(host)
    with socket.socket(_family(probe), socket.SOCK_STREAM) as s:
        s.settimeout(0.2)
        try:
            s.connect((probe, port))
        except OSError:
            return True
    return False


def pick_free_port(host: str, taken: Iterable[int]) -> int:
    """A free port not used by another profile: the first in 8800-8999, else one the OS picks."""
    used = set(taken)
    for port in range(FIRST_AUTO_PORT, LAST_AUTO_PORT + 1):
        if port not in used and port_is_free(host, port):
            return port
    while True:
        port = _any_port(host)
        if port not in used:
            return port


def _listens(conns: Iterable[object], port: int) -> bool:
    import psutil

    return any(
        c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port == port  # type: ignore[attr-defined]
        for c in conns
    )


def listener_pid(port: int) -> int | None:
    """The pid listening on ``port``, when the OS tells: Linux tells of a user's own processes'
    sockets; macOS tells only root, so there the user's own processes are asked one by one."""
    import psutil

    try:
        for conn in psutil.net_connections(kind="tcp"):
            if conn.pid and _listens([conn], port):
                return conn.pid
        return None
    except (psutil.AccessDenied, OSError):
        pass
    me = os.getuid()
    for proc in psutil.process_iter(["uids"]):
        try:
            if (
                proc.info["uids"]
                and proc.info["uids"].real == me
                and _listens(proc.net_connections("inet"), port)
            ):
                return proc.pid
        except (psutil.Error, OSError):
            continue
    return None


def listens_here(procs: Iterable[psutil.Process], port: int) -> bool | None:
    """Whether the process listening on ``port`` is one of ``procs`` (a server and what it started):
    True, False (another process the OS names listens there), or None (the OS does not say)."""
    import psutil

    for proc in procs:
        try:
            if _listens(proc.net_connections("tcp"), port):
                return True
        except (psutil.Error, OSError):
            continue
    return False if listener_pid(port) is not None else None


def describe_pid(pid: int) -> str:
    """``pid 123 (python3 server.py ...)``"""
    import psutil

    try:
        proc = psutil.Process(pid)
        cmd = " ".join(proc.cmdline()) or proc.name()
    except (psutil.Error, OSError):
        cmd = "?"
    if len(cmd) > 100:
        cmd = cmd[:97] + "..."
    return f"pid {pid} ({cmd})"


def port_holder(port: int) -> str | None:
    """``"pid 123 (python3 server.py ...)"`` for the process listening on ``port``, when the OS tells
    (listener_pid). None when it cannot be known."""
    pid = listener_pid(port)
    return describe_pid(pid) if pid is not None else None
