"""Keeping one finished turn: what it becomes in the database (:func:`turn_row`, pure: no I/O,
unit-testable) and the transaction that inserts it (:func:`insert_turn`).

Kept: the messages the turn added to its conversation (earlier turns are linked, not repeated), the
system prompt, the sampling options, reasoning, answer, tool calls, finish reason, usage, timing,
request and completion ids, the terminal event, the events (mlxchat.history.events_blob), and the
attachments as metadata (bytes only when asked). Never kept: the API key and the request headers
(they are not in the request's body or its events), nor user names and passwords in URLs.

This is the one module a chat imports to keep its turn (with mlxchat.history.database to open the
file): rows are plain tuples in the columns' order, so nothing is built when it is imported.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

import orjson

from mlxchat.chat.conversation import text_of
from mlxchat.chat.events import Done, Error, Start
from mlxchat.history import events_blob
from mlxchat.history.database import transaction

if TYPE_CHECKING:
    from mlxchat.chat.request import ChatRequest
    from mlxchat.chat.turn import TurnResult
    from mlxchat.history.media import Media

BODY_KEYS_NOT_OPTIONS = ("model", "messages", "stream", "stream_options")

Columns = tuple[Any, ...]
"""One row's values, in the order of the statement that inserts it."""
Added = tuple[str | None, Sequence[dict[str, Any]], dict[str, Any] | None]
"""What a turn added to its conversation: the system prompt it was sent with (None: none), the
messages before its prompt that no earlier turn kept (``--messages``), and the new user message
(None when the turn sent only earlier messages)."""


class TurnRow:
    """What one turn writes: the columns of its conversation, of its response, of its attachments,
    and the attachments' bytes (written only with ``--log-attachments``)."""

    __slots__ = ("attachments", "conversation", "media", "response")

    def __init__(
        self, conversation: Columns, response: Columns, attachments: list[Columns], media: list[Media]
    ) -> None:
        self.conversation = conversation
        """``_CONVERSATION``'s values after the id: profile, server kind, url, model, created, updated."""
        self.response = response
        """``_RESPONSE``'s values after the conversation id and the previous turn's id."""
        self.attachments = attachments
        """``_ATTACHMENT``'s values after the response id, one tuple per attachment."""
        self.media = media


def public_url(url: str) -> str:
    """``url`` without a user name, password, query or fragment: what is kept of a server's address."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _json(value: Any) -> str | None:
    return orjson.dumps(value).decode() if value else None


def turn_row(request: ChatRequest, result: TurnResult, added: Added, *, server_kind: str) -> TurnRow:
    """The rows for ``result`` (its ``outline`` holds its events)."""
    system, seed, prompt = added
    now = time.time()
    media: list[Media] = []
    messages: Any = seed
    attachments: list[Columns] = []
    content = prompt.get("content") if prompt is not None else None
    prompt_parts: str | None = None
    if isinstance(content, list) or any(isinstance(m.get("content"), list) for m in seed):
        from mlxchat.history.media import attachment_rows, strip_content, strip_messages

        messages = strip_messages(seed, media)
        attachments = [
            (i, _kind_of(m.mime), None, "messages", m.sha256, m.mime, len(m.data))
            for i, m in enumerate(media)
        ]
        if isinstance(content, list):
            found: list[Media] = []
            prompt_parts = _json(strip_content(content, found))
            attachments += attachment_rows(content, found, request.attachments, len(attachments))
            media += found
    end = result.end
    done = end if isinstance(end, Done) else None
    timing = done.timing if done else None
    start = result.start or Start(request.profile, request.model, request.request_id, "", request.url)
    outline = [_public_start(e) if isinstance(e, Start) else e for e in result.outline]
    options = {k: v for k, v in request.body.items() if k not in BODY_KEYS_NOT_OPTIONS}
    url = public_url(request.base_url)
    started = start.ts or _iso(now)
    response = (
        request.profile, request.model, started, now, system, orjson.dumps(messages).decode(),
        None if prompt is None else text_of(content), prompt_parts, _json(options), result.reasoning,
        result.answer, _json(result.tool_calls), end.code if isinstance(end, Error) else "done",
        done.finish_reason if done else None, _json(done.usage) if done else None,
        timing.ttft if timing else None, timing.thinking if timing else None,
        timing.total if timing else None, start.request_id, done.id if done else None,
        orjson.dumps(end).decode(), events_blob.encode(outline),
    )  # fmt: skip
    return TurnRow(
        (request.profile, server_kind, url, request.model, started, now), response, attachments, media
    )


def _public_start(start: Start) -> Start:
    import dataclasses

    return dataclasses.replace(start, url=public_url(start.url))


def _kind_of(mime: str) -> str:
    return "video" if mime.startswith("video/") else "image"


def _iso(now: float) -> str:
    from mlxchat.chat.stream import utc_timestamp

    return utc_timestamp(now)


_CONVERSATION = """
INSERT INTO conversations (id, profile, server_kind, url, model, created, updated, turns)
VALUES (?, ?, ?, ?, ?, ?, ?, 1)
ON CONFLICT (id) DO UPDATE SET profile = excluded.profile, server_kind = excluded.server_kind,
    url = excluded.url, model = excluded.model, updated = excluded.updated, turns = turns + 1
"""
_RESPONSE = """
INSERT INTO responses (conversation_id, turn, previous_id, profile, model, started, ended, system,
    messages, prompt, prompt_parts, options, reasoning, answer, tool_calls, status, finish_reason,
    usage, ttft, thinking, total, request_id, completion_id, end_event, events)
VALUES (?1, (SELECT COALESCE(MAX(turn), 0) + 1 FROM responses WHERE conversation_id = ?1),
    ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24)
"""
_ATTACHMENT = """
INSERT INTO attachments (response_id, position, kind, name, source, sha256, sent_type, sent_bytes)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
"""


def insert_turn(
    con: sqlite3.Connection,
    row: TurnRow,
    conversation_id: str | None,
    *,
    keep_bytes: bool,
    previous_id: int | None = None,
) -> tuple[str, int]:
    """Insert ``row`` into ``conversation_id`` (a new conversation when None, or when it was removed
    meanwhile) as its next turn, in one transaction; the conversation id and the new response id."""
    if conversation_id is None:
        from mlxchat.history.ids import new_id

        conversation_id = new_id(row.conversation[-1])
    with transaction(con):
        con.execute(_CONVERSATION, (conversation_id, *row.conversation))
        response_id = con.execute(_RESPONSE, (conversation_id, previous_id, *row.response)).lastrowid
        assert response_id is not None
        if row.attachments:
            con.executemany(_ATTACHMENT, [(response_id, *a) for a in row.attachments])
        if keep_bytes and row.media:
            con.executemany(
                "INSERT OR IGNORE INTO blobs (sha256, data) VALUES (?, ?)",
                [(m.sha256, m.data) for m in row.media],
            )
    return conversation_id, response_id
