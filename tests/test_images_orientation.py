"""Every format that can carry an orientation arrives upright exactly once, with the right ``original`` size.

The corpus is generated: the four-colour quadrant picture, stored turned as a camera would store it
and tagged with orientations 1-8, in every format Pillow and its installed plugins can tag (JPEG,
MPO, PNG eXIf, WebP, TIFF, AVIF, HEIF). What is checked is the decoded picture that is sent, not
the notes. Pillow turns TIFFs upright itself when loading them: they must not be turned twice.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mlxchat.attachments import prepare_image, prepare_image_bytes
from tests import imagecorpus as corpus
from tests.fixtures.standin import Standin
from tests.test_chat_attachments import profile, send

ORIENTATIONS = range(1, 9)


@pytest.mark.parametrize("fmt", corpus.ORIENTED_FORMATS)
@pytest.mark.parametrize("orientation", ORIENTATIONS)
def test_every_format_and_orientation_is_sent_upright(fmt: str, orientation: int) -> None:
    data = corpus.oriented(fmt, orientation)

    prepared = prepare_image_bytes(data, name=f"q.{fmt.lower()}")

    img = corpus.open_data_url(prepared.url)
    assert img.size == (400, 200), (fmt, orientation)
    assert corpus.is_upright_quadrants(img), (fmt, orientation, corpus.quadrant_colours(img))
    assert prepared.original_size == (400, 200)
    assert prepared.sent_size == (400, 200)


@pytest.mark.parametrize("fmt", corpus.ORIENTED_FORMATS)
@pytest.mark.parametrize("orientation", [3, 6, 7])
def test_shrunk_pictures_are_upright_with_the_shown_size(fmt: str, orientation: int) -> None:
    data = corpus.oriented(fmt, orientation, size=(1200, 600))

    prepared = prepare_image_bytes(data, name="q", max_size=300)

    img = corpus.open_data_url(prepared.url)
    assert img.size == (300, 150)
    assert corpus.is_upright_quadrants(img), (fmt, orientation, corpus.quadrant_colours(img))
    assert prepared.original_size == (1200, 600)


def test_a_tiff_landscape_tagged_6_goes_as_a_landscape(tmp_path: Path) -> None:
    # The case from the report: 3000x2000 stored with orientation 6 went as a 1365x2048 portrait.
    path = tmp_path / "scan.tif"
    path.write_bytes(corpus.oriented("TIFF", 6, size=(3000, 2000)))

    prepared = prepare_image(str(path))

    img = corpus.open_data_url(prepared.url)
    assert img.size == (2048, 1365)
    assert corpus.is_upright_quadrants(img)
    assert prepared.original is not None
    assert (prepared.original.width, prepared.original.height) == (3000, 2000)


def test_the_server_receives_every_format_and_orientation_upright(
    mlxchat_home: Path, server: Standin, tmp_path: Path
) -> None:
    """Through the real CLI, one request: every format x orientation, decoded from what the stand-in got."""
    cases = [(fmt, orientation) for fmt in corpus.ORIENTED_FORMATS for orientation in ORIENTATIONS]
    args = []
    for fmt, orientation in cases:
        path = tmp_path / f"o{orientation}.{fmt.lower()}"
        path.write_bytes(corpus.oriented(fmt, orientation))
        args += ["--image", str(path)]

    sent = send(mlxchat_home, profile(mlxchat_home, server), "which way up?", *args)

    images = sent.images()
    assert len(images) == len(cases)
    for case, img, summary in zip(cases, images, sent.start["attachments"], strict=True):
        assert img.size == (400, 200), case
        assert corpus.is_upright_quadrants(img), (case, corpus.quadrant_colours(img))
        assert (summary["original"]["width"], summary["original"]["height"]) == (400, 200), case
