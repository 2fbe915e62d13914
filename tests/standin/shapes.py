"""How the stand-in process behaves before it serves: the launch shapes real servers have.

Each shape is a ``--shape`` value of server.py. They exist for lifecycle tests: mlxchat must keep
track of a server whatever its process does between launch and listening.

- ``reexec``: exec itself again with another command line (same pid, new command line).
- ``fork-and-exit``: fork; the parent exits 0, the child serves (it stays in the process group).
- ``setsid-fork``: fork; the parent exits 0, the child starts a new session and serves.
- ``daemon``: the classic double fork: fork, setsid, fork again; the first two exit, the last serves.
- ``worker-then-exit``: start a worker process that serves, then exit 3 (a crashing supervisor).
- ``serve-in-child``: start a worker process that serves and wait for it (a supervisor that lives).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SHAPES = ("reexec", "fork-and-exit", "setsid-fork", "daemon", "worker-then-exit", "serve-in-child")
SERVER = Path(__file__).resolve().parent / "server.py"


def _without_shape(argv: list[str]) -> list[str]:
    out: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--shape":
            skip = True
        elif not arg.startswith("--shape="):
            out.append(arg)
    return out


def _worker(argv: list[str]) -> subprocess.Popen[bytes]:
    worker = subprocess.Popen([sys.executable, str(SERVER), *_without_shape(argv)])
    print(f"standin: started worker {worker.pid}", flush=True)
    return worker


def take_shape(shape: str | None, argv: list[str]) -> None:
    """Become ``shape``; returns in the process that goes on to serve (if this one serves)."""
    if shape is None:
        return
    if shape == "reexec":
        print("standin: re-executing", flush=True)
        os.execv(sys.executable, [sys.executable, "-u", str(SERVER), *_without_shape(argv)])
    if shape in ("fork-and-exit", "setsid-fork", "daemon"):
        if os.fork():
            if shape == "daemon":
                os.wait()  # the middle process exits once the daemon is on its own
            os._exit(0)
        if shape != "fork-and-exit":
            os.setsid()
        if shape == "daemon" and os.fork():
            os._exit(0)
        print(f"standin: serving from pid {os.getpid()} ({shape})", flush=True)
        return
    worker = _worker(argv)
    if shape == "worker-then-exit":
        print("standin: supervisor failed; exiting with code 3", flush=True)
        sys.exit(3)
    sys.exit(worker.wait())  # serve-in-child
