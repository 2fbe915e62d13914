"""Videos: recognised by their bytes, size-checked before reading, sent as a data URL or passed through."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from mlxchat.attachments import DEFAULT_MAX_VIDEO_BYTES, prepare_video
from mlxchat.attachments.video import video_format
from mlxchat.errors import UsageError
from mlxchat.exitcodes import ExitCode
from tests import imagecorpus as corpus


def refusal(source: str | Path, max_bytes: int = DEFAULT_MAX_VIDEO_BYTES) -> UsageError:
    with pytest.raises(UsageError) as info:
        prepare_video(str(source), max_bytes=max_bytes)
    assert info.value.exit_code == ExitCode.USAGE
    return info.value


def test_mp4_is_sent_as_a_data_url(tmp_path: Path) -> None:
    path = corpus.fake_mp4(tmp_path)

    prepared = prepare_video(str(path))

    part = prepared.content_part()
    assert part["type"] == "video_url"
    assert part["video_url"]["url"] == prepared.url
    assert corpus.decode_data_url(prepared.url) == ("video/mp4", path.read_bytes())
    assert prepared.summary() == {
        "kind": "video",
        "name": str(path),
        "source": "file",
        "original": {"format": "mp4", "bytes": path.stat().st_size},
        "sent": {"format": "mp4", "bytes": path.stat().st_size},
        "notes": [],
    }


def test_mov_and_avi_are_recognised_whatever_the_extension(tmp_path: Path) -> None:
    mov = corpus.fake_mp4(tmp_path, name="clip.bin", brand=b"qt  ")
    avi = corpus.fake_avi(tmp_path).rename(tmp_path / "clip.mp4")

    assert corpus.decode_data_url(prepare_video(str(mov)).url)[0] == "video/quicktime"
    assert corpus.decode_data_url(prepare_video(str(avi)).url)[0] == "video/x-msvideo"


def test_url_is_passed_through() -> None:
    prepared = prepare_video("https://example.com/v.mp4")

    assert prepared.content_part() == {"type": "video_url", "video_url": {"url": "https://example.com/v.mp4"}}
    assert prepared.summary()["source"] == "url"


def test_non_video_is_refused(tmp_path: Path) -> None:
    path = corpus.text_as_jpg(tmp_path).rename(tmp_path / "notes.mp4")

    assert refusal(path).message == f"video '{path}': not an mp4, mov or avi video (judged by its bytes)"


@pytest.mark.parametrize("make", [corpus.plain_jpeg, corpus.heic_like])
def test_images_are_not_videos(tmp_path: Path, make: Callable[[Path], Path]) -> None:
    path = make(tmp_path)

    assert "not an mp4, mov or avi video" in refusal(path).message


def test_too_large_is_refused_before_reading(tmp_path: Path) -> None:
    path = corpus.fake_mp4(tmp_path, name="long.mp4")
    os.truncate(path, 2_000_000_000)  # sparse: nothing is written

    error = refusal(path)

    assert error.message == f"video '{path}': is 2.0 GB; videos sent inline are limited to 50.0 MB"
    assert error.hint is not None and "URL" in error.hint


def test_limit_is_a_parameter(tmp_path: Path) -> None:
    path = corpus.fake_mp4(tmp_path)
    size = path.stat().st_size

    assert "limited to 100 bytes" in refusal(path, max_bytes=100).message
    assert prepare_video(str(path), max_bytes=size).original is not None


def test_missing_empty_and_directory_are_refused(tmp_path: Path) -> None:
    assert refusal(tmp_path / "none.mp4").message == f"video '{tmp_path / 'none.mp4'}': no such file"
    empty = corpus.empty_file(tmp_path, "empty.mp4")
    assert refusal(empty).message == f"video '{empty}': the file is empty"
    assert refusal(tmp_path).message == f"video '{tmp_path}': is a directory, not a file"


def test_video_format_sniffing() -> None:
    assert video_format(b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00") == "mp4"
    assert video_format(b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00") == "mov"
    assert video_format(b"RIFF\x00\x10\x00\x00AVI LIST") == "avi"
    assert video_format(b"RIFF\x00\x10\x00\x00WAVEfmt ") is None
    assert video_format(b"\x00\x00\x00\x18ftypavif\x00\x00\x00\x00") is None
    assert video_format(b"ftyp") is None
