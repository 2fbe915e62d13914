"""The two events ``mlxchat batch --events`` adds around the requests' own events
(docs/protocol.md, "Batch events"; docs/events.schema.json)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final, Literal

from mlxchat.chat.events import PROTOCOL_VERSION


@dataclass(slots=True)
class BatchStart:
    type: Literal["batch_start"] = field(default="batch_start", init=False)
    v: int = field(default=PROTOCOL_VERSION, init=False)
    ts: str = ""
    """When the batch started (ISO-8601 UTC)."""
    profiles: list[dict[str, Any]] = field(default_factory=list)
    """``{"name", "url", "jobs"}`` for each profile, in the order given."""
    resumed: int = 0
    """Requests skipped because the output already holds their successful result."""
    ordered: bool = False


@dataclass(slots=True)
class BatchDone:
    type: Literal["batch_done"] = field(default="batch_done", init=False)
    ok: int = 0
    failed: int = 0
    retried: int = 0
    """Tries that failed and were tried again."""
    not_run: int = 0
    """Requests read but left without a result by an interruption (a ``--resume`` runs them)."""
    interrupted: bool = False
    usage: dict[str, int] = field(default_factory=dict)
    """``prompt_tokens``, ``completion_tokens`` and ``total_tokens`` over every successful request."""
    wall: float = 0.0
    """Seconds from the start of the batch to its end."""
    profiles: list[dict[str, Any]] = field(default_factory=list)
    """``{"name", "ok", "failed", "retried", "completion_tokens", "requests_per_second"}`` each."""


BATCH_EVENT_TYPES: Final[dict[str, type[Any]]] = {"batch_start": BatchStart, "batch_done": BatchDone}
