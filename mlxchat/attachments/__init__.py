"""Images and video for chat requests: read, check, prepare, and build the user message.

Pillow and httpx are imported only when an image is prepared or downloaded, so importing this
package stays cheap. The rules are documented in docs/attachments.md.
"""

from __future__ import annotations

from mlxchat.attachments.batch import prepare_attachments
from mlxchat.attachments.images import (
    DEFAULT_MAX_SIZE,
    JPEG_QUALITY,
    MAX_IMAGE_BYTES,
    MAX_PIXELS,
    prepare_image,
    prepare_image_bytes,
)
from mlxchat.attachments.message import TEXT_ONLY_HINT, build_user_content, text_only_warning
from mlxchat.attachments.model import MediaFacts, PreparedImage, PreparedVideo, SourceKind
from mlxchat.attachments.video import DEFAULT_MAX_VIDEO_BYTES, prepare_video

__all__ = [
    "DEFAULT_MAX_SIZE",
    "DEFAULT_MAX_VIDEO_BYTES",
    "JPEG_QUALITY",
    "MAX_IMAGE_BYTES",
    "MAX_PIXELS",
    "TEXT_ONLY_HINT",
    "MediaFacts",
    "PreparedImage",
    "PreparedVideo",
    "SourceKind",
    "build_user_content",
    "prepare_attachments",
    "prepare_image",
    "prepare_image_bytes",
    "prepare_video",
    "text_only_warning",
]
