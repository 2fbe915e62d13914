"""Attachments inside messages: what is stored instead of their bytes, and how they come back.

An image or video sent as a ``data:`` URL is stored as a reference, ``{"sha256": HEX, "mime": TYPE}``
in place of ``{"url": "data:..."}``; the bytes themselves are kept (once per hash) only with
``--log-attachments``. Restoring puts the data URL back when the bytes were kept and leaves the part
out when they were not. URLs the server fetched itself are kept as they were.

Imported only for turns that hold content parts (a plain-text chat never loads it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Final, NamedTuple

MEDIA_PARTS: Final = ("image_url", "video_url")


class Media(NamedTuple):
    sha256: str
    mime: str
    data: bytes


def _media(part: Any) -> tuple[str, dict[str, Any]] | None:
    """An image or video part's type and what is under it (``{"url": ...}`` or a reference)."""
    kind = part.get("type") if isinstance(part, dict) else None
    inner = part.get(kind) if isinstance(kind, str) and kind in MEDIA_PARTS else None
    return (kind, inner) if isinstance(kind, str) and isinstance(inner, dict) else None


def _reference(inner: dict[str, Any]) -> str | None:
    """The hash a stored part refers to; None for a part that holds its URL."""
    return str(inner["sha256"]) if "sha256" in inner and "url" not in inner else None


def _decode_data_url(url: str) -> tuple[str, bytes] | None:
    head, sep, payload = url.partition(",")
    if not sep or not head.startswith("data:") or not head.endswith(";base64"):
        return None
    import base64
    import binascii

    try:
        return head[5:-7], base64.b64decode(payload, validate=False)
    except (binascii.Error, ValueError):
        return None


def strip_content(content: Any, found: list[Media]) -> Any:
    """``content`` with every data URL replaced by its reference; the media go to ``found``."""
    if not isinstance(content, list):
        return content
    out: list[Any] = []
    for part in content:
        media = _media(part)
        decoded = _decode_data_url(str(media[1].get("url", ""))) if media else None
        if media is None or decoded is None:
            out.append(part)
            continue
        import hashlib

        (kind, inner), (mime, data) = media, decoded
        item = Media(hashlib.sha256(data).hexdigest(), mime, data)
        found.append(item)
        rest = {k: v for k, v in inner.items() if k != "url"}
        out.append({**part, kind: {"sha256": item.sha256, "mime": mime, **rest}})
    return out


def strip_messages(messages: Iterable[dict[str, Any]], found: list[Media]) -> list[dict[str, Any]]:
    return [{**m, "content": strip_content(m["content"], found)} if "content" in m else m for m in messages]


def attachment_rows(
    content: list[Any], found: list[Media], summaries: Sequence[dict[str, Any]], first: int
) -> list[tuple[Any, ...]]:
    """The ``attachments`` rows of a new message's parts (``found``: what :func:`strip_content`
    took from them): position, kind, name, source, sha256, sent type, sent size. Each part's summary
    is the request's (in the same order as the parts); the parts sent as bytes add their hash."""
    rows: list[tuple[Any, ...]] = []
    by_data = iter(found)
    parts = [media for media in map(_media, content) if media is not None]
    for i, (kind, inner) in enumerate(parts):
        item = next(by_data, None) if str(inner.get("url", "")).startswith("data:") else None
        summary = summaries[i] if i < len(summaries) else {}
        sent = summary.get("sent") or {}
        rows.append(
            (
                first + i,
                str(summary.get("kind", kind.removesuffix("_url"))),
                summary.get("name"),
                summary.get("source"),
                item.sha256 if item else None,
                item.mime if item else None,
                len(item.data) if item else sent.get("bytes"),
            )
        )
    return rows


Lookup = Callable[[str], bytes | None]
"""The kept bytes of a hash, None when they were not kept."""


def restore_content(content: Any, lookup: Lookup, dropped: list[str]) -> Any:
    """Stored content as it can be sent again: data URLs back where the bytes were kept; parts
    whose bytes were not kept are left out (their hashes go to ``dropped``). Content without a
    reference comes back as it is (the same object)."""
    if not isinstance(content, list):
        return content
    out: list[Any] = []
    changed = False
    for part in content:
        media = _media(part)
        sha256 = _reference(media[1]) if media else None
        if media is None or sha256 is None:
            out.append(part)
            continue
        changed = True
        data = lookup(sha256)
        if data is None:
            dropped.append(sha256)
            continue
        import base64

        kind, inner = media
        rest = {k: v for k, v in inner.items() if k not in ("sha256", "mime")}
        url = f"data:{inner.get('mime', 'application/octet-stream')};base64,{base64.b64encode(data).decode()}"
        out.append({**part, kind: {"url": url, **rest}})
    if not changed:
        return content
    return out or ""


def restore_messages(
    messages: Sequence[dict[str, Any]], lookup: Lookup, dropped: list[str]
) -> list[dict[str, Any]]:
    return [
        {**m, "content": restore_content(m["content"], lookup, dropped)} if "content" in m else m
        for m in messages
    ]
