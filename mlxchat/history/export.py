"""A kept conversation as files other commands read: NDJSON messages for ``chat --messages``, and a
turn's NDJSON events for ``mlxchat render`` (the very lines ``chat --json`` wrote)."""

from __future__ import annotations

import sqlite3

from mlxchat.errors import UsageError
from mlxchat.history.turns import ConversationDetail


def select_turn(detail: ConversationDetail, turn: int | None, *, upto: bool) -> ConversationDetail:
    """Only turn ``turn`` (``upto``: every turn up to it); all of them for None."""
    if turn is None:
        return detail
    numbers = [t.turn for t in detail.turns]
    if turn not in numbers:
        raise UsageError(
            f"conversation {detail.summary.id} has no turn {turn} (it has turns 1 to {max(numbers)})"
        )
    turns = [t for t in detail.turns if (t.turn <= turn if upto else t.turn == turn)]
    return detail._replace(turns=turns)


def messages_ndjson(con: sqlite3.Connection, detail: ConversationDetail) -> tuple[str, int]:
    """The conversation as ``chat --messages`` reads it (what ``-c`` would send before a new prompt,
    the system prompt first), and how many attachments were left out (bytes not kept)."""
    from mlxchat.chat.conversation import Conversation
    from mlxchat.history.queries import continuation

    resumed = continuation(con, detail.turns, detail.summary.id)
    saved = Conversation(system=resumed.system, history=list(resumed.messages))
    return saved.to_ndjson().decode(), resumed.dropped


def events_ndjson(con: sqlite3.Connection, detail: ConversationDetail) -> str:
    """The last selected turn's events as ``chat --json`` wrote them."""
    from mlxchat.history import events_blob
    from mlxchat.history.queries import events_blob as stored_events
    from mlxchat.output.ndjson import event_line

    turn = detail.turns[-1]
    try:
        events = events_blob.decode(
            stored_events(con, turn.response_id), turn.reasoning, turn.answer, turn.end
        )
    except ValueError as exc:
        raise UsageError(f"turn {turn.turn} of conversation {turn.conversation_id}: {exc}") from None
    return b"".join(event_line(e) for e in events).decode()
