"""Whole processes on a pseudo-terminal, for the rendering benchmark: their CPU, what they wrote,
how many frames they drew, and (run by cachegrind) how many instructions they executed."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import tempfile
import termios
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks.bench_instructions import counted, under_valgrind

ROWS, COLS = 40, 100
SYNC_BEGIN = b"\x1b[?2026h"


@dataclass
class Run:
    cpu: float
    written: int
    frames: int
    wall: float


class PtyRun:
    """One whole process with stdout and stderr on a pseudo-terminal that is read as fast as it can be."""

    def __init__(self, argv: Sequence[str], env: dict[str, str]) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
        self.written = 0
        self.frames = 0
        self.reader = threading.Thread(target=self._drain, daemon=True)
        self.reader.start()
        self.started = time.perf_counter()
        self.argv = list(argv)
        self.proc = subprocess.Popen(self.argv, stdin=slave, stdout=slave, stderr=slave, env=env)
        os.close(slave)

    def _drain(self) -> None:
        tail = b""
        while True:
            try:
                data = os.read(self.master, 1 << 16)
            except OSError:
                return
            if not data:
                return
            self.written += len(data)
            both = tail + data
            self.frames += both.count(SYNC_BEGIN) - tail.count(SYNC_BEGIN)
            tail = both[-len(SYNC_BEGIN) :]

    def wait(self) -> Run:
        _, status, usage = os.wait4(self.proc.pid, 0)
        wall = time.perf_counter() - self.started
        self.proc.returncode = os.waitstatus_to_exitcode(status)
        self.reader.join(timeout=10)
        os.close(self.master)
        if self.proc.returncode != 0:
            raise RuntimeError(f"{' '.join(self.argv)} exited with {self.proc.returncode}")
        return Run(usage.ru_utime + usage.ru_stime, self.written, self.frames, wall)


def together(commands: Sequence[Sequence[str]], env: dict[str, str]) -> list[Run]:
    started = [PtyRun(argv, env) for argv in commands]
    return [run.wait() for run in started]


def instructions(argv: list[str], env: dict[str, str]) -> int:
    """Instructions one run of ``argv`` executes on a pseudo-terminal (cachegrind's count; the same
    hashes every run, so the same work; its report goes to a file, the terminal is the program's)."""
    with tempfile.TemporaryDirectory(prefix="mlxchat-bench-valgrind-") as scratch:
        log = Path(scratch) / "cachegrind.log"
        PtyRun(under_valgrind(argv, f"--log-file={log}"), {**env, "PYTHONHASHSEED": "0"}).wait()
        return counted(log.read_text(encoding="utf-8", errors="replace"))
