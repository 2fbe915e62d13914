"""Private metadata never leaves the machine: not in original bytes sent unchanged, not in re-encoded images.

Every format is written with every kind of metadata it can hold (EXIF with a camera make and GPS,
XMP with GPS, JPEG/GIF comments, PNG text chunks, TIFF descriptions), each carrying a planted
string; the bytes that are sent are searched for those strings, and decoded to check that no
metadata block is left at all (compressed text chunks would hide from a plain search).
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, PngImagePlugin

from mlxchat.attachments import PreparedImage, prepare_image_bytes
from tests import imagecorpus as corpus
from tests import imagehazards as hazards
from tests.fixtures.standin import Standin
from tests.test_chat_attachments import profile, send

FORMATS = sorted({*corpus.ORIENTED_FORMATS, "GIF"})
_METADATA_KEYS = ("exif", "xmp", "XML:com.adobe.xmp", "comment", "Comment", "Description", "icc_profile")


def assert_clean(data: bytes, what: str) -> None:
    for secret in hazards.SECRETS:
        assert secret not in data, (what, secret)
    img = Image.open(io.BytesIO(data))
    img.load()
    assert not img.getexif(), what
    keys = [str(key) for key in img.info]
    leftover = [key for key in keys if key in _METADATA_KEYS or key.startswith(("Raw profile", "XML"))]
    assert not leftover, (what, leftover)
    if isinstance(img, PngImagePlugin.PngImageFile):
        assert not img.text, (what, img.text)  # no text chunk of any kind


def sent_bytes(prepared: PreparedImage) -> bytes:
    return corpus.decode_data_url(prepared.url)[1]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("orientation", "max_size", "exif"),
    [(1, 2048, True), (1, 2048, False), (1, 100, True), (6, 2048, True)],
    ids=["as-is", "no-exif", "shrunk", "rotated"],
)
def test_no_metadata_is_sent(fmt: str, orientation: int, max_size: int, exif: bool) -> None:
    if fmt == "GIF":
        orientation = 1  # GIF has no EXIF: only a comment
    picture = corpus.stored_for(orientation, corpus.quadrants(400, 200))
    data = hazards.with_secrets(fmt, picture, orientation, exif=exif)
    assert any(secret in data for secret in hazards.SECRETS)  # the corpus really plants them

    prepared = prepare_image_bytes(data, name="secret", max_size=max_size)

    assert_clean(sent_bytes(prepared), f"{fmt} {orientation} {max_size}")
    assert corpus.is_upright_quadrants(corpus.open_data_url(prepared.url))


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_a_picture_within_limits_keeps_its_pixels_and_loses_its_metadata(fmt: str) -> None:
    data = hazards.with_secrets(fmt, corpus.quadrants(400, 200))

    prepared = prepare_image_bytes(data, name="secret")

    sent = sent_bytes(prepared)
    assert "original image sent without its metadata" in prepared.notes
    assert len(sent) < len(data)
    assert_clean(sent, fmt)
    # Lossless: exactly the pixels of the original file (no second JPEG compression).
    original, stripped = Image.open(io.BytesIO(data)), Image.open(io.BytesIO(sent))
    assert original.tobytes() == stripped.tobytes()
    assert prepared.sent is not None and prepared.sent.bytes == len(sent)


def test_a_jpeg_comment_is_not_copied_into_the_re_encoded_jpeg() -> None:
    # Pillow's JPEG writer copies a comment it read unless told otherwise.
    data = corpus.encode(corpus.noisy_photo((800, 600)), "JPEG", comment=b"COMMENT-SECRET")

    prepared = prepare_image_bytes(data, name="c.jpg", max_size=400)

    assert prepared.sent is not None and prepared.sent.width == 400
    assert_clean(sent_bytes(prepared), "jpeg comment")


def test_metadata_after_the_end_of_the_image_is_dropped() -> None:
    data = corpus.encode(corpus.quadrants(), "JPEG") + b"trailer with GPS-SECRET-51N"

    prepared = prepare_image_bytes(data, name="trailer.jpg")

    sent = sent_bytes(prepared)
    assert b"GPS-SECRET-51N" not in sent
    assert sent.endswith(b"\xff\xd9")


def test_the_server_receives_no_planted_string(mlxchat_home: Path, server: Standin, tmp_path: Path) -> None:
    """Through the real CLI, every format at once: the whole request body the stand-in got is searched."""
    args = []
    for fmt in FORMATS:
        for orientation, exif in ((1, False), (6, True)) if fmt != "GIF" else ((1, False),):
            path = tmp_path / f"{orientation}.{fmt.lower()}"
            picture = corpus.stored_for(orientation, corpus.quadrants(400, 200))
            path.write_bytes(hazards.with_secrets(fmt, picture, orientation, exif=exif))
            args += ["--image", str(path)]

    sent = send(mlxchat_home, profile(mlxchat_home, server), "where was this taken?", *args)

    assert len(sent.images()) == len(args) // 2
    for part in sent.parts("image_url"):
        assert_clean(corpus.decode_data_url(part["image_url"]["url"])[1], "via the CLI")
