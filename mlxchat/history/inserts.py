"""Writing one turn: the conversation row, the response, its attachments (and their bytes), at once."""

from __future__ import annotations

import sqlite3

from mlxchat.history.database import transaction
from mlxchat.history.ids import new_id
from mlxchat.history.turn_row import TurnRow

_RESPONSE_COLUMNS = (
    "conversation_id", "turn", "previous_id", "profile", "model", "started", "ended", "system",
    "messages", "prompt", "prompt_parts", "options", "reasoning", "answer", "tool_calls", "status",
    "finish_reason", "usage", "ttft", "thinking", "total", "request_id", "completion_id",
    "end_event", "events",
)  # fmt: skip
_INSERT_RESPONSE = (
    f"INSERT INTO responses ({', '.join(_RESPONSE_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in _RESPONSE_COLUMNS)})"
)


def insert_turn(
    con: sqlite3.Connection,
    row: TurnRow,
    conversation_id: str | None,
    *,
    keep_bytes: bool,
    previous_id: int | None = None,
) -> tuple[str, int]:
    """Insert ``row`` into ``conversation_id`` (a new conversation when None, or when it was removed
    meanwhile); the conversation id and the new response id."""
    with transaction(con):
        conversation_id = conversation_id or new_id(row.ended)
        con.execute(
            "INSERT OR IGNORE INTO conversations (id, profile, server_kind, url, model, created, updated)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (conversation_id, row.profile, row.server_kind, row.url, row.model, row.started, row.ended),
        )
        (turn,) = con.execute(
            "SELECT COALESCE(MAX(turn), 0) + 1 FROM responses WHERE conversation_id = ?", (conversation_id,)
        ).fetchone()
        values = (
            conversation_id, turn, previous_id, row.profile, row.model, row.started, row.ended,
            row.system, row.messages, row.prompt, row.prompt_parts, row.options, row.reasoning,
            row.answer, row.tool_calls, row.status, row.finish_reason, row.usage, row.ttft,
            row.thinking, row.total, row.request_id, row.completion_id, row.end_event, row.events,
        )  # fmt: skip
        response_id = con.execute(_INSERT_RESPONSE, values).lastrowid
        assert response_id is not None
        con.executemany(
            "INSERT INTO attachments (response_id, position, kind, name, source, sha256, sent_type,"
            " sent_bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (response_id, a.position, a.kind, a.name, a.source, a.sha256, a.sent_type, a.sent_bytes)
                for a in row.attachments
            ],
        )
        if keep_bytes and row.media:
            con.executemany(
                "INSERT OR IGNORE INTO blobs (sha256, data) VALUES (?, ?)",
                [(m.sha256, m.data) for m in row.media],
            )
        con.execute(
            "UPDATE conversations SET profile = ?, server_kind = ?, url = ?, model = ?, updated = ?,"
            " turns = turns + 1 WHERE id = ?",
            (row.profile, row.server_kind, row.url, row.model, row.ended, conversation_id),
        )
    return conversation_id, response_id
