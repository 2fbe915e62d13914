"""Preparing every ``--image`` and ``--video`` of one command, all checked before any request is sent."""

from __future__ import annotations

from collections.abc import Sequence
from typing import BinaryIO

from mlxchat.attachments.images import DEFAULT_MAX_SIZE, check_max_size, prepare_image
from mlxchat.attachments.model import PreparedImage, PreparedVideo
from mlxchat.attachments.video import DEFAULT_MAX_VIDEO_BYTES, prepare_video
from mlxchat.errors import UsageError


def prepare_attachments(  # noqa: PLR0913 (keyword-only options)
    images: Sequence[str] = (),
    videos: Sequence[str] = (),
    *,
    max_size: int = DEFAULT_MAX_SIZE,
    fetch: bool = False,
    stdin: BinaryIO | None = None,
    max_video_bytes: int = DEFAULT_MAX_VIDEO_BYTES,
) -> tuple[list[PreparedImage], list[PreparedVideo]]:
    """Prepare them in order; the first bad one raises UsageError (exit 2) naming it.

    ``-`` (stdin) may appear once among the images: stdin can be read only once.
    """
    check_max_size(max_size)
    if list(images).count("-") > 1:
        raise UsageError("--image - (stdin) can be given only once")
    if "-" in videos:
        raise UsageError("--video - is not supported: give a path or an http(s) URL")
    prepared_images = [prepare_image(s, max_size=max_size, fetch=fetch, stdin=stdin) for s in images]
    prepared_videos = [prepare_video(s, max_bytes=max_video_bytes) for s in videos]
    return prepared_images, prepared_videos
