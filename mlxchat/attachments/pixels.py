"""Turning a decoded image into the 8-bit picture that is sent: its mode, colours and size.

``plan_pixels`` looks at the whole image once (without copying it) and decides the mode sent (L,
RGB or RGBA) and the steps that get there; ``render`` applies them band by band, resizing each band
as it goes, so preparing never holds more than the decoded image, the result and one band (docs/
attachments.md, "Memory"). The result of resizing in bands is the same as resizing the whole image:
each band is cut with a margin as wide as the Lanczos filter reaches.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from PIL import Image, ImageCms

BAND_PIXELS: Final = 4_000_000
"""About how many source pixels one band holds."""
_LANCZOS_SUPPORT: Final = 3.0
FEW_LEVELS: Final = 64
"""Grey levels (of 256) below which high-bit samples are stretched to their range instead."""
_HIGH_BIT_MODES: Final = ("I;16", "I;16B", "I;16L", "I;16N", "I", "F")
_GREY_MODES: Final = ("L", "LA", "La", "1", *_HIGH_BIT_MODES)
_ALPHA_MODES: Final = ("RGBA", "RGBa", "LA", "La", "PA")
_PROFILE_SPACES: Final = {"RGB": "RGB ", "RGBA": "RGB ", "CMYK": "CMYK"}
"""Modes whose embedded colour profile is converted to sRGB, and the profile colour space each needs."""

Step = Callable[["Image.Image"], "Image.Image"]


@dataclass
class PixelPlan:
    """The mode sent and the conversions that lead to it, applied to each band in order."""

    mode: str
    steps: list[Step] = field(default_factory=list)

    def apply(self, band: Image.Image) -> Image.Image:
        for step in self.steps:
            band = step(band)
        return band


def plan_pixels(img: Image.Image, notes: list[str]) -> PixelPlan:
    """Decide how ``img`` (loaded) becomes L, RGB or RGBA; notes say what a user may want to know."""
    mode = img.mode
    if mode in _HIGH_BIT_MODES:
        stretched: list[str] = []
        scale, offset = _high_bit_scale(img, stretched)
        notes.append(f"{'16-bit' if mode.startswith('I;16') else mode} samples converted to 8-bit")
        notes += stretched
        to_wide: Step = (lambda b: b.convert("I")) if mode.startswith("I;16") else (lambda b: b)
        return PixelPlan("L", [to_wide, lambda b: b.point(lambda v: v * scale + offset).convert("L")])
    if mode == "CMYK":
        notes.append("CMYK converted to RGB")
    transparent = has_transparency(img)
    target = "RGBA" if transparent else "L" if mode in _GREY_MODES else "RGB"
    steps: list[Step] = []
    if mode == "La":  # premultiplied grey converts only to LA
        steps.append(lambda b: b.convert("LA"))
    profile_step = _profile_step(img, target, notes)
    if mode == "CMYK" and profile_step is not None:
        steps.append(profile_step)  # the profile converts CMYK to RGB itself
    else:
        if mode != target:
            steps.append(lambda b: b.convert(target))
        if profile_step is not None:
            steps.append(profile_step)
    return PixelPlan(target, steps)


def render(img: Image.Image, plan: PixelPlan, size: tuple[int, int]) -> Image.Image:
    """``img`` converted by ``plan`` and resized (Lanczos) to ``size``, one band at a time."""
    from PIL import Image

    width, height = img.size
    if size == img.size and not plan.steps:
        return img
    out_w, out_h = size
    resize = size != img.size
    scale = height / out_h
    margin = math.ceil(_LANCZOS_SUPPORT * max(scale, 1.0)) + 1 if resize else 0
    rows = max(1, int(BAND_PIXELS / max(width, 1) / scale))
    out = Image.new(plan.mode, size)
    for y0 in range(0, out_h, rows):
        y1 = min(out_h, y0 + rows)
        src0, src1 = y0 * scale, y1 * scale
        top, bottom = max(0, math.floor(src0) - margin), min(height, math.ceil(src1) + margin)
        band = plan.apply(img.crop((0, top, width, bottom)))
        if resize:
            box = (0.0, src0 - top, float(width), src1 - top)
            band = band.resize((out_w, y1 - y0), Image.Resampling.LANCZOS, box=box)
        out.paste(band, (0, y0))
    return out


def has_transparency(img: Image.Image) -> bool:
    """Whether some pixel is actually (partly) transparent: by alpha channel, palette alpha or colour key."""
    mode, key = img.mode, img.info.get("transparency")
    if mode in _ALPHA_MODES:  # band by band: Image.getextrema would copy every channel whole
        return any(_lowest(band.getchannel(len(mode) - 1).getextrema()) < 255 for band in _bands(img))
    if key is None:
        return False
    if mode == "P":
        return _palette_key_used(img, key)
    if mode == "L" and isinstance(key, int):
        return any(value == key for _, value in img.getcolors(256) or [])
    if mode == "RGB" and isinstance(key, tuple):
        return any(_lowest(band.convert("RGBA").getextrema()[-1]) < 255 for band in _bands(img))
    return False


def _palette_key_used(img: Image.Image, key: object) -> bool:
    """A palette image's transparency (one index, or an alpha per index) holds for a colour it uses."""
    used = [index for _, index in img.getcolors(256) or [] if isinstance(index, int)]
    if isinstance(key, int):
        return key in used
    if isinstance(key, bytes):
        return any(index < len(key) and key[index] < 255 for index in used)
    return False


def _high_bit_scale(img: Image.Image, notes: list[str]) -> tuple[float, float]:
    """How samples map to 0-255: by the scale of what holds them (16-bit by /256; 32-bit integers
    within 0-255 unchanged, within 0-65535 by /256; floats within 0-1 as fractions of white, within
    0-255 unchanged), unless the picture would then use fewer than FEW_LEVELS grey levels (12-bit
    data in 16 bits, a float image of 100-101): then, as with no such scale, its range is stretched
    to 0-255, lowest black, highest white. An image of one value keeps it."""
    lows, highs = zip(*(band.getextrema() for band in _bands(img)), strict=True)
    low, high = float(min(lows)), float(max(highs))
    if not (math.isfinite(low) and math.isfinite(high)):
        return 1.0, 0.0
    scale = _container_scale(img.mode, low, high)
    if scale is not None and ((high - low) * scale >= FEW_LEVELS or high == low):
        return scale, 0.0
    if scale is not None:
        notes.append(f"samples use little of their range ({low:g}-{high:g}): stretched to 0-255")
    span = high - low or 1.0
    return 255 / span, -low * 255 / span


def _container_scale(mode: str, low: float, high: float) -> float | None:
    """The factor that maps the samples' container to 0-255; None when none fits the values."""
    if mode.startswith("I;16"):
        return 1 / 256
    if low < 0:
        return None
    if mode == "F" and high <= 1:
        return 255.0
    if high <= 255:
        return 1.0
    if mode == "I" and high <= 65535:
        return 1 / 256
    return None


def _profile_step(img: Image.Image, target: str, notes: list[str]) -> Step | None:
    """A conversion from the embedded colour profile to sRGB; None without one, for sRGB, or when unusable."""
    icc = img.info.get("icc_profile")
    space = _PROFILE_SPACES.get(img.mode)
    if not icc or space is None or target not in ("RGB", "RGBA"):
        return None
    from PIL import ImageCms

    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        if source.profile.xcolor_space != space:
            notes.append("colour profile does not match the image: ignored")
            return None
        if "srgb" in (source.profile.profile_description or "").lower():
            return None
        in_mode = "CMYK" if img.mode == "CMYK" else target
        transform = ImageCms.buildTransform(source, _srgb(), in_mode, target)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        notes.append("colour profile unreadable: ignored")
        return None
    notes.append("colour profile converted to sRGB")
    return lambda band: _apply(band, transform)


def _apply(band: Image.Image, transform: ImageCms.ImageCmsTransform) -> Image.Image:
    from PIL import ImageCms

    result = ImageCms.applyTransform(band, transform)
    assert result is not None  # not in place, so a new image
    return result


def _srgb() -> ImageCms.ImageCmsProfile:
    from PIL import ImageCms

    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def _bands(img: Image.Image) -> Iterator[Image.Image]:
    """``img`` in horizontal bands of about BAND_PIXELS, widened to 32-bit for 16-bit modes."""
    width, height = img.size
    rows = max(1, BAND_PIXELS // max(width, 1))
    for top in range(0, height, rows):
        band = img.crop((0, top, width, min(height, top + rows)))
        yield band.convert("I") if band.mode.startswith("I;16") else band


def _lowest(extrema: object) -> float:
    """The low end of one band's extrema (a number or a (low, high) pair)."""
    if isinstance(extrema, tuple):
        extrema = extrema[0]
    assert isinstance(extrema, (int, float))
    return float(extrema)
