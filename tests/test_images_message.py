"""The user message built from text and attachments, the text-only message, and batch preparation."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from mlxchat.attachments import (
    TEXT_ONLY_HINT,
    build_user_content,
    prepare_attachments,
    prepare_image,
    prepare_video,
    text_only_warning,
)
from mlxchat.errors import UsageError
from tests import imagecorpus as corpus


def test_text_alone_stays_a_string() -> None:
    assert build_user_content("hello", [], []) == "hello"


def test_parts_are_text_then_images_then_videos(tmp_path: Path) -> None:
    first = prepare_image(str(corpus.plain_jpeg(tmp_path)))
    second = prepare_image("https://example.com/b.png")
    video = prepare_video(str(corpus.fake_mp4(tmp_path)))

    content = build_user_content("what is this?", [first, second], [video])

    assert content == [
        {"type": "text", "text": "what is this?"},
        {"type": "image_url", "image_url": {"url": first.url}},
        {"type": "image_url", "image_url": {"url": "https://example.com/b.png"}},
        {"type": "video_url", "video_url": {"url": video.url}},
    ]


def test_empty_text_is_left_out_of_the_parts() -> None:
    image = prepare_image("https://example.com/b.png")

    assert build_user_content("", [image]) == [image.content_part()]


def test_text_only_warning_names_profile_and_attachments() -> None:
    assert text_only_warning(["a.jpg", "<stdin>"], "tiny") == (
        "profile 'tiny' is text-only (model_type = lm): not sending 2 attachments: a.jpg, <stdin>"
    )
    assert text_only_warning(["a.jpg"], "tiny").endswith("not sending 1 attachment: a.jpg")
    assert "multimodal" in TEXT_ONLY_HINT


def test_prepare_attachments_keeps_order_and_options(tmp_path: Path) -> None:
    big = corpus.photo_jpeg(tmp_path, (1200, 800))
    stdin_bytes = corpus.tiny_jpeg(tmp_path).read_bytes()

    images, videos = prepare_attachments(
        [str(big), "-", "https://example.com/c.jpg"],
        [str(corpus.fake_mp4(tmp_path))],
        max_size=300,
        stdin=io.BytesIO(stdin_bytes),
    )

    assert [i.name for i in images] == [str(big), "<stdin>", "https://example.com/c.jpg"]
    assert images[0].sent_size == (300, 200)
    assert images[1].sent_size == (1, 1)
    assert [v.summary()["original"]["format"] for v in videos] == ["mp4"]


def test_prepare_attachments_stops_at_the_first_bad_one(tmp_path: Path) -> None:
    good = corpus.plain_jpeg(tmp_path)
    bad = corpus.text_as_jpg(tmp_path)

    with pytest.raises(UsageError, match=f"image '{bad}'"):
        prepare_attachments([str(good), str(bad)])


def test_stdin_can_be_given_once() -> None:
    with pytest.raises(UsageError, match="only once"):
        prepare_attachments(["-", "-"], stdin=io.BytesIO(b"x"))
    with pytest.raises(UsageError, match="--video -"):
        prepare_attachments([], ["-"])
