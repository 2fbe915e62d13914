"""What a failed try means, and how long to wait before the next one.

- Connection failures, broken streams and idle timeouts say the *profile* stopped answering: it is
  taken out of rotation for a while and the request is tried again, elsewhere when another profile
  is in rotation (at once), else after a backoff.
- HTTP 408, 429 and 5xx (also inside a 200 stream, when the server's error names such a status) say
  *this try* failed: the request is tried again, at once on another profile in rotation that has
  not failed it, else after an exponential backoff with jitter and never sooner than the server's
  ``Retry-After``. A profile that refuses several tries in a row is taken out of rotation too
  (mlxchat.batch.lanes).
- Anything else (other 4xx, an answer that is not a chat completion, an error without a status) is
  the end: retrying would get the same answer.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from enum import Enum
from typing import Final

from mlxchat.chat.events import Done, Error, TerminalEvent

LANE_CODES: Final = frozenset({"unreachable", "stream_broken", "idle_timeout"})
RETRY_STATUSES: Final = frozenset({408, 429})


class Verdict(Enum):
    OK = "ok"
    LANE = "lane"
    """The profile failed: out of rotation, and the request goes elsewhere."""
    RETRY = "retry"
    """This try failed: try again elsewhere, or after a backoff."""
    FINAL = "final"


def verdict(end: TerminalEvent) -> Verdict:
    if isinstance(end, Done):
        return Verdict.OK
    assert isinstance(end, Error)
    if end.code in LANE_CODES:
        return Verdict.LANE
    status = end.status
    if end.code in ("http_error", "server_error") and status is not None and _retryable(status):
        return Verdict.RETRY
    return Verdict.FINAL


def _retryable(status: int) -> bool:
    return status in RETRY_STATUSES or 500 <= status <= 599


@dataclass(frozen=True)
class Backoff:
    """``base * 2**(n-1)`` seconds before the n-th retry, at most ``cap``, times a random factor in
    [0.5, 1] so that requests that failed together do not come back together."""

    base: float = 0.5
    cap: float = 30.0

    def delay(self, retry: int, rng: random.Random) -> float:
        return float(min(self.cap, self.base * 2.0 ** max(0, retry - 1)) * rng.uniform(0.5, 1.0))


REQUEST_BACKOFF: Final = Backoff(0.5, 30.0)
"""Between the tries of one request."""
LANE_BACKOFF: Final = Backoff(1.0, 30.0)
"""How long a profile that stopped answering stays out of rotation, by failures in a row."""
