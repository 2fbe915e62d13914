"""Attachments inside messages: what is stored instead of their bytes, and how they come back.

An image or video sent as a ``data:`` URL is stored as a reference, ``{"sha256": HEX, "mime": TYPE}``
in place of ``{"url": "data:..."}``; the bytes themselves are kept (once per hash) only with
``--log-attachments``. Restoring puts the data URL back when the bytes were kept and leaves the part
out when they were not. URLs the server fetched itself are kept as they were.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Final, NamedTuple

MEDIA_PARTS: Final = ("image_url", "video_url")


class Media(NamedTuple):
    sha256: str
    mime: str
    data: bytes


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
        kind = part.get("type") if isinstance(part, dict) else None
        inner = part.get(kind) if kind in MEDIA_PARTS else None
        decoded = _decode_data_url(inner.get("url", "")) if isinstance(inner, dict) else None
        if decoded is None or not isinstance(inner, dict):
            out.append(part)
            continue
        import hashlib

        mime, data = decoded
        media = Media(hashlib.sha256(data).hexdigest(), mime, data)
        found.append(media)
        rest = {k: v for k, v in inner.items() if k != "url"}
        out.append({**part, kind: {"sha256": media.sha256, "mime": mime, **rest}})
    return out


def strip_messages(messages: Iterable[dict[str, Any]], found: list[Media]) -> list[dict[str, Any]]:
    return [{**m, "content": strip_content(m["content"], found)} if "content" in m else m for m in messages]


def references(content: Any) -> list[str]:
    """The hashes a stored content refers to, in order."""
    if not isinstance(content, list):
        return []
    hashes = []
    for part in content:
        kind = part.get("type") if isinstance(part, dict) else None
        inner = part.get(kind) if kind in MEDIA_PARTS else None
        if isinstance(inner, dict) and "sha256" in inner and "url" not in inner:
            hashes.append(str(inner["sha256"]))
    return hashes


Lookup = Callable[[str], bytes | None]
"""The kept bytes of a hash, None when they were not kept."""


def restore_content(content: Any, lookup: Lookup, dropped: list[str]) -> Any:
    """Stored content as it can be sent again: data URLs back where the bytes were kept; parts
    whose bytes were not kept are left out (their hashes go to ``dropped``)."""
    if not isinstance(content, list) or not references(content):
        return content
    out: list[Any] = []
    for part in content:
        kind = part.get("type") if isinstance(part, dict) else None
        inner = part.get(kind) if kind in MEDIA_PARTS else None
        if not (isinstance(inner, dict) and "sha256" in inner and "url" not in inner):
            out.append(part)
            continue
        data = lookup(str(inner["sha256"]))
        if data is None:
            dropped.append(str(inner["sha256"]))
            continue
        import base64

        rest = {k: v for k, v in inner.items() if k not in ("sha256", "mime")}
        url = f"data:{inner.get('mime', 'application/octet-stream')};base64,{base64.b64encode(data).decode()}"
        out.append({**part, kind: {"url": url, **rest}})
    return out or ""


def restore_messages(
    messages: Sequence[dict[str, Any]], lookup: Lookup, dropped: list[str]
) -> list[dict[str, Any]]:
    return [
        {**m, "content": restore_content(m["content"], lookup, dropped)} if "content" in m else m
        for m in messages
    ]
