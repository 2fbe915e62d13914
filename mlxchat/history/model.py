"""What ``history list`` and ``history search`` return, and their ``--json`` form (docs/history.md
and its schema). A conversation in full is mlxchat.history.turns.

Named tuples, not dataclasses, with their annotations as real types (no ``from __future__ import
annotations`` here): ``typing.NamedTuple`` compiles each annotation given as a string when it
defines the class, which made defining these take longer than ``history list``'s query.
"""

from typing import Any, NamedTuple


class ConversationSummary(NamedTuple):
    id: str
    profile: str
    server_kind: str | None
    url: str | None
    model: str | None
    created: str
    """ISO-8601 UTC time of the first turn's request."""
    updated: str
    """ISO-8601 UTC time the last turn was logged."""
    turns: int
    status: str | None
    """How the last turn ended: ``done`` or an error code."""
    prompt: str | None
    """The first turn's prompt."""

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "profile": self.profile,
            "server_kind": self.server_kind,
            "url": self.url,
            "model": self.model,
            "created": self.created,
            "updated": self.updated,
            "turns": self.turns,
            "status": self.status,
            "prompt": self.prompt,
        }


class SearchHit(NamedTuple):
    conversation_id: str
    turn: int
    profile: str
    model: str | None
    started: str
    status: str
    prompt: str | None
    snippet: str
    highlights: list[tuple[int, int]]
    """``[start, end)`` character offsets of the matches in ``snippet``."""
    score: float
    """FTS5's bm25 rank: lower is a better match."""

    def as_json(self) -> dict[str, Any]:
        return {
            "conversation_id": self.conversation_id,
            "turn": self.turn,
            "profile": self.profile,
            "model": self.model,
            "started": self.started,
            "status": self.status,
            "prompt": self.prompt,
            "snippet": self.snippet,
            "highlights": [list(h) for h in self.highlights],
            "score": self.score,
        }
