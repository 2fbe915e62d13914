"""Modes beyond 8-bit RGB keep their picture; colour profiles are converted; bands resize like the whole.

Each case writes a file in a mode Pillow reads (mostly TIFF, which stores nearly all of them) with
known sample values, prepares it, and checks the decoded pixels that are sent.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image

from mlxchat.attachments import PreparedImage, pixels, prepare_image_bytes
from tests import imagecorpus as corpus
from tests import imagehazards as hazards


def halves(mode: str, left: float | tuple[int, ...], right: float | tuple[int, ...]) -> Image.Image:
    """A 64x32 image of ``mode``: the left half ``left``, the right half ``right``."""
    img = Image.new(mode, (64, 32), right)
    img.paste(Image.new(mode, (32, 32), left), (0, 0))
    return img


def prepared(img: Image.Image, fmt: str = "TIFF", **params: object) -> tuple[PreparedImage, Image.Image]:
    result = prepare_image_bytes(corpus.encode(img, fmt, **params), name=f"{img.mode}.{fmt.lower()}")
    return result, corpus.open_data_url(result.url)


def left_right(img: Image.Image) -> tuple[object, object]:
    return img.getpixel((8, 16)), img.getpixel((56, 16))


@pytest.mark.parametrize(
    ("mode", "left", "right", "expected"),
    [
        ("F", 0.5, 1.0, (128, 255)),  # fractions of white: 1.0 is white, not nearly black
        ("F", -1000.0, 3000.0, (0, 255)),  # any other range is scaled to 0-255
        ("F", 10.0, 200.0, (10, 200)),  # already 0-255: unchanged
        ("I", 40000, 0, (156, 0)),  # 16-bit data held in 32 bits
        ("I", -5, 70000, (0, 255)),
        ("I;16", 40000, 0, (156, 0)),
        ("I;16B", 40000, 65535, (156, 255)),
        # Pictures that would use few grey levels are stretched to their range:
        ("I;16", 0, 4095, (0, 255)),  # 12-bit data in a 16-bit container
        ("I;16", 1000, 3000, (0, 255)),
        ("I;16B", 0, 20000, (0, 78)),  # over a quarter of the levels: read as 16-bit
        ("I", 0, 1000, (0, 255)),
        ("F", 100.0, 101.0, (0, 255)),
        ("F", 0.25, 0.26, (0, 255)),
    ],
)
def test_high_bit_samples_are_scaled_not_clipped(
    mode: str, left: float, right: float, expected: tuple[int, int]
) -> None:
    result, img = prepared(halves(mode, left, right))

    assert img.mode == "L"
    low, high = left_right(img)
    assert isinstance(low, int) and isinstance(high, int)
    assert abs(low - expected[0]) <= 1 and abs(high - expected[1]) <= 1, (low, high)
    assert any("converted to 8-bit" in note for note in result.notes)


def test_an_image_of_one_value_keeps_it() -> None:
    _, img = prepared(Image.new("I;16", (32, 32), 40000))
    assert img.getpixel((4, 4)) == 156


@pytest.mark.parametrize("mode", ["CMYK", "LAB", "YCbCr", "RGBX", "HSV"])
def test_other_colour_modes_become_rgb_with_their_colours(mode: str) -> None:
    source = (
        corpus.quadrants(64, 32).convert(mode) if mode != "HSV" else corpus.quadrants(64, 32).convert("HSV")
    )
    fmt = "TIFF" if mode in ("CMYK", "LAB", "RGBX") else "JPEG" if mode == "YCbCr" else "WEBP"

    _, img = prepared(source, fmt)

    assert img.mode == "RGB"
    assert corpus.is_upright_quadrants(img), corpus.quadrant_colours(img)


@pytest.mark.parametrize(
    ("mode", "fmt"), [("LA", "TIFF"), ("LA", "PNG"), ("PA", "TIFF"), ("RGBA", "TIFF"), ("RGBA", "WEBP")]
)
def test_transparency_is_kept_in_every_alpha_mode(mode: str, fmt: str) -> None:
    rgba = corpus.quadrants(64, 32).convert("RGBA")
    rgba.putalpha(halves("L", 0, 255))
    source = rgba.convert("LA") if mode == "LA" else rgba.convert("PA") if mode == "PA" else rgba
    lossless = {"lossless": True} if fmt == "WEBP" else {}

    _, img = prepared(source, fmt, **lossless)

    assert img.mode == "RGBA" and img.format == "PNG"
    low, high = left_right(img.getchannel("A"))
    assert (low, high) == (0, 255)


def test_palette_with_partial_alpha_keeps_it() -> None:
    img = Image.new("P", (64, 32), 1)
    img.putpalette([255, 0, 0, 0, 0, 255] + [0, 0, 0] * 254)
    img.paste(0, (0, 0, 32, 32))

    _, sent = prepared(img, "PNG", transparency=bytes([128, 255]))

    assert sent.mode == "RGBA"
    assert left_right(sent) == ((255, 0, 0, 128), (0, 0, 255, 255))


def test_bilevel_tiff_becomes_grey() -> None:
    _, img = prepared(halves("1", 1, 0))

    assert img.mode == "L" and left_right(img) == (255, 0)


# -- colour profiles --------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "TIFF", "WEBP"])
def test_an_embedded_colour_profile_is_converted_to_srgb(fmt: str) -> None:
    # In this profile "red" means sRGB green: a faithful picture is green, and carries no profile.
    result, img = prepared(
        Image.new("RGB", (64, 32), corpus.RED), fmt, icc_profile=hazards.swapped_rg_profile()
    )

    pixel = img.getpixel((10, 10))
    assert isinstance(pixel, tuple)
    assert corpus.close_to(pixel[:3], corpus.GREEN, tolerance=45), pixel
    assert "colour profile converted to sRGB" in result.notes
    assert "icc_profile" not in img.info


def test_an_srgb_profile_changes_nothing_and_is_not_sent() -> None:
    from PIL import ImageCms

    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = corpus.encode(corpus.quadrants(), "JPEG", icc_profile=srgb)

    result = prepare_image_bytes(data, name="srgb.jpg")

    sent = corpus.decode_data_url(result.url)[1]
    assert "original image sent without its metadata" in result.notes  # no second JPEG compression
    assert Image.open(io.BytesIO(sent)).tobytes() == Image.open(io.BytesIO(data)).tobytes()
    assert "icc_profile" not in Image.open(io.BytesIO(sent)).info


def test_an_unreadable_profile_is_ignored_with_a_note() -> None:
    result, img = prepared(Image.new("RGB", (64, 32), corpus.RED), "PNG", icc_profile=b"not a profile" * 20)

    assert "colour profile unreadable: ignored" in result.notes
    assert img.getpixel((10, 10)) == corpus.RED


# -- bands ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L"])
def test_resizing_in_bands_matches_resizing_the_whole(mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    source = corpus.noisy_photo((900, 700)).convert(mode)
    whole = source.resize((300, 233), Image.Resampling.LANCZOS)
    monkeypatch.setattr(pixels, "BAND_PIXELS", 20_000)  # about 22 source rows a band: many bands

    banded = pixels.render(source, pixels.PixelPlan(mode), (300, 233))

    diff = max(abs(a - b) for a, b in zip(banded.tobytes(), whole.tobytes(), strict=True))
    assert diff <= 1
