"""Faults the stand-in adds in front of any scenario, counted over all chat requests (for batches):

- ``--latency S``: every chat request waits S seconds before its answer starts;
- ``--fail-every N``: every N-th chat request is answered ``--fail-status`` (default 500), with a
  ``Retry-After: --retry-after`` header when that is given (``--fail-status 429 --retry-after 1``);
- ``--die-after N``: after N chat requests have been answered, the next one gets the start of a
  stream and then the whole server exits (``os._exit``): a server that dies mid-batch.

Each failure is recorded (``fail: 500``), and with ``--record-requests`` every chat request as it
arrives (``request: N at T: PROMPT``, T the server's wall clock), served at ``GET /standin/happenings``.
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
from typing import Any

from scenarios import chunk, last_text, record


def add_fault_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--latency", type=float, default=0.0, help="seconds before every chat answer starts")
    p.add_argument("--fail-every", type=int, default=0, metavar="N", help="fail every N-th chat request")
    p.add_argument("--fail-status", type=int, default=500, help="the status of those failures")
    p.add_argument("--retry-after", default=None, metavar="S", help="Retry-After header of those failures")
    p.add_argument("--die-after", type=int, default=0, metavar="N", help="exit mid-stream after N answers")
    p.add_argument("--record-requests", action="store_true", help="record 'request: N' as each arrives")


class Faults:
    def __init__(self, options: argparse.Namespace) -> None:
        self.options = options
        self._lock = threading.Lock()
        self._count = 0

    def before_answer(self, handler: Any, body: dict[str, Any]) -> bool:
        """Apply the faults to one chat request; True when it has been answered (or the server died)."""
        options = self.options
        with self._lock:
            self._count += 1
            number = self._count
        if options.record_requests:
            record(f"request: {number} at {time.time():.3f}: {last_text(body)}")
        if options.latency:
            time.sleep(options.latency)
        if options.die_after and number > options.die_after:
            self._die(handler)
        if options.fail_every and number % options.fail_every == 0:
            record(f"fail: {options.fail_status}")
            self._fail(handler)
            return True
        return False

    def _fail(self, handler: Any) -> None:
        status = self.options.fail_status
        body = json.dumps({"error": {"message": f"stand-in failure ({status})", "code": status}}).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        if self.options.retry_after is not None:
            handler.send_header("Retry-After", str(self.options.retry_after))
        handler.end_headers()
        handler.wfile.write(body)

    def _die(self, handler: Any) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/event-stream")
        handler.end_headers()
        handler.wfile.write(b"data: " + json.dumps(chunk({"content": "The answer"})).encode() + b"\n\n")
        handler.wfile.flush()
        os._exit(3)
