"""Pretty rendering cost: a long Markdown answer from the stand-in at full speed, output to a pty.

Goal (issue: pretty terminal output): the CPU that pretty mode costs beyond NDJSON mode on the same
stream is at most 1.5x the floor, where the floor is a whole ``python -c`` process that imports Rich
and prints the final Markdown once; and the 10,000-token run costs at most 2.5x the 5,000-token run
(linear growth). CPU is user+system time of the whole child process (os.wait4), median of 5 runs,
all variants interleaved in the same run.
"""

from __future__ import annotations

import fcntl
import os
import pty
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import httpx
import tomli_w

from benchmarks.timing import process_env
from tests.standin.markdown_doc import markdown_doc

REPO = Path(__file__).resolve().parents[1]
ROWS, COLS = 40, 100
SIZES = (5000, 10000)


def cpu_on_pty(argv: Sequence[str], env: dict[str, str]) -> float:
    """User+system CPU seconds of one whole process whose stdout and stderr are a pseudo-terminal."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))

    def drain() -> None:
        while True:
            try:
                if not os.read(master, 1 << 16):
                    return
            except OSError:
                return

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    proc = subprocess.Popen(list(argv), stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, env=env)
    os.close(slave)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    reader.join(timeout=5)
    os.close(master)
    if proc.returncode != 0:
        raise RuntimeError(f"{argv} exited with {proc.returncode}")
    return usage.ru_utime + usage.ru_stime


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_standin(port: int, tokens: int) -> subprocess.Popen[bytes]:
    script = REPO / "tests" / "standin" / "server.py"
    proc = subprocess.Popen(
        [sys.executable, str(script), "--port", str(port), "--chunks", str(tokens)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/health", timeout=0.5)
            return proc
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError("stand-in did not start")


FLOOR = (
    "import sys\nfrom rich.console import Console\nfrom rich.markdown import Markdown\n"
    "Console().print(Markdown(open(sys.argv[1]).read()))"
)


def main(runs: int = 5) -> bool:
    home = Path(tempfile.mkdtemp(prefix="mlxchat-bench-"))
    servers: list[subprocess.Popen[bytes]] = []
    try:
        profiles = {}
        for tokens in SIZES:
            port = free_port()
            servers.append(start_standin(port, tokens))
            url = f"http://127.0.0.1:{port}/v1"
            profiles[f"md{tokens}"] = {"server": "remote", "url": url, "model": "markdown"}
            (home / f"doc{tokens}.md").write_text(markdown_doc(tokens))
        (home / "config").mkdir(parents=True)
        (home / "config" / "profiles.toml").write_text(tomli_w.dumps({"profiles": profiles}))
        env = {k: v for k, v in process_env().items() if k not in ("NO_COLOR", "FORCE_COLOR")}
        env.update(MLXCHAT_HOME=str(home), TERM="xterm-256color")
        chat = [sys.executable, "-m", "mlxchat", "chat"]
        commands = {"floor5000": [sys.executable, "-c", FLOOR, str(home / "doc5000.md")]}
        for tokens in SIZES:
            commands[f"ndjson{tokens}"] = [*chat, f"md{tokens}", "q", "--json"]
            commands[f"pretty{tokens}"] = [*chat, f"md{tokens}", "q", "--format", "pretty"]
        samples: dict[str, list[float]] = {name: [] for name in commands}
        for argv in commands.values():
            cpu_on_pty(argv, env)  # warm-up
        for _ in range(runs):
            for name, argv in commands.items():
                samples[name].append(cpu_on_pty(argv, env))
        med = {name: statistics.median(values) for name, values in samples.items()}
        for name, value in med.items():
            print(f"{name}: median CPU {value * 1000:.0f} ms")
        floor = med["floor5000"]
        extra = {tokens: med[f"pretty{tokens}"] - med[f"ndjson{tokens}"] for tokens in SIZES}
        growth = med["pretty10000"] / med["pretty5000"]
        print(
            f"pretty beyond ndjson, 5,000 tokens: {extra[5000] * 1000:.0f} ms = {extra[5000] / floor:.2f}x "
            f"the floor ({floor * 1000:.0f} ms; goal <= 1.5x)"
        )
        print(f"pretty beyond ndjson, 10,000 tokens: {extra[10000] * 1000:.0f} ms")
        print(f"pretty 10,000 tokens / 5,000 tokens: {growth:.2f}x (goal <= 2.5x)")
        return extra[5000] / floor <= 1.5 and growth <= 2.5
    finally:
        for server in servers:
            server.kill()
            server.wait()
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
