"""One lane per profile: its shared HTTP client, its requests in flight, whether it is in rotation.

A request goes to the lane in rotation with the fewest requests in flight (ties: the one that was
given fewer so far), as long as that lane has room (``jobs`` in flight). A retry avoids the lanes
that failed that request already, while another lane is in rotation (it waits for room there).

A lane is taken out of rotation for a backoff (0.5-1 s, doubling to 15-30 s; never shorter than a
``Retry-After`` it was sent) when its server stops answering (one failure is enough), or when it
answers ``REFUSALS_OUT`` retryable HTTP errors (408, 429, 5xx) in a row without a success between;
then it gets one request, and full traffic again once that one succeeds (a refusal of that one
takes it out again). When no lane is in rotation at all, requests still go out (to lanes with
room) and each fails or succeeds on its own tries.

Not thread-safe by itself: the runner calls it under its lock.
"""

from __future__ import annotations

import random
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any, Final

from mlxchat.batch.retry import LANE_BACKOFF
from mlxchat.profile import Profile

REFUSALS_OUT: Final = 3
"""Retryable HTTP errors in a row (no success between) that take a lane out of rotation."""


@dataclass
class Counts:
    """What came of requests: of one lane, or (mlxchat.batch.runner.Tally) of the whole batch."""

    ok: int = 0
    failed: int = 0
    retried: int = 0
    """Tries that failed and were tried again (here or elsewhere)."""
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def done(self) -> int:
        return self.ok + self.failed

    def add(self, ok: bool, usage: dict[str, int]) -> None:
        """One request ended; ``usage`` of a successful one counts."""
        if ok:
            self.ok += 1
            self.prompt_tokens += usage.get("prompt_tokens", 0)
            self.completion_tokens += usage.get("completion_tokens", 0)
        else:
            self.failed += 1


@dataclass
class Lane:
    profile: Profile
    jobs: int
    client: Any = None
    """The ``http_client`` every request of this lane is sent with (connections are reused)."""
    in_flight: int = 0
    given: int = 0
    """Requests sent to this lane so far."""
    out_until: float = 0.0
    """Monotonic time at which it comes back into rotation."""
    strikes: int = 0
    """Times in a row it was taken out of rotation: the backoff grows with them."""
    refusals: int = 0
    """Retryable HTTP errors (408, 429, 5xx) in a row since its last success or time out."""
    stats: Counts = field(default_factory=Counts)

    @property
    def name(self) -> str:
        return self.profile.name

    def in_rotation(self, now: float) -> bool:
        return now >= self.out_until

    def room(self) -> bool:
        # Back from a failure: one request at a time until one succeeds.
        return self.in_flight < (1 if self.strikes else self.jobs)

    def failed(self, now: float, rng: random.Random, at_least: float | None = None) -> None:
        """Its server stopped answering: out of rotation (once for all the requests that fail
        together), for a backoff and at least ``at_least`` seconds (a ``Retry-After``)."""
        if now < self.out_until:
            return
        self.strikes += 1
        self.refusals = 0
        self.out_until = now + max(LANE_BACKOFF.delay(self.strikes, rng), at_least or 0.0)

    def refused(self, now: float, rng: random.Random, retry_after: float | None) -> None:
        """A try got a retryable HTTP error: out of rotation at the ``REFUSALS_OUT``-th in a row, or
        at once when it is back on trial (its one request after a time out)."""
        self.refusals += 1
        if self.strikes or self.refusals >= REFUSALS_OUT:
            self.failed(now, rng, retry_after)

    def answered(self) -> None:
        self.strikes = self.refusals = 0
        self.out_until = 0.0


class Lanes:
    def __init__(self, lanes: list[Lane]) -> None:
        self.all = lanes

    def pick(self, now: float, avoid: Collection[str] = ()) -> Lane | None:
        """The lane for the next request, or None when it must wait for room. ``avoid``: the names
        of lanes that failed this request, passed over while another lane is in rotation."""
        live = [lane for lane in self.all if lane.in_rotation(now)]
        pool = live or self.all
        pool = [lane for lane in pool if lane.name not in avoid] or pool
        ready = [lane for lane in pool if lane.room()]
        if not ready:
            return None
        return min(ready, key=lambda lane: (lane.in_flight, lane.given))

    def elsewhere(self, avoid: Collection[str], now: float) -> bool:
        """A lane not in ``avoid`` is in rotation (a request that failed on those can go there at once)."""
        return any(lane.name not in avoid and lane.in_rotation(now) for lane in self.all)

    def names(self) -> frozenset[str]:
        return frozenset(lane.name for lane in self.all)

    def next_return(self, now: float) -> float | None:
        """When the first lane out of rotation comes back (None if every lane is in rotation)."""
        times = [lane.out_until for lane in self.all if not lane.in_rotation(now)]
        return min(times) if times else None

    @property
    def in_flight(self) -> int:
        return sum(lane.in_flight for lane in self.all)

    @property
    def capacity(self) -> int:
        return sum(lane.jobs for lane in self.all)

    def close(self) -> None:
        for lane in self.all:
            if lane.client is not None:
                lane.client.close()
