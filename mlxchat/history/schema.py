"""The history database's schema, as the forward migrations that build it (docs/history.md).

``MIGRATIONS[n]`` takes a database from schema version ``n`` to ``n + 1`` (``PRAGMA user_version``).
A migration is never edited once released: a change to the schema is a new one appended here, and
mlxchat.history.database applies the missing ones in order, in one transaction, after a backup.
"""

from __future__ import annotations

from typing import Final

V1: Final = """
CREATE TABLE conversations (
    id TEXT PRIMARY KEY,
    profile TEXT NOT NULL,
    server_kind TEXT,
    url TEXT,
    model TEXT,
    created TEXT NOT NULL,
    updated REAL NOT NULL,
    turns INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX conversations_by_update ON conversations (updated);
CREATE INDEX conversations_by_profile ON conversations (profile, updated);

CREATE TABLE responses (
    id INTEGER PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    turn INTEGER NOT NULL,
    previous_id INTEGER,
    profile TEXT NOT NULL,
    model TEXT,
    started TEXT NOT NULL,
    ended REAL NOT NULL,
    system TEXT,
    messages TEXT NOT NULL DEFAULT '[]',
    prompt TEXT,
    prompt_parts TEXT,
    options TEXT,
    reasoning TEXT NOT NULL DEFAULT '',
    answer TEXT NOT NULL DEFAULT '',
    tool_calls TEXT,
    status TEXT NOT NULL,
    finish_reason TEXT,
    usage TEXT,
    ttft REAL,
    thinking REAL,
    total REAL,
    request_id TEXT,
    completion_id TEXT,
    end_event TEXT NOT NULL,
    events BLOB NOT NULL
);
CREATE UNIQUE INDEX responses_by_turn ON responses (conversation_id, turn);
CREATE INDEX responses_by_profile ON responses (profile, id);

CREATE TABLE attachments (
    response_id INTEGER NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    name TEXT,
    source TEXT,
    sha256 TEXT,
    sent_type TEXT,
    sent_bytes INTEGER,
    PRIMARY KEY (response_id, position)
) WITHOUT ROWID;
CREATE INDEX attachments_by_hash ON attachments (sha256);

CREATE TABLE blobs (
    sha256 TEXT PRIMARY KEY,
    data BLOB NOT NULL
) WITHOUT ROWID;
"""
"""Version 1: conversations, their responses, attachment metadata, and attachment bytes kept once
per hash (only with ``--log-attachments``)."""

V2: Final = """
CREATE VIRTUAL TABLE responses_fts USING fts5 (
    prompt, answer, reasoning,
    content = 'responses', content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
);
INSERT INTO responses_fts (responses_fts, rank) VALUES ('rank', 'bm25(4.0, 1.0, 0.5)');
CREATE TRIGGER responses_fts_insert AFTER INSERT ON responses BEGIN
    INSERT INTO responses_fts (rowid, prompt, answer, reasoning)
    VALUES (new.id, new.prompt, new.answer, new.reasoning);
END;
CREATE TRIGGER responses_fts_delete AFTER DELETE ON responses BEGIN
    INSERT INTO responses_fts (responses_fts, rowid, prompt, answer, reasoning)
    VALUES ('delete', old.id, old.prompt, old.answer, old.reasoning);
END;
INSERT INTO responses_fts (responses_fts) VALUES ('rebuild');
DROP INDEX responses_by_profile;
"""
"""Version 2: full-text search over prompts, answers and reasoning (FTS5, stemmed, accents folded;
a prompt's words weigh most), kept current by triggers and built from the turns already kept.
Conversations are found by profile through ``conversations_by_profile``: the responses' index goes."""

MIGRATIONS: Final[tuple[str, ...]] = (V1, V2)
CURRENT_VERSION: Final = len(MIGRATIONS)
