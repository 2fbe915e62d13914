"""What a profile does with ``--image`` / ``--video``: prepare and send them, or leave them out and warn.

The one entry point for every way of chatting (``--image`` and ``--video`` of ``mlxchat chat``, and
``/image`` and ``/video`` in a conversation): ``attachment_parts`` turns the attachments a turn's
options name into the user message's content parts and the summaries the NDJSON ``start`` event
lists. The rules are documented in docs/attachments.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, BinaryIO, NamedTuple

from mlxchat.chat.options import ChatOptions
from mlxchat.errors import UsageError
from mlxchat.profile import Profile

if TYPE_CHECKING:
    from mlxchat.attachments.model import PreparedImage, PreparedVideo

STDIN_ARG = "-"


class Attached(NamedTuple):
    """The attachments as the user message carries them, and what happened to them."""

    parts: list[dict[str, Any]]
    """OpenAI content parts (images, then videos); empty when nothing is sent."""
    summaries: list[dict[str, Any]]
    """Summaries of the attachments actually sent, in the same order."""
    warnings: list[str]
    """Messages about attachments left out (already given to ``warn``): for a text-only profile, or
    what the profile's server would ignore (``ServerKind.max_images``, ``takes_videos``)."""


def accepts_attachments(profile: Profile) -> bool:
    return profile.model_type == "multimodal"


def max_image_size(profile: Profile, option: int | None) -> int:
    """``--max-image-size`` if given, else the profile's ``max_image_size``, else 2048 (0 = never resize)."""
    from mlxchat.attachments import DEFAULT_MAX_SIZE  # only a request with images gets here

    if option is not None:
        return option
    return profile.max_image_size if profile.max_image_size is not None else DEFAULT_MAX_SIZE


def attachment_parts(
    profile: Profile,
    options: ChatOptions,
    *,
    stdin: BinaryIO | None = None,
    warn: Callable[[str], None] | None = None,
) -> Attached:
    """The options' images and videos as ``profile`` allows them.

    - No attachments: nothing (no image code is even imported).
    - A ``multimodal`` profile: every attachment is prepared (all checked before anything is sent;
      the first bad one raises UsageError naming it): images as ``max_image_size`` says, URLs
      downloaded first with ``fetch_images``.
    - A text-only (``lm``) profile: nothing is read or prepared. With ``strict``, UsageError (exit 2);
      otherwise ``warn`` gets a message naming them and saying the profile is text-only.

    ``stdin`` is read for an image given as ``-`` (``sys.stdin.buffer`` when None).
    """
    images, videos = options.images, options.videos
    if not images and not videos:
        return Attached([], [], [])  # the common case loads no image code at all
    from mlxchat.attachments import (
        TEXT_ONLY_HINT,
        build_user_content,
        prepare_attachments,
        text_only_warning,
    )
    from mlxchat.attachments.sources import display_name

    if not accepts_attachments(profile):
        names = [display_name(s) for s in (*images, *videos)]
        message = text_only_warning(names, profile.name)
        if options.strict:
            raise UsageError(message, hint=TEXT_ONLY_HINT)
        if warn is not None:
            warn(f"{message} ({TEXT_ONLY_HINT})")
        return Attached([], [], [message])
    max_size = max_image_size(profile, options.max_image_size)
    prepared_images, prepared_videos = prepare_attachments(
        images, videos, max_size=max_size, fetch=options.fetch_images, stdin=stdin
    )
    prepared_images, prepared_videos, warnings = _what_the_server_uses(
        profile, prepared_images, prepared_videos
    )
    for message in warnings:
        if warn is not None:
            warn(message)
    parts = build_user_content("", prepared_images, prepared_videos)
    assert isinstance(parts, list)  # attachments, no text: content parts
    summaries = [item.summary() for item in (*prepared_images, *prepared_videos)]
    return Attached(parts, summaries, warnings)


def _what_the_server_uses(
    profile: Profile, images: list[PreparedImage], videos: list[PreparedVideo]
) -> tuple[list[PreparedImage], list[PreparedVideo], list[str]]:
    """Leave out what the profile's server would ignore (docs/attachments.md), with a warning each."""
    from mlxchat.servers.kinds import kind_of

    kind = kind_of(profile)
    warnings = []
    limit = kind.max_images
    if limit is not None and len(images) > limit:
        left_out = ", ".join(image.name for image in images[:-limit])
        images = images[-limit:]
        kept = ", ".join(image.name for image in images)
        noun = "image" if limit == 1 else f"{limit} images"
        warnings.append(
            f"the {kind.name} server uses only the last {noun} of a request: sent {kept}, left out {left_out}"
        )
    if videos and not kind.takes_videos:
        warnings.append(
            f"the {kind.name} server takes no video: left out {', '.join(v.name for v in videos)}"
        )
        videos = []
    return images, videos, warnings
