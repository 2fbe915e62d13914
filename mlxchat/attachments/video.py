"""Checking one video and referencing it in a chat request (mp4, mov or avi; never transcoded)."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Final

from mlxchat.attachments.model import MediaFacts, PreparedVideo
from mlxchat.attachments.sources import check_scheme, is_url, label, read_path
from mlxchat.errors import UsageError
from mlxchat.units import human_bytes

DEFAULT_MAX_VIDEO_BYTES: Final = 50_000_000
"""A local video is sent inline as base64 (a third larger): keep requests a sensible size.
mlx-openai-server itself accepts up to 1 GB; larger videos can be passed as an http(s) URL."""
_SNIFF_BYTES: Final = 16
_MIME: Final = {"mp4": "video/mp4", "mov": "video/quicktime", "avi": "video/x-msvideo"}
_IMAGE_BRANDS: Final = (b"heic", b"heix", b"mif1", b"msf1", b"avif", b"avis")


def prepare_video(source: str, *, max_bytes: int = DEFAULT_MAX_VIDEO_BYTES) -> PreparedVideo:
    """Prepare one ``--video`` argument: a local path (checked, sent as a data URL) or an http(s) URL.

    URLs are passed through unchanged: the server downloads them (up to its own 1 GB limit).
    Raises UsageError (exit 2), naming the input, for a missing, empty, oversized or non-video file.
    """
    if is_url(source):
        return PreparedVideo(name=source, source="url", url=source, notes=("URL passed to the server",))
    check_scheme(source, "video")
    path = Path(source).expanduser()
    try:
        size = path.stat().st_size if path.is_file() else None
    except OSError:
        size = None  # read_path below reports the reason
    if size is not None and size > max_bytes:
        raise UsageError(
            f"{label('video', source)}: is {human_bytes(size)}; videos sent inline are limited to"
            f" {human_bytes(max_bytes)}",
            hint="trim or re-encode it smaller, or pass an http(s) URL the server can download",
        )
    data = read_path(source, what="video", max_bytes=max_bytes)
    fmt = video_format(data[:_SNIFF_BYTES])
    if fmt is None:
        raise UsageError(f"{label('video', source)}: not an mp4, mov or avi video (judged by its bytes)")
    facts = MediaFacts(format=fmt, bytes=len(data))
    url = f"data:{_MIME[fmt]};base64,{base64.b64encode(data).decode('ascii')}"
    return PreparedVideo(name=source, source="file", url=url, original=facts, sent=facts)


def video_format(head: bytes) -> str | None:
    """mp4, mov or avi from a file's first 12+ bytes (an ISO-BMFF ``ftyp`` box, or ``RIFF....AVI ``)."""
    if len(head) >= 12 and head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _IMAGE_BRANDS:
            return None
        return "mov" if brand == b"qt  " else "mp4"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "avi"
    return None
