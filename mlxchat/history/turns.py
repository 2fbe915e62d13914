"""A conversation in full, as ``history show`` and ``-c`` read it: its turns, and what continuing it
sends; their ``--json`` form (docs/history.md and its schema). Apart from mlxchat.history.model,
which ``history list`` and ``search`` import, so that they do not define these.

Named tuples with their annotations as real types (no ``from __future__ import annotations``
here), as in mlxchat.history.model.
"""

from typing import Any, NamedTuple

from mlxchat.history.model import ConversationSummary


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
