"""Reading the history: conversations by id (or a unique start of one), the latest one of a
profile, a list, one conversation in full, what continuing one sends, and removing them."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlxchat import paths
from mlxchat.errors import UsageError
from mlxchat.history.database import close, connect, failure, transaction
from mlxchat.history.ids import looks_like_id, normalise
from mlxchat.history.model import ConversationSummary

if TYPE_CHECKING:
    from mlxchat.history.media import Lookup
    from mlxchat.history.turns import Continuation, ConversationDetail, Turn


@contextmanager
def reading(path: Path | None = None) -> Iterator[sqlite3.Connection | None]:
    """The database for queries, None when there is none yet (nothing is created); every SQLite
    failure inside becomes a HistoryError naming the file."""
    path = path or paths.history_db()
    con = connect(path, create=False)
    try:
        yield con
    except sqlite3.Error as exc:
        raise failure(exc, path) from None
    finally:
        if con is not None:
            close(con, path)


def find_id(con: sqlite3.Connection | None, text: str) -> str:
    """The conversation ``text`` names (its id or a unique start of it); UsageError otherwise."""
    value = normalise(text)
    if con is None or not looks_like_id(value):
        raise UsageError(f"no conversation {text!r} in the history", hint="mlxchat history list shows them")
    rows = con.execute(
        "SELECT id FROM conversations WHERE id >= ? AND id < ? ORDER BY id LIMIT 2", (value, value + "~")
    ).fetchall()
    if not rows:
        raise UsageError(f"no conversation {text!r} in the history", hint="mlxchat history list shows them")
    if len(rows) > 1:
        raise UsageError(f"{text!r} is the start of more than one conversation id: give more of it")
    return str(rows[0][0])


def latest_of(con: sqlite3.Connection | None, profile: str) -> str | None:
    """The conversation whose last turn, of all of them with ``profile``, was logged last."""
    if con is None:
        return None
    row = con.execute(
        "SELECT id FROM conversations WHERE profile = ? ORDER BY updated DESC LIMIT 1", (profile,)
    ).fetchone()
    return str(row[0]) if row else None


_ISO = "strftime('%Y-%m-%dT%H:%M:%fZ', CAST({} * 1000 AS INTEGER) / 1000.0, 'unixepoch')"
"""An ``updated`` or ``ended`` column (seconds since the epoch) as ISO-8601 UTC, to the millisecond,
cut as chat.stream.utc_timestamp cuts the ``created`` and ``started`` beside it (strftime alone
rounds: an instant would read 1 ms apart in the two)."""


_SUMMARY = f"""
SELECT c.id, c.profile, c.server_kind, c.url, c.model, c.created, {_ISO.format("c.updated")}, c.turns,
    (SELECT status FROM responses WHERE conversation_id = c.id ORDER BY turn DESC LIMIT 1),
    (SELECT prompt FROM responses WHERE conversation_id = c.id ORDER BY turn LIMIT 1)
FROM conversations AS c
"""


def list_conversations(
    con: sqlite3.Connection | None, *, limit: int | None = 20, profile: str | None = None
) -> list[ConversationSummary]:
    """The conversations, the one with the latest turn first."""
    if con is None:
        return []
    where, args = ("WHERE c.profile = ?", [profile]) if profile is not None else ("", [])
    sql = f"{_SUMMARY} {where} ORDER BY c.updated DESC LIMIT ?"
    return [
        ConversationSummary._make(row) for row in con.execute(sql, [*args, -1 if limit is None else limit])
    ]


def conversation_ids(con: sqlite3.Connection | None, limit: int = 200) -> list[str]:
    if con is None:
        return []
    rows = con.execute("SELECT id FROM conversations ORDER BY updated DESC LIMIT ?", (limit,))
    return [str(r[0]) for r in rows]


_TURN_COLUMNS = (
    "r.conversation_id, r.turn, r.id, r.previous_id, r.profile, r.model, r.started, "
    + _ISO.format("r.ended")
    + ", r.system,"
    " r.messages, r.prompt, r.prompt_parts, r.options, r.reasoning, r.answer, r.tool_calls, r.status,"
    " r.finish_reason, r.usage, r.ttft, r.thinking, r.total, r.request_id, r.completion_id, r.end_event"
)


def _loads(text: str | None, default: Any) -> Any:
    import orjson

    return orjson.loads(text) if text else default


def _turn(row: tuple[Any, ...], attachments: list[dict[str, Any]]) -> Turn:
    (cid, turn, rid, previous, profile, model, started, ended, system, messages, prompt, parts,
     options, reasoning, answer, calls, status, finish, usage, ttft, thinking, total, request_id,
     completion_id, end) = row  # fmt: skip
    from mlxchat.history.turns import Turn

    done = status == "done"
    return Turn(
        cid, turn, rid, previous, profile, model, started, ended, system, _loads(messages, []),
        prompt, _loads(parts, None) if parts else prompt, _loads(options, {}), reasoning, answer,
        _loads(calls, []), status, finish, _loads(usage, None),
        {"ttft": ttft, "thinking": thinking, "total": total} if done else None,
        request_id, completion_id, _loads(end, {}), attachments,
    )  # fmt: skip


def turns_of(con: sqlite3.Connection, conversation_id: str) -> list[Turn]:
    rows = con.execute(
        f"SELECT {_TURN_COLUMNS} FROM responses AS r WHERE r.conversation_id = ? ORDER BY r.turn",
        (conversation_id,),
    ).fetchall()
    attachments: dict[int, list[dict[str, Any]]] = {}
    for rid, kind, name, source, sha, sent_type, size, kept in con.execute(
        "SELECT a.response_id, a.kind, a.name, a.source, a.sha256, a.sent_type, a.sent_bytes,"
        " EXISTS (SELECT 1 FROM blobs WHERE blobs.sha256 = a.sha256)"
        " FROM attachments AS a JOIN responses AS r ON r.id = a.response_id"
        " WHERE r.conversation_id = ? ORDER BY a.response_id, a.position",
        (conversation_id,),
    ):
        attachments.setdefault(rid, []).append(
            {"kind": kind, "name": name, "source": source, "sha256": sha, "sent_type": sent_type,
             "sent_bytes": size, "kept": bool(kept)}
        )  # fmt: skip
    return [_turn(row, attachments.get(row[2], [])) for row in rows]


def conversation(con: sqlite3.Connection | None, text: str) -> ConversationDetail:
    cid = find_id(con, text)
    assert con is not None
    row = con.execute(f"{_SUMMARY} WHERE c.id = ?", (cid,)).fetchone()
    from mlxchat.history.turns import ConversationDetail

    return ConversationDetail(ConversationSummary._make(row), turns_of(con, cid))


def events_blob(con: sqlite3.Connection, response_id: int) -> bytes:
    (blob,) = con.execute("SELECT events FROM responses WHERE id = ?", (response_id,)).fetchone()
    return bytes(blob)


def blob_lookup(con: sqlite3.Connection) -> Lookup:
    def lookup(sha256: str) -> bytes | None:
        row = con.execute("SELECT data FROM blobs WHERE sha256 = ?", (sha256,)).fetchone()
        return bytes(row[0]) if row else None

    return lookup


def continuation(con: sqlite3.Connection, turns: list[Turn], conversation_id: str) -> Continuation:
    """What the next request of a conversation sends before its prompt: every turn's earlier
    messages, and for each answered turn its prompt and its answer (without reasoning). Turns that
    ended in an error add their earlier messages only, as in an interactive session."""
    from mlxchat.history.media import restore_content, restore_messages
    from mlxchat.history.turns import Continuation

    lookup = blob_lookup(con)
    dropped: list[str] = []
    messages: list[dict[str, Any]] = []
    previous: int | None = None
    recap: list[tuple[str, str]] = []
    for turn in turns:
        messages += restore_messages(turn.messages, lookup, dropped)
        if not turn.ok:
            continue
        if turn.prompt is not None:
            messages.append(
                {"role": "user", "content": restore_content(turn.prompt_content, lookup, dropped)}
            )
        messages.append({"role": "assistant", "content": turn.answer.strip()})
        previous = turn.response_id
        recap.append((turn.prompt or "", turn.answer.strip()))
    system = turns[-1].system if turns else None
    return Continuation(conversation_id, system, messages, previous, len(dropped), recap)


def remove(con: sqlite3.Connection | None, texts: list[str]) -> list[tuple[str, int]]:
    """Remove whole conversations (every id is checked first); (id, turns) of each."""
    ids = [find_id(con, text) for text in texts]
    assert con is not None
    removed = []
    con.execute("PRAGMA secure_delete = ON")  # freed pages are zeroed: the text is gone from the file
    with transaction(con):
        for cid in dict.fromkeys(ids):
            (turns,) = con.execute(
                "SELECT COUNT(*) FROM responses WHERE conversation_id = ?", (cid,)
            ).fetchone()
            con.execute("DELETE FROM conversations WHERE id = ?", (cid,))
            removed.append((cid, int(turns)))
        con.execute(
            "DELETE FROM blobs WHERE sha256 NOT IN (SELECT sha256 FROM attachments WHERE sha256 IS NOT NULL)"
        )
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return removed
