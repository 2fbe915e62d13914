"""The results of preparing attachments: what is sent, and a summary of what happened to it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

SourceKind = Literal["file", "stdin", "url", "download", "data"]
"""Where the attachment came from: a local file, stdin (``-``), a URL passed through to the
server unchanged, or a URL downloaded and prepared here (``fetch=True``)."""


@dataclass(frozen=True)
class MediaFacts:
    """Format, dimensions and size of one image or video, before or after preparation."""

    format: str
    """Lower-case short name: jpeg, png, gif, webp, ... for images; mp4, mov, avi for videos."""
    bytes: int
    """The size of the encoded data (not of its base64 form)."""
    width: int | None = None
    height: int | None = None
    """Images only, as displayed (after EXIF orientation)."""

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"format": self.format}
        if self.width is not None and self.height is not None:
            out["width"] = self.width
            out["height"] = self.height
        out["bytes"] = self.bytes
        return out


@dataclass(frozen=True)
class _PreparedMedia:
    kind: ClassVar[str]

    name: str
    """The path as given, the URL, or ``<stdin>``: the name used in messages and summaries."""
    source: SourceKind
    url: str = field(repr=False)
    """A ``data:`` URL, or the http(s) URL passed through."""
    original: MediaFacts | None = None
    """None when a URL is passed through: the server fetches it, mlxchat never sees it."""
    sent: MediaFacts | None = None
    notes: tuple[str, ...] = ()
    """What preparation did that a user may want to know (first frame of an animation, rotation, ...)."""

    def content_part(self) -> dict[str, Any]:
        """The OpenAI-style chat content part: ``{"type": "image_url", "image_url": {"url": ...}}``."""
        part_type = f"{self.kind}_url"
        return {"type": part_type, part_type: {"url": self.url}}

    def summary(self) -> dict[str, Any]:
        """A JSON-ready description (the NDJSON ``start`` event lists these; keys in docs/attachments.md)."""
        return {
            "kind": self.kind,
            "name": self.name,
            "source": self.source,
            "original": self.original.as_dict() if self.original else None,
            "sent": self.sent.as_dict() if self.sent else None,
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class PreparedImage(_PreparedMedia):
    """One image ready to send."""

    kind: ClassVar[str] = "image"

    @property
    def original_size(self) -> tuple[int, int] | None:
        return _size(self.original)

    @property
    def sent_size(self) -> tuple[int, int] | None:
        return _size(self.sent)


@dataclass(frozen=True)
class PreparedVideo(_PreparedMedia):
    """One video ready to send (never transcoded: ``sent`` equals ``original``)."""

    kind: ClassVar[str] = "video"


def _size(facts: MediaFacts | None) -> tuple[int, int] | None:
    if facts is None or facts.width is None or facts.height is None:
        return None
    return facts.width, facts.height
