"""The stand-in server: an OpenAI-compatible HTTP server (stdlib only) that can misbehave.

Run as a real child process::

    python tests/standin/server.py --port 8123 [--host 127.0.0.1] [process flags]

Process flags shape start-up and shutdown (for lifecycle tests): a delay before binding, exiting
during start-up (with any code, after writing log lines), never becoming ready, ignoring SIGTERM or
SIGINT, spawning a child process that stays in the process group, and ``--shape`` for the ways real
servers reach the serving process (re-exec, forks, daemons, workers: shapes.py). Launchers that
wrap it as people launch servers (a shim that execs, a ``#!/usr/bin/env python3`` script) are in
launchers/.

What a chat request gets is chosen per request by a *scenario* (for chat tests): the request's
``model`` field names it (``"model": "close-mid-stream"``, with any arguments after a colon:
``"paced:code:1000:200"``), else ``--scenario`` (default ``think-content``). Scenarios live in
scenarios.py and stream_faults.py. Faults counted over all chat requests, in front of any scenario
(latency, every N-th request failing, ``Retry-After``, a server that dies mid-batch: for batch
tests), live in batch_faults.py.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from batch_faults import Faults, add_fault_flags
from scenarios import HAPPENINGS, SCENARIOS, Responder
from shapes import SHAPES, take_shape
from stream_faults import SCENARIOS as STREAM_FAULTS

SCENARIOS.update(STREAM_FAULTS)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: StandinServer

    def log_message(self, format: str, *args: Any) -> None:
        sys.stderr.write("standin: " + (format % args) + "\n")
        sys.stderr.flush()

    def _json(self, status: int, obj: Any) -> None:
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path == "/health":
            if self.server.options.never_ready:
                self._json(503, {"status": "loading"})
            else:
                self._json(200, {"status": "ok", "model_id": "standin"})
        elif self.path == "/v1/models":
            self._json(200, {"object": "list", "data": [{"id": "standin", "object": "model"}]})
        elif self.path == "/standin/happenings":
            self._json(200, list(HAPPENINGS))
        else:
            self._json(404, {"detail": "Not Found"})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except json.JSONDecodeError:
            self._json(400, {"error": "Invalid JSON in request body"})
            return
        if self.path != "/v1/chat/completions":
            self._json(404, {"detail": "Not Found"})
            return
        if self.server.faults.before_answer(self, body):
            return
        # A scenario may take arguments after a colon ("paced:code:1000:200").
        requested = str(body.get("model")).partition(":")[0]
        name = requested if requested in SCENARIOS else self.server.options.scenario
        SCENARIOS[name](Responder(self), body, self.server.options)


class StandinServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], options: argparse.Namespace) -> None:
        self.options = options
        self.faults = Faults(options)
        super().__init__(address, Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that leaves mid-answer is part of the tests, not a server failure: no traceback."""
        if isinstance(sys.exc_info()[1], ConnectionResetError | BrokenPipeError | ConnectionAbortedError):
            return
        super().handle_error(request, client_address)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--scenario", default="think-content", choices=sorted(SCENARIOS))
    p.add_argument("--startup-delay", type=float, default=0.0, help="seconds before binding the port")
    p.add_argument(
        "--exit-during-startup",
        type=int,
        default=None,
        metavar="CODE",
        help="write a few log lines, then exit with CODE before binding",
    )
    p.add_argument("--never-ready", action="store_true", help="bind, but /health answers 503 forever")
    p.add_argument("--ignore-sigterm", action="store_true")
    p.add_argument("--ignore-sigint", action="store_true")
    p.add_argument(
        "--spawn-child",
        action="store_true",
        help="start a child process (in our process group) that outlives nothing on its own",
    )
    p.add_argument(
        "--spawn-detached-child",
        action="store_true",
        help="start a child process in a new session (it leaves our process group), ignoring SIGINT",
    )
    p.add_argument("--shape", choices=SHAPES, help="a launch shape before serving (shapes.py)")
    p.add_argument(
        "--announce-time", action="store_true", help="log the wall-clock time the port was bound (benchmarks)"
    )
    p.add_argument("--chunks", type=int, default=200, help="chunk count for the 'fast' scenario")
    p.add_argument("--delay", type=float, default=0.0, help="seconds between chunks of normal scenarios")
    p.add_argument("--replay", metavar="FILE", help="the recorded response for the 'replay' scenario")
    add_fault_flags(p)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    options = parse_args(argv)
    print(f"standin: starting (pid {os.getpid()})", flush=True)
    take_shape(options.shape, sys.argv[1:] if argv is None else argv)
    if options.ignore_sigterm:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if options.ignore_sigint:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    else:
        signal.signal(signal.SIGINT, lambda *_: sys.exit(0))
    signal.signal(signal.SIGTERM, signal.SIG_IGN if options.ignore_sigterm else (lambda *_: sys.exit(0)))
    if options.spawn_child:
        child = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                "while True: time.sleep(1)",
            ]
        )
        print(f"standin: spawned child {child.pid}", flush=True)
    if options.spawn_detached_child:
        detached = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                "while True: time.sleep(1)",
            ],
            start_new_session=True,
        )
        print(f"standin: spawned detached child {detached.pid}", flush=True)
    if options.startup_delay:
        print(f"standin: loading for {options.startup_delay}s", flush=True)
        time.sleep(options.startup_delay)
    if options.exit_during_startup is not None:
        print("standin: loading model failed: out of stand-in memory", flush=True)
        print("standin: Application startup failed. Exiting.", flush=True)
        sys.exit(options.exit_during_startup)
    server = StandinServer((options.host, options.port), options)
    if options.announce_time:
        print(f"standin: bound at {time.time():.6f}", flush=True)
    print(f"standin: running on http://{options.host}:{options.port}", flush=True)
    try:
        server.serve_forever(poll_interval=0.05)
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
