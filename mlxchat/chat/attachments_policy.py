"""What a profile does with ``--image`` / ``--video``: prepare and send them, or leave them out and warn.

The one entry point for every way of chatting (``--image`` and ``--video`` of ``mlxchat chat``, and
``/image`` and ``/video`` in a conversation): ``prepare_user_content`` turns a prompt and attachment
arguments into the user message's content and the summaries the NDJSON ``start`` event lists. The
rules are documented in docs/attachments.md.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, BinaryIO, NamedTuple

from mlxchat.errors import UsageError
from mlxchat.profile import Profile

STDIN_ARG = "-"


class UserContent(NamedTuple):
    """The user message's content and what happened to the attachments."""

    content: str | list[dict[str, Any]]
    """Plain text when nothing is attached (or everything was left out), else OpenAI content parts."""
    attachments: list[dict[str, Any]]
    """Summaries of the attachments actually sent, in order (images, then videos)."""
    warnings: list[str]
    """Messages about attachments left out (already given to ``warn``)."""


def accepts_attachments(profile: Profile) -> bool:
    return profile.model_type == "multimodal"


def max_image_size(profile: Profile, option: int | None) -> int:
    """``--max-image-size`` if given, else the profile's ``max_image_size``, else 2048 (0 = never resize)."""
    from mlxchat.attachments import DEFAULT_MAX_SIZE  # only a request with images gets here

    if option is not None:
        return option
    return profile.max_image_size if profile.max_image_size is not None else DEFAULT_MAX_SIZE


def prepare_user_content(
    profile: Profile,
    text: str,
    images: Sequence[str] = (),
    videos: Sequence[str] = (),
    *,
    max_size: int | None = None,
    fetch: bool = False,
    strict: bool = False,
    stdin: BinaryIO | None = None,
    warn: Callable[[str], None] | None = None,
) -> UserContent:
    """The content of the user message carrying ``text`` and the attachments, as ``profile`` allows.

    - No attachments: ``text`` unchanged, no summaries.
    - A ``multimodal`` profile: every attachment is prepared (all checked before anything is sent;
      the first bad one raises UsageError naming it), then one list of parts, the text first.
    - A text-only (``lm``) profile: nothing is read or prepared. With ``strict``, UsageError (exit 2);
      otherwise ``warn`` gets a message naming them and saying the profile is text-only, and the
      content is ``text`` alone.

    ``max_size`` None means the profile's ``max_image_size`` (else 2048); ``stdin`` is read for an
    image given as ``-`` (``sys.stdin.buffer`` when None).
    """
    if not images and not videos:
        return UserContent(text, [], [])  # the common case loads no image code at all
    from mlxchat.attachments import (
        TEXT_ONLY_HINT,
        build_user_content,
        prepare_attachments,
        text_only_warning,
    )
    from mlxchat.attachments.sources import STDIN_NAME

    if not accepts_attachments(profile):
        names = [STDIN_NAME if s == STDIN_ARG else s for s in (*images, *videos)]
        message = text_only_warning(names, profile.name)
        if strict:
            raise UsageError(message, hint=TEXT_ONLY_HINT)
        if warn is not None:
            warn(f"{message} ({TEXT_ONLY_HINT})")
        return UserContent(text, [], [message])
    prepared_images, prepared_videos = prepare_attachments(
        images, videos, max_size=max_image_size(profile, max_size), fetch=fetch, stdin=stdin
    )
    summaries = [item.summary() for item in (*prepared_images, *prepared_videos)]
    return UserContent(build_user_content(text, prepared_images, prepared_videos), summaries, [])
