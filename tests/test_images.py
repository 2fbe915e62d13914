"""Image preparation on real files: every output is decoded and checked (format, size, orientation, mode)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image, features

from mlxchat.attachments import (
    DEFAULT_MAX_SIZE,
    MAX_PIXELS,
    PreparedImage,
    prepare_image,
    prepare_image_bytes,
)
from mlxchat.errors import UsageError
from mlxchat.exitcodes import ExitCode
from tests import imagecorpus as corpus


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("images")


def sent_image(prepared: PreparedImage) -> Image.Image:
    return corpus.open_data_url(prepared.url)


def sent_mime(prepared: PreparedImage) -> str:
    return corpus.decode_data_url(prepared.url)[0]


# -- orientation -------------------------------------------------------------------------------------


@pytest.mark.parametrize("orientation", [1, 2, 3, 4, 5, 6, 7, 8])
def test_exif_orientation_is_applied(corpus_dir: Path, orientation: int) -> None:
    path = corpus.exif_rotated_jpeg(corpus_dir, orientation)
    stored = Image.open(path)
    if orientation in (5, 6, 7, 8):
        assert stored.size == (200, 400)  # the corpus really stores it turned
    assert not corpus.is_upright_quadrants(stored) or orientation == 1

    prepared = prepare_image(str(path))

    img = sent_image(prepared)
    assert img.size == (400, 200)
    assert corpus.is_upright_quadrants(img), corpus.quadrant_colours(img)
    assert prepared.original_size == (400, 200)
    assert prepared.sent_size == (400, 200)
    assert prepared.sent is not None and prepared.sent.format == "jpeg"
    assert sent_mime(prepared) == "image/jpeg"
    assert "exif" not in img.info  # re-encoding drops the EXIF block (and with it any location data)
    if orientation != 1:
        assert f"EXIF orientation {orientation} applied" in prepared.notes


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_rotated_photo_shrunk_with_draft_decoding_comes_out_upright(
    corpus_dir: Path, orientation: int
) -> None:
    # Large enough that draft decoding kicks in (the target is under half the stored size), with the
    # rotation swapping width and height of the draft request.
    path = corpus.exif_rotated_jpeg(corpus_dir, orientation, width=3000, height=1000)

    prepared = prepare_image(str(path), max_size=512)

    img = sent_image(prepared)
    assert img.size == (512, 171)
    assert corpus.is_upright_quadrants(img), corpus.quadrant_colours(img)
    assert prepared.original_size == (3000, 1000)


def test_rotated_photo_with_no_resize_keeps_full_size_and_is_upright(corpus_dir: Path) -> None:
    path = corpus.exif_rotated_jpeg(corpus_dir, 6, width=2400, height=1200)

    prepared = prepare_image(str(path), max_size=0)

    img = sent_image(prepared)
    assert img.size == (2400, 1200)
    assert corpus.is_upright_quadrants(img)


# -- sizes -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def huge_jpeg(corpus_dir: Path) -> Path:
    return corpus.photo_jpeg(corpus_dir, (6000, 4000), name="huge.jpg")


def test_huge_photo_is_shrunk_to_the_long_edge_keeping_the_aspect_ratio(huge_jpeg: Path) -> None:
    prepared = prepare_image(str(huge_jpeg))

    img = sent_image(prepared)
    assert img.size == (2048, 1365)
    assert img.format == "JPEG" and img.mode == "RGB"
    assert prepared.original_size == (6000, 4000)
    assert prepared.sent_size == (2048, 1365)
    assert prepared.original is not None and prepared.sent is not None
    assert prepared.original.bytes == huge_jpeg.stat().st_size
    assert prepared.sent.bytes < prepared.original.bytes / 3


def test_max_size_zero_never_resizes(huge_jpeg: Path) -> None:
    prepared = prepare_image(str(huge_jpeg), max_size=0)

    assert sent_image(prepared).size == (6000, 4000)


def test_odd_sizes_round_to_the_nearest_pixel(corpus_dir: Path) -> None:
    path = corpus.photo_jpeg(corpus_dir, (4001, 2999), name="odd.jpg")

    prepared = prepare_image(str(path))

    assert sent_image(prepared).size == (2048, 1535)


def test_portrait_png_photo_is_shrunk_and_sent_as_jpeg(corpus_dir: Path) -> None:
    path = corpus.photo_png(corpus_dir, (1000, 3000), name="portrait.png")

    prepared = prepare_image(str(path))

    img = sent_image(prepared)
    assert img.size == (683, 2048)
    assert img.format == "JPEG"  # many colours: a photo, whatever the source format
    assert prepared.original is not None and prepared.original.format == "png"


def test_small_images_are_never_enlarged(corpus_dir: Path) -> None:
    path = corpus.exif_rotated_jpeg(corpus_dir, 3)

    prepared = prepare_image(str(path), max_size=4096)

    assert sent_image(prepared).size == (400, 200)


@pytest.mark.parametrize("max_size", [1, 100, 399])
def test_custom_max_size(corpus_dir: Path, max_size: int) -> None:
    path = corpus.plain_jpeg(corpus_dir)

    prepared = prepare_image(str(path), max_size=max_size)

    img = sent_image(prepared)
    assert max(img.size) == max_size
    assert img.size[1] == max(1, round(200 * max_size / 400))


def test_negative_max_size_is_a_usage_error(corpus_dir: Path) -> None:
    with pytest.raises(UsageError, match="maximum image size -1"):
        prepare_image(str(corpus.plain_jpeg(corpus_dir)), max_size=-1)


def test_one_pixel_png_is_padded_past_the_servers_minimum(corpus_dir: Path) -> None:
    path = corpus.tiny_png(corpus_dir)
    assert path.stat().st_size < 100  # mlx-openai-server would refuse the original

    prepared = prepare_image(str(path))

    mime, data = corpus.decode_data_url(prepared.url)
    assert mime == "image/png"
    assert len(data) >= 100
    img = sent_image(prepared)
    assert img.size == (1, 1)
    assert img.getpixel((0, 0)) == corpus.RED


def test_one_pixel_jpeg_is_sent_unchanged(corpus_dir: Path) -> None:
    path = corpus.tiny_jpeg(corpus_dir)

    prepared = prepare_image(str(path))

    assert corpus.decode_data_url(prepared.url)[1] == path.read_bytes()
    assert prepared.sent_size == (1, 1)


# -- when the original bytes are sent ----------------------------------------------------------------


def test_plain_jpeg_within_limits_is_sent_unchanged(corpus_dir: Path) -> None:
    path = corpus.plain_jpeg(corpus_dir)

    prepared = prepare_image(str(path))

    assert corpus.decode_data_url(prepared.url) == ("image/jpeg", path.read_bytes())
    assert "original bytes sent unchanged" in prepared.notes
    assert prepared.original == prepared.sent


def test_jpeg_with_any_exif_is_re_encoded_without_it(corpus_dir: Path) -> None:
    path = corpus.jpeg_with_exif_no_rotation(corpus_dir)

    prepared = prepare_image(str(path))

    img = sent_image(prepared)
    assert corpus.decode_data_url(prepared.url)[1] != path.read_bytes()
    assert "exif" not in img.info
    assert corpus.is_upright_quadrants(img)
    assert not any("orientation" in note for note in prepared.notes)


def test_opaque_palette_png_is_sent_unchanged(corpus_dir: Path) -> None:
    path = corpus.palette_png_opaque(corpus_dir)

    prepared = prepare_image(str(path))

    assert corpus.decode_data_url(prepared.url) == ("image/png", path.read_bytes())


# -- modes -------------------------------------------------------------------------------------------


def test_cmyk_jpeg_becomes_rgb(corpus_dir: Path) -> None:
    prepared = prepare_image(str(corpus.cmyk_jpeg(corpus_dir)))

    img = sent_image(prepared)
    assert img.mode == "RGB" and img.format == "JPEG"
    assert corpus.is_upright_quadrants(img), corpus.quadrant_colours(img)
    assert "CMYK converted to RGB" in prepared.notes


def test_palette_png_with_transparency_becomes_rgba_png(corpus_dir: Path) -> None:
    prepared = prepare_image(str(corpus.palette_png_with_transparency(corpus_dir)))

    img = sent_image(prepared)
    assert img.format == "PNG" and img.mode == "RGBA"
    assert img.getpixel((5, 5)) == (0, 0, 0, 0)
    assert img.getpixel((50, 5)) == (255, 0, 0, 255)


def test_16_bit_png_is_scaled_to_8_bit_not_clipped(corpus_dir: Path) -> None:
    prepared = prepare_image(str(corpus.png_16bit_grey(corpus_dir, value=40000)))

    img = sent_image(prepared)
    assert img.mode == "L" and img.format == "PNG"
    assert img.getpixel((5, 5)) == 40000 // 256
    assert img.getpixel((50, 5)) == 0
    assert any("16-bit" in note for note in prepared.notes)


def test_la_with_transparency_keeps_alpha(corpus_dir: Path) -> None:
    prepared = prepare_image(str(corpus.la_png(corpus_dir, transparent=True)))

    img = sent_image(prepared)
    assert img.format == "PNG" and img.mode == "RGBA"
    assert img.getchannel("A").getpixel((5, 5)) == 0
    assert img.getpixel((50, 5)) == (128, 128, 128, 255)


def test_opaque_la_becomes_grey(corpus_dir: Path) -> None:
    prepared = prepare_image(str(corpus.la_png(corpus_dir, transparent=False)))

    img = sent_image(prepared)
    assert img.mode == "L" and img.format == "PNG"
    assert img.getpixel((5, 5)) == 128


def test_rgba_with_transparency_keeps_alpha_when_shrunk(corpus_dir: Path) -> None:
    prepared = prepare_image(str(corpus.rgba_png(corpus_dir, transparent=True)), max_size=100)

    img = sent_image(prepared)
    assert img.format == "PNG" and img.mode == "RGBA" and img.size == (100, 50)
    assert img.getchannel("A").getpixel((10, 10)) == 0
    assert img.getpixel((90, 40)) == (*corpus.YELLOW, 255)


def test_opaque_rgba_drops_the_alpha_channel_when_re_encoded(corpus_dir: Path) -> None:
    prepared = prepare_image(str(corpus.rgba_png(corpus_dir, transparent=False)), max_size=100)

    img = sent_image(prepared)
    assert img.mode == "RGB" and img.size == (100, 50)
    assert corpus.is_upright_quadrants(img)


def test_bilevel_png_becomes_grey_png(corpus_dir: Path) -> None:
    prepared = prepare_image(str(corpus.bilevel_png(corpus_dir)))

    img = sent_image(prepared)
    assert img.mode == "L" and img.format == "PNG"
    assert img.getpixel((5, 5)) == 255 and img.getpixel((30, 5)) == 0


def test_animated_gif_sends_the_first_frame_with_a_note(corpus_dir: Path) -> None:
    prepared = prepare_image(str(corpus.animated_gif(corpus_dir, frames=12)))

    img = sent_image(prepared)
    assert img.format == "PNG" and img.mode == "RGB" and img.size == (80, 40)
    assert getattr(img, "n_frames", 1) == 1
    assert corpus.is_upright_quadrants(img)
    assert "animated GIF: first frame of 12 sent" in prepared.notes
    assert prepared.original is not None and prepared.original.format == "gif"


@pytest.mark.parametrize("lossless", [False, True])
def test_webp_is_converted(corpus_dir: Path, lossless: bool) -> None:
    prepared = prepare_image(str(corpus.webp(corpus_dir, lossless=lossless)))

    img = sent_image(prepared)
    assert img.size == (400, 200)
    assert corpus.is_upright_quadrants(img)
    assert prepared.original is not None and prepared.original.format == "webp"
    if lossless:
        assert img.format == "PNG"  # four colours: lossless and small


@pytest.mark.skipif(not features.check("avif"), reason="this Pillow has no AVIF codec")
def test_avif_is_converted(corpus_dir: Path) -> None:
    path = corpus_dir / "picture.avif"
    corpus.quadrants().save(path, "AVIF", quality=90)

    prepared = prepare_image(str(path))

    img = sent_image(prepared)
    assert img.size == (400, 200) and img.format in ("PNG", "JPEG")
    assert corpus.is_upright_quadrants(img)
    assert prepared.original is not None and prepared.original.format == "avif"


def test_multi_page_tiff_sends_the_first_page_with_a_note(corpus_dir: Path) -> None:
    path = corpus_dir / "pages.tif"
    corpus.quadrants().save(path, "TIFF", save_all=True, append_images=[Image.new("RGB", (400, 200))] * 2)

    prepared = prepare_image(str(path))

    assert corpus.is_upright_quadrants(sent_image(prepared))
    assert "TIFF holds 3 images: the first sent" in prepared.notes


def test_cmyk_jpeg_shrunk_with_draft_decoding(corpus_dir: Path) -> None:
    path = corpus_dir / "cmyk-big.jpg"
    corpus.quadrants(3000, 1500).convert("CMYK").save(path, "JPEG", quality=95)

    prepared = prepare_image(str(path), max_size=500)

    img = sent_image(prepared)
    assert img.size == (500, 250) and img.mode == "RGB"
    assert corpus.is_upright_quadrants(img)


def test_gif_with_transparency_keeps_it(corpus_dir: Path) -> None:
    path = corpus_dir / "transparent.gif"
    img = Image.new("P", (40, 20), 0)
    img.putpalette([0, 0, 0, 0, 0, 255] + [0, 0, 0] * 254)
    img.paste(1, (20, 0, 40, 20))
    img.save(path, "GIF", transparency=0)

    sent = sent_image(prepare_image(str(path)))

    assert sent.mode == "RGBA" and sent.format == "PNG"
    assert sent.getchannel("A").getpixel((5, 5)) == 0
    assert sent.getpixel((30, 5)) == (0, 0, 255, 255)


def test_format_is_read_from_the_bytes_not_the_extension(corpus_dir: Path) -> None:
    png_named_jpg = corpus_dir / "really-a-png.jpg"
    corpus.quadrants().save(png_named_jpg, "PNG")

    prepared = prepare_image(str(png_named_jpg))

    assert prepared.original is not None and prepared.original.format == "png"
    assert sent_mime(prepared) == "image/png"


# -- refusals ----------------------------------------------------------------------------------------


def refusal(source: str | Path, *, max_size: int = DEFAULT_MAX_SIZE, max_pixels: int = MAX_PIXELS) -> str:
    with pytest.raises(UsageError) as info:
        prepare_image(str(source), max_size=max_size, max_pixels=max_pixels)
    assert info.value.exit_code == ExitCode.USAGE
    return info.value.message


def test_truncated_jpeg_is_refused(corpus_dir: Path) -> None:
    path = corpus.truncated_jpeg(corpus_dir)

    message = refusal(path)

    assert str(path) in message and "truncated" in message


def test_truncated_jpeg_is_refused_even_when_draft_decoding(corpus_dir: Path) -> None:
    whole = corpus.photo_jpeg(corpus_dir, (1600, 1200), name="big-then-cut.jpg")
    cut = corpus_dir / "big-cut.jpg"
    cut.write_bytes(whole.read_bytes()[:20000])

    assert "truncated" in refusal(cut, max_size=200)


def test_text_file_named_jpg_is_refused(corpus_dir: Path) -> None:
    path = corpus.text_as_jpg(corpus_dir)

    message = refusal(path)

    assert str(path) in message and "not an image" in message


def test_empty_file_is_refused(corpus_dir: Path) -> None:
    path = corpus.empty_file(corpus_dir)

    assert refusal(path) == f"image '{path}': the file is empty"


def test_missing_path_is_refused(corpus_dir: Path) -> None:
    path = corpus_dir / "nope.jpg"

    assert refusal(path) == f"image '{path}': no such file"


def test_directory_is_refused(corpus_dir: Path) -> None:
    assert refusal(corpus_dir) == f"image '{corpus_dir}': is a directory, not a file"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file_is_refused(corpus_dir: Path) -> None:
    path = corpus.plain_jpeg(corpus_dir, name="secret.jpg")
    path.chmod(0)
    try:
        assert refusal(path) == f"image '{path}': cannot be read (permission denied)"
    finally:
        path.chmod(0o644)


def test_decompression_bomb_header_is_refused_without_allocating(corpus_dir: Path) -> None:
    path = corpus.png_header_only(corpus_dir, 100_000, 100_000)
    assert path.stat().st_size < 100

    message = refusal(path)

    assert str(path) in message and "decompression bomb" in message


def test_image_just_over_the_pixel_limit_is_refused_with_its_size(corpus_dir: Path) -> None:
    path = corpus.png_header_only(corpus_dir, 12_000, 9_000, name="big-header.png")
    assert MAX_PIXELS < 12_000 * 9_000

    message = refusal(path)

    assert "12000x9000 pixels" in message and "100 megapixels" in message


def test_pixel_limit_is_a_parameter(corpus_dir: Path) -> None:
    path = corpus.plain_jpeg(corpus_dir)

    assert "decompression bomb" in refusal(path, max_pixels=10_000)


def test_image_under_the_limit_but_damaged_is_refused_as_damaged(corpus_dir: Path) -> None:
    path = corpus.png_header_only(corpus_dir, 300, 200, name="header-only.png")

    message = refusal(path)

    assert "damaged or truncated" in message


def test_heic_gets_a_clear_message_without_pillow_heif(corpus_dir: Path) -> None:
    # The suite installs pillow-heif; a child process that cannot import it is an installation without it.
    code = (
        "import sys; sys.modules['pillow_heif'] = None\n"
        "from mlxchat.attachments import prepare_image\n"
        "from mlxchat.errors import UsageError\n"
        "try:\n    prepare_image(sys.argv[1])\nexcept UsageError as exc:\n    print(exc.message)\n"
    )
    path = corpus.heic_like(corpus_dir)

    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True)

    assert out.stdout.strip() == f"image '{path}': HEIC/HEIF images cannot be read by this installation"


@pytest.mark.skipif(importlib.util.find_spec("pillow_heif") is None, reason="pillow-heif is not installed")
def test_heic_is_read_with_pillow_heif(corpus_dir: Path) -> None:
    prepared = prepare_image_bytes(corpus.oriented("HEIF", 6), name="IMG_1.heic")

    assert prepared.original is not None and prepared.original.format == "heif"
    assert corpus.is_upright_quadrants(corpus.open_data_url(prepared.url))


def test_video_given_as_an_image_is_refused(corpus_dir: Path) -> None:
    assert "video file, not an image" in refusal(corpus.fake_mp4(corpus_dir))


def test_other_url_schemes_are_refused() -> None:
    assert refusal("ftp://example.com/a.jpg") == (
        "image 'ftp://example.com/a.jpg': only http://, https:// and data: URLs are supported"
    )


# -- the parts ---------------------------------------------------------------------------------------


def test_content_part_and_summary(huge_jpeg: Path) -> None:
    prepared = prepare_image(str(huge_jpeg))

    part = prepared.content_part()
    assert part == {"type": "image_url", "image_url": {"url": prepared.url}}
    assert prepared.url.startswith("data:image/jpeg;base64,")
    summary = prepared.summary()
    assert prepared.sent is not None
    sent_bytes = prepared.sent.bytes
    assert sent_bytes == len(corpus.decode_data_url(prepared.url)[1])
    assert json.loads(json.dumps(summary)) == summary
    assert summary == {
        "kind": "image",
        "name": str(huge_jpeg),
        "source": "file",
        "original": {"format": "jpeg", "width": 6000, "height": 4000, "bytes": huge_jpeg.stat().st_size},
        "sent": {"format": "jpeg", "width": 2048, "height": 1365, "bytes": sent_bytes},
        "notes": [],
    }
