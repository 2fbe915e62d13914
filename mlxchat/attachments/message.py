"""Building the user message from text and prepared attachments, and the text-only profile message."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mlxchat.attachments.model import PreparedImage, PreparedVideo


def build_user_content(
    text: str, images: Sequence[PreparedImage] = (), videos: Sequence[PreparedVideo] = ()
) -> str | list[dict[str, Any]]:
    """The ``content`` of an OpenAI user message.

    Text alone stays a plain string (what every server reads). With attachments: a list of parts,
    the text part first (left out when the text is empty), then the images, then the videos.
    """
    if not images and not videos:
        return text
    parts: list[dict[str, Any]] = []
    if text:
        parts.append({"type": "text", "text": text})
    parts.extend(image.content_part() for image in images)
    parts.extend(video.content_part() for video in videos)
    return parts


def text_only_warning(names: Sequence[str], profile_name: str) -> str:
    """The message when attachments meet a text-only (``model_type = lm``) profile.

    Used as a warning (the attachments are left out) or, with ``--strict``, as the error message.
    """
    count = len(names)
    noun = "attachment" if count == 1 else "attachments"
    listed = ", ".join(names)
    return f"profile '{profile_name}' is text-only (model_type = lm): not sending {count} {noun}: {listed}"


TEXT_ONLY_HINT = "use a profile with model_type = multimodal to send images or video"
