"""A conversation's state. No I/O: unit-testable.

A :class:`Conversation` holds the system prompt, the history of answered turns (user and assistant
messages; reasoning is never kept, so it is never sent back) and the attachments waiting for the
next message. Every turn continues one: a one-shot chat's starts from ``--messages``, an
interactive chat's grows turn by turn (mlxchat.chat.lines parses what is typed there).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Final, TypeAlias

import orjson

from mlxchat.plain_record import PlainRecord

Content: TypeAlias = str | list[dict[str, Any]]
"""A message's content: plain text, or OpenAI content parts (text, images, videos)."""

NO_SYSTEM: Final = "-"
"""``/system -``: send no system message at all (not even the profile's)."""


class Pending(PlainRecord):
    """An attachment waiting for the next message: its content parts and summaries, prepared."""

    __slots__ = ("name", "parts", "summaries")

    def __init__(self, name: str, parts: list[dict[str, Any]], summaries: list[dict[str, Any]]) -> None:
        self.name: Final = name
        self.parts: Final = parts
        self.summaries: Final = summaries


class Conversation(PlainRecord):
    __slots__ = ("history", "pending", "system")

    def __init__(
        self,
        system: str | None = None,
        history: list[dict[str, Any]] | None = None,
        pending: list[Pending] | None = None,
    ) -> None:
        self.system = system
        """The system prompt sent first in every request; None sends none."""
        self.history: Final = [] if history is None else history
        """Earlier messages, in order, without the system message."""
        self.pending: Final = [] if pending is None else pending

    @classmethod
    def start(
        cls,
        seed: Sequence[dict[str, Any]] = (),
        *,
        system_option: str | None = None,
        profile_system: str | None = None,
    ) -> Conversation:
        """A conversation continuing ``seed`` (``--messages``). The system prompt's one rule:
        ``--system`` wins over the seed's own system message, which wins over the profile's
        ``system_prompt``; ``--system ""`` means no system message at all."""
        history = [dict(m) for m in seed]
        seed_system: str | None = None
        if history and history[0].get("role") == "system":
            first = history.pop(0)
            seed_system = text_of(first.get("content"))
        if system_option is not None:
            system = system_option or None
        elif seed_system is not None:
            system = seed_system
        else:
            system = profile_system or None
        return cls(system=system, history=history)

    # -- editing --

    def set_system(self, text: str) -> None:
        """``/system TEXT``; ``-`` (or an empty text) means no system message."""
        self.system = None if text in ("", NO_SYSTEM) else text

    def clear(self) -> int:
        """Forget the history and the pending attachments; return how many messages were dropped."""
        dropped = len(self.history)
        self.history.clear()
        self.pending.clear()
        return dropped

    def attach(self, name: str, parts: list[dict[str, Any]], summaries: list[dict[str, Any]]) -> None:
        """Queue prepared attachments (their content parts) for the next message; no parts (a
        text-only profile left them out) queue nothing."""
        if parts:
            self.pending.append(Pending(name, parts, summaries))

    # -- a turn --

    def user_content(self, text: str) -> Content:
        """The next user message's content: the text, then every pending attachment's parts."""
        if not self.pending:
            return text
        parts: list[dict[str, Any]] = [{"type": "text", "text": text}] if text else []
        for item in self.pending:
            parts.extend(item.parts)
        return parts

    def attachment_summaries(self) -> list[dict[str, Any]]:
        return [summary for item in self.pending for summary in item.summaries]

    def request_messages(self, content: Content) -> list[dict[str, Any]]:
        """Every message of the next request: the system prompt, the history, the new user message."""
        messages = self.saved_messages()
        messages.append({"role": "user", "content": content})
        return messages

    def record(self, content: Content, answer: str) -> None:
        """A turn was answered: keep the user message and the answer (not the reasoning), and the
        pending attachments have been sent."""
        self.history.append({"role": "user", "content": content})
        self.history.append({"role": "assistant", "content": answer.strip()})
        self.pending.clear()

    # -- saving --

    def saved_messages(self) -> list[dict[str, Any]]:
        head = [{"role": "system", "content": self.system}] if self.system is not None else []
        return head + [dict(m) for m in self.history]

    def to_ndjson(self) -> bytes:
        """The conversation as NDJSON, one OpenAI message per line (what ``--messages`` reads)."""
        return ndjson(self.saved_messages())


def ndjson(messages: Iterable[dict[str, Any]]) -> bytes:
    return b"".join(orjson.dumps(m) + b"\n" for m in messages)


def text_of(content: Any) -> str:
    """The text of a message's content: a string as it is, the text of its parts joined."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""


def describe_attachment(summary: dict[str, Any]) -> str:
    """One line about a prepared attachment: ``photo.jpg (jpeg 6000x4000 -> jpeg 2048x1365, 387.0 KB)``."""
    from mlxchat.units import human_bytes  # only a chat with attachments shows one

    def facts(d: dict[str, Any] | None) -> str:
        if not d:
            return ""
        size = f" {d['width']}x{d['height']}" if d.get("width") and d.get("height") else ""
        return f"{d.get('format', '?')}{size}"

    original, sent = summary.get("original"), summary.get("sent")
    if sent is None:
        detail = "the server fetches it"
    else:
        size = human_bytes(int(sent.get("bytes", 0)))
        before, after = facts(original), facts(sent)
        detail = f"{after}, {size}" if before == after or not before else f"{before} -> {after}, {size}"
    notes = "; ".join(str(n) for n in summary.get("notes") or [])
    return f"{summary.get('name', '?')} ({detail}{'; ' + notes if notes else ''})"
