"""``history search``: FTS5 over prompts, answers and reasoning, best match first, with snippets
whose matches are marked (as character offsets, so any output can show them its own way).

Ranking costs time for every matching turn, so it is bounded: when more than ``RANKED`` turns
match, the ``RANKED`` most recent of them are ranked (a word in most turns says little about any
one of them; a distinctive word matches fewer and is ranked over the whole history)."""

from __future__ import annotations

import re
import sqlite3
from typing import Final

from mlxchat.errors import UsageError
from mlxchat.history.model import SearchHit

SNIPPET_TOKENS: Final = 16
RANKED: Final = 1000
_OPEN, _CLOSE = "\ue000", "\ue001"
"""Private-use characters around each match in FTS5's snippet (never in real text)."""
_MARKS = re.compile(f"{_OPEN}(.*?){_CLOSE}", re.S)

_SQL = f"""
SELECT r.conversation_id, r.turn, r.profile, r.model, r.started, r.status, r.prompt,
    snippet(responses_fts, -1, '{_OPEN}', '{_CLOSE}', '…', {SNIPPET_TOKENS}), rank
FROM responses_fts JOIN responses AS r ON r.id = responses_fts.rowid
WHERE responses_fts MATCH ? AND responses_fts.rowid >= ? {{profile}}
ORDER BY rank LIMIT ?
"""
_OLDEST_RANKED = """
SELECT responses_fts.rowid FROM responses_fts JOIN responses AS r ON r.id = responses_fts.rowid
WHERE responses_fts MATCH ? {profile}
ORDER BY responses_fts.rowid DESC LIMIT 1 OFFSET ?
"""


def fts_query(text: str) -> str:
    """Plain words as an FTS5 query: every word must appear (as a word, any case or accent;
    ``word*`` matches words that start with it). Quotes and operators in the words are literal."""
    words = text.split()
    if not words:
        raise UsageError("nothing to search for: give a word")
    terms = []
    for word in words:
        prefix = word.endswith("*") and len(word) > 1
        core = word[:-1] if prefix else word
        terms.append('"' + core.replace('"', '""') + '"' + ("*" if prefix else ""))
    return " ".join(terms)


def unmark(snippet: str) -> tuple[str, list[tuple[int, int]]]:
    """The snippet without its marks, and where the matches are in it."""
    out: list[str] = []
    spans: list[tuple[int, int]] = []
    at = length = 0
    for match in _MARKS.finditer(snippet):
        out.append(snippet[at : match.start()])
        length += match.start() - at
        word = match.group(1)
        spans.append((length, length + len(word)))
        out.append(word)
        length += len(word)
        at = match.end()
    out.append(snippet[at:])
    return "".join(out).replace(_OPEN, "").replace(_CLOSE, ""), spans


def search(
    con: sqlite3.Connection | None,
    text: str,
    *,
    limit: int = 20,
    profile: str | None = None,
    raw: bool = False,
) -> list[SearchHit]:
    query = text.strip() if raw else fts_query(text)
    if not query:
        raise UsageError("nothing to search for: give a word")
    if con is None:
        return []
    where = "AND r.profile = ?" if profile is not None else ""
    only = [profile] if profile is not None else []
    try:
        oldest = con.execute(_OLDEST_RANKED.format(profile=where), [query, *only, RANKED - 1]).fetchone()
        rows = con.execute(
            _SQL.format(profile=where), [query, oldest[0] if oldest else 0, *only, limit]
        ).fetchall()
    except sqlite3.OperationalError as exc:
        message = str(exc)
        if message.startswith(("fts5:", "no such column", "unknown special query")):
            raise UsageError(
                f"not a valid search: {message}",
                hint="without --fts every word is matched as it is written",
            ) from None
        raise
    hits = []
    for cid, turn, prof, model, started, status, prompt, snippet, rank in rows:
        clean, spans = unmark(snippet or "")
        hits.append(SearchHit(cid, turn, prof, model, started, status, prompt, clean, spans, float(rank)))
    return hits
