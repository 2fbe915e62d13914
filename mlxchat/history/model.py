"""What the history's queries return, and their ``--json`` form (docs/history.md and its schema).

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


class Turn(NamedTuple):
    conversation_id: str
    turn: int
    response_id: int
    previous_id: int | None
    profile: str
    model: str | None
    started: str
    ended: str
    system: str | None
    messages: list[dict[str, Any]]
    """Messages this turn added before its prompt (``--messages``); attachments as references."""
    prompt: str | None
    prompt_content: Any
    """The new user message's content as stored (text, or parts with attachments as references)."""
    options: dict[str, Any]
    reasoning: str
    answer: str
    tool_calls: list[dict[str, Any]]
    status: str
    finish_reason: str | None
    usage: dict[str, int] | None
    timing: dict[str, float | None] | None
    request_id: str | None
    completion_id: str | None
    end: dict[str, Any]
    """The terminal event (``done`` or ``error``) as it was written."""
    attachments: list[dict[str, Any]]

    @property
    def ok(self) -> bool:
        return self.status == "done"

    @property
    def error(self) -> dict[str, Any] | None:
        if self.ok:
            return None
        return {key: self.end.get(key) for key in ("code", "message", "status", "hint")}

    def as_json(self) -> dict[str, Any]:
        return {
            "turn": self.turn,
            "response_id": self.response_id,
            "previous_id": self.previous_id,
            "profile": self.profile,
            "model": self.model,
            "started": self.started,
            "ended": self.ended,
            "status": self.status,
            "system": self.system,
            "messages": self.messages,
            "prompt": self.prompt,
            "prompt_content": self.prompt_content,
            "options": self.options,
            "reasoning": self.reasoning,
            "answer": self.answer,
            "tool_calls": self.tool_calls,
            "finish_reason": self.finish_reason,
            "usage": self.usage,
            "timing": self.timing,
            "request_id": self.request_id,
            "completion_id": self.completion_id,
            "error": self.error,
            "attachments": self.attachments,
        }


class ConversationDetail(NamedTuple):
    summary: ConversationSummary
    turns: list[Turn]

    def as_json(self) -> dict[str, Any]:
        return {**self.summary.as_json(), "turns": [t.as_json() for t in self.turns]}


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


class Continuation(NamedTuple):
    """A conversation to go on with: what its next request sends before the new prompt."""

    conversation_id: str
    system: str | None
    messages: list[dict[str, Any]]
    """The earlier turns as messages (answers without reasoning), without the system message."""
    previous_id: int | None
    """The last answered turn's response id (the new turn links to it)."""
    dropped: int
    """Attachments of earlier turns left out: their bytes were not kept."""
    recap: list[tuple[str, str]]
    """(prompt, answer) of the answered turns, for showing the last few."""
