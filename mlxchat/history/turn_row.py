"""What one finished turn becomes in the database: :func:`turn_row` (pure: no I/O, unit-testable).

Kept: the messages the turn added to its conversation (earlier turns are linked, not repeated), the
system prompt, the sampling options, reasoning, answer, tool calls, finish reason, usage, timing,
request and completion ids, the terminal event, the events (mlxchat.history.events_blob), and the
attachments as metadata (bytes only when asked). Never kept: the API key and the request headers
(they are not in the request's body or its events), nor user names and passwords in URLs.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, NamedTuple
from urllib.parse import urlsplit, urlunsplit

import orjson

from mlxchat.chat.events import Done, Start
from mlxchat.chat.request import ChatRequest
from mlxchat.chat.turn import TurnResult
from mlxchat.history import events_blob
from mlxchat.history.media import MEDIA_PARTS, Media, strip_content, strip_messages

BODY_KEYS_NOT_OPTIONS = ("model", "messages", "stream", "stream_options")


class AttachmentRow(NamedTuple):
    position: int
    kind: str
    name: str | None
    source: str | None
    sha256: str | None
    sent_type: str | None
    sent_bytes: int | None


class TurnRow(NamedTuple):
    """The columns of one ``responses`` row, and what goes beside it."""

    profile: str
    server_kind: str
    url: str
    model: str
    started: str
    ended: float
    system: str | None
    messages: str
    prompt: str | None
    prompt_parts: str | None
    options: str | None
    reasoning: str
    answer: str
    tool_calls: str | None
    status: str
    finish_reason: str | None
    usage: str | None
    ttft: float | None
    thinking: float | None
    total: float | None
    request_id: str
    completion_id: str | None
    end_event: str
    events: bytes
    attachments: list[AttachmentRow]
    media: list[Media]


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


def text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            str(p.get("text", "")) for p in content if isinstance(p, dict) and p.get("type") == "text"
        )
    return ""


def _json(value: Any) -> str | None:
    return orjson.dumps(value).decode() if value else None


class Added(NamedTuple):
    """What a turn added to its conversation."""

    system: str | None
    """The system prompt it was sent with (None: none)."""
    seed: Sequence[dict[str, Any]]
    """Messages before its prompt that no earlier turn kept (``--messages``)."""
    prompt: dict[str, Any] | None
    """The new user message; None when the turn sent only earlier messages."""


def turn_row(request: ChatRequest, result: TurnResult, added: Added, *, server_kind: str) -> TurnRow:
    """The row for ``result`` (its ``outline`` holds its events)."""
    system, seed, prompt = added
    now = time.time()
    media: list[Media] = []
    messages = strip_messages(seed, media)
    rows = [
        AttachmentRow(i, _kind_of(m.mime), None, "messages", m.sha256, m.mime, len(m.data))
        for i, m in enumerate(media)
    ]
    prompt_parts: Any = None
    prompt_text: str | None = None
    if prompt is not None:
        content = prompt.get("content")
        prompt_text = text_of(content)
        if isinstance(content, list):
            found: list[Media] = []
            prompt_parts = strip_content(content, found)
            rows += _prompt_attachments(content, found, request.attachments, len(rows))
            media += found
    end = result.end
    start = result.start or Start(request.profile, request.model, request.request_id, "", request.url)
    outline = [_public_start(e) if isinstance(e, Start) else e for e in result.outline]
    timing = end.timing if isinstance(end, Done) else None
    options = {k: v for k, v in request.body.items() if k not in BODY_KEYS_NOT_OPTIONS}
    return TurnRow(
        profile=request.profile,
        server_kind=server_kind,
        url=public_url(request.base_url),
        model=request.model,
        started=start.ts or _iso(now),
        ended=now,
        system=system,
        messages=orjson.dumps(messages).decode(),
        prompt=prompt_text,
        prompt_parts=_json(prompt_parts),
        options=_json(options),
        reasoning=result.reasoning,
        answer=result.answer,
        tool_calls=_json(result.tool_calls),
        status="done" if isinstance(end, Done) else end.code,
        finish_reason=end.finish_reason if isinstance(end, Done) else None,
        usage=_json(end.usage) if isinstance(end, Done) else None,
        ttft=timing.ttft if timing else None,
        thinking=timing.thinking if timing else None,
        total=timing.total if timing else None,
        request_id=start.request_id,
        completion_id=end.id if isinstance(end, Done) else None,
        end_event=orjson.dumps(end).decode(),
        events=events_blob.encode(outline),
        attachments=rows,
        media=media,
    )


def _public_start(start: Start) -> Start:
    import dataclasses

    return dataclasses.replace(start, url=public_url(start.url))


def _kind_of(mime: str) -> str:
    return "video" if mime.startswith("video/") else "image"


def _prompt_attachments(
    content: list[Any], found: list[Media], summaries: Sequence[dict[str, Any]], first: int
) -> list[AttachmentRow]:
    """One row per attachment of the new message: its summary (in the same order as its parts)
    and, for the ones sent as bytes, their hash."""
    rows = []
    by_data = iter(found)
    media_parts = [p for p in content if isinstance(p, dict) and p.get("type") in MEDIA_PARTS]
    for i, part in enumerate(media_parts):
        kind = str(part["type"]).removesuffix("_url")
        url = str((part.get(part["type"]) or {}).get("url", ""))
        media = next(by_data, None) if url.startswith("data:") else None
        summary = summaries[i] if i < len(summaries) else {}
        sent = summary.get("sent") or {}
        rows.append(
            AttachmentRow(
                first + i,
                str(summary.get("kind", kind)),
                summary.get("name"),
                summary.get("source"),
                media.sha256 if media else None,
                media.mime if media else None,
                len(media.data) if media else sent.get("bytes"),
            )
        )
    return rows


def _iso(now: float) -> str:
    from mlxchat.chat.stream import utc_timestamp

    return utc_timestamp(now)
