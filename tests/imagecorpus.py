"""A corpus of test images, generated with Pillow at test time (no binary files in the repository).

Every writer takes a directory and returns the path it wrote. ``QUADRANTS`` is an asymmetric
picture (four colours in four corners) whose upright look is known, so a test can tell whether an
EXIF-rotated photo came out upright by sampling four pixels.
"""

from __future__ import annotations

import base64
import io
import struct
import zlib
from pathlib import Path

from PIL import Image, features

RED = (220, 30, 30)
GREEN = (30, 200, 30)
BLUE = (30, 30, 220)
YELLOW = (240, 220, 20)
QUADRANTS = {"top_left": RED, "top_right": GREEN, "bottom_left": BLUE, "bottom_right": YELLOW}
"""The upright picture: red top-left, green top-right, blue bottom-left, yellow bottom-right."""

# EXIF orientation -> how to store an upright picture so that a viewer applying the tag shows it upright
# (the inverse of the transpose a viewer applies).
_STORE = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


def quadrants(width: int = 400, height: int = 200) -> Image.Image:
    """The upright asymmetric picture (landscape by default, so a missed rotation also shows in the size)."""
    img = Image.new("RGB", (width, height))
    half_w, half_h = width // 2, height // 2
    img.paste(RED, (0, 0, half_w, half_h))
    img.paste(GREEN, (half_w, 0, width, half_h))
    img.paste(BLUE, (0, half_h, half_w, height))
    img.paste(YELLOW, (half_w, half_h, width, height))
    return img


def quadrant_colours(img: Image.Image) -> dict[str, tuple[int, int, int]]:
    """The colour at the centre of each quadrant of ``img`` (as RGB)."""
    rgb = img.convert("RGB")
    w, h = rgb.size
    points = {
        "top_left": (w // 4, h // 4),
        "top_right": (3 * w // 4, h // 4),
        "bottom_left": (w // 4, 3 * h // 4),
        "bottom_right": (3 * w // 4, 3 * h // 4),
    }
    out: dict[str, tuple[int, int, int]] = {}
    for key, xy in points.items():
        pixel = rgb.getpixel(xy)
        assert isinstance(pixel, tuple)
        out[key] = (int(pixel[0]), int(pixel[1]), int(pixel[2]))
    return out


def close_to(a: tuple[int, ...], b: tuple[int, ...], tolerance: int = 40) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=True))


def is_upright_quadrants(img: Image.Image) -> bool:
    found = quadrant_colours(img)
    return all(close_to(found[k], QUADRANTS[k]) for k in QUADRANTS)


# -- writers -----------------------------------------------------------------------------------------


def exif_rotated_jpeg(directory: Path, orientation: int, *, width: int = 400, height: int = 200) -> Path:
    """A JPEG whose pixels are stored turned, with the EXIF orientation tag that shows them upright."""
    stored = quadrants(width, height)
    method = _STORE[orientation]
    if method is not None:
        stored = stored.transpose(method)
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = directory / f"rotated-{orientation}.jpg"
    stored.save(path, "JPEG", quality=95, exif=exif)
    return path


def plain_jpeg(directory: Path, size: tuple[int, int] = (400, 200), name: str = "plain.jpg") -> Path:
    path = directory / name
    quadrants(*size).save(path, "JPEG", quality=90)
    return path


def jpeg_with_exif_no_rotation(directory: Path) -> Path:
    """A JPEG with EXIF (orientation 1 and a camera make) but nothing to rotate."""
    exif = Image.Exif()
    exif[0x0112] = 1
    exif[0x010F] = "TestCamera"
    path = directory / "exif-upright.jpg"
    quadrants().save(path, "JPEG", quality=90, exif=exif)
    return path


def cmyk_jpeg(directory: Path) -> Path:
    path = directory / "cmyk.jpg"
    quadrants().convert("CMYK").save(path, "JPEG", quality=95)
    return path


def palette_png_with_transparency(directory: Path) -> Path:
    """A palette PNG whose left half is fully transparent and right half opaque red."""
    img = Image.new("P", (64, 32), 0)
    img.putpalette([0, 0, 0, 255, 0, 0] + [0, 0, 0] * 254)
    img.paste(1, (32, 0, 64, 32))
    path = directory / "palette-transparent.png"
    img.save(path, "PNG", transparency=0)
    return path


def palette_png_opaque(directory: Path) -> Path:
    img = quadrants(64, 32).convert("P", palette=Image.Palette.ADAPTIVE, colors=4)
    path = directory / "palette-opaque.png"
    img.save(path, "PNG")
    return path


def png_16bit_grey(directory: Path, value: int = 40000) -> Path:
    """A 16-bit greyscale PNG (mode I;16): left half ``value``, right half 0."""
    img = Image.new("I;16", (64, 32), 0)
    img.paste(Image.new("I;16", (32, 32), value), (0, 0))  # pasting a plain int into I;16 mangles it
    path = directory / "grey16.png"
    img.save(path, "PNG")
    return path


def la_png(directory: Path, *, transparent: bool) -> Path:
    grey = Image.new("L", (64, 32), 128)
    alpha = Image.new("L", (64, 32), 255)
    if transparent:
        alpha.paste(0, (0, 0, 32, 32))
    path = directory / f"la-{'transparent' if transparent else 'opaque'}.png"
    Image.merge("LA", (grey, alpha)).save(path, "PNG")
    return path


def rgba_png(directory: Path, *, transparent: bool, size: tuple[int, int] = (400, 200)) -> Path:
    img = quadrants(*size).convert("RGBA")
    if transparent:
        alpha = Image.new("L", size, 255)
        alpha.paste(0, (0, 0, size[0] // 2, size[1] // 2))
        img.putalpha(alpha)
    path = directory / f"rgba-{'transparent' if transparent else 'opaque'}.png"
    img.save(path, "PNG")
    return path


def bilevel_png(directory: Path) -> Path:
    img = Image.new("1", (40, 20), 0)
    img.paste(1, (0, 0, 20, 20))
    path = directory / "bilevel.png"
    img.save(path, "PNG")
    return path


def animated_gif(directory: Path, frames: int = 12) -> Path:
    """An animation whose first frame is the quadrant picture; later frames are plain greys."""
    first = quadrants(80, 40).convert("P", palette=Image.Palette.ADAPTIVE, colors=8)
    # Distinct later frames (the GIF writer merges a frame identical to the one before).
    rest = [Image.new("RGB", (80, 40), (10 * i, 10 * i, 10 * i)) for i in range(1, frames)]
    path = directory / "animated.gif"
    first.save(path, "GIF", save_all=True, append_images=rest, duration=100, loop=0)
    return path


def webp(directory: Path, *, lossless: bool = False) -> Path:
    path = directory / "picture.webp"
    quadrants().save(path, "WEBP", quality=90, lossless=lossless)
    return path


def noisy_photo(size: tuple[int, int], seed_sigma: float = 40.0) -> Image.Image:
    """A photo-like RGB image: smooth gradients plus noise, so JPEG sizes are realistic."""
    w, h = size
    grad = Image.linear_gradient("L").resize((w, h))
    channels = []
    for i, sigma in enumerate((seed_sigma, seed_sigma * 0.8, seed_sigma * 1.2)):
        noise = Image.effect_noise((w, h), sigma)
        base = grad if i != 1 else grad.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        channels.append(Image.blend(base, noise, 0.35))
    return Image.merge("RGB", channels)


def photo_jpeg(directory: Path, size: tuple[int, int], name: str = "photo.jpg") -> Path:
    path = directory / name
    noisy_photo(size).save(path, "JPEG", quality=90)
    return path


def photo_png(directory: Path, size: tuple[int, int], name: str = "photo.png") -> Path:
    path = directory / name
    noisy_photo(size).save(path, "PNG", compress_level=1)
    return path


def tiny_png(directory: Path) -> Path:
    path = directory / "tiny.png"
    Image.new("RGB", (1, 1), RED).save(path, "PNG")
    return path


def tiny_jpeg(directory: Path) -> Path:
    path = directory / "tiny.jpg"
    Image.new("RGB", (1, 1), RED).save(path, "JPEG")
    return path


def truncated_jpeg(directory: Path) -> Path:
    """The first half of a real JPEG: the header is fine, the image data stops."""
    whole = io.BytesIO()
    noisy_photo((300, 200)).save(whole, "JPEG", quality=90)
    data = whole.getvalue()
    path = directory / "truncated.jpg"
    path.write_bytes(data[: len(data) // 2])
    return path


def text_as_jpg(directory: Path) -> Path:
    path = directory / "notes.jpg"
    path.write_text("These are my notes, not a picture.\n" * 20)
    return path


def empty_file(directory: Path, name: str = "empty.png") -> Path:
    path = directory / name
    path.write_bytes(b"")
    return path


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def png_header_only(directory: Path, width: int, height: int, name: str = "bomb.png") -> Path:
    """A PNG that declares ``width`` x ``height`` pixels in a few dozen bytes (a decompression-bomb header).

    Only the header is real: nothing of that size is ever allocated here.
    """
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    idat = zlib.compress(b"\x00" * 16)
    data = (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )
    path = directory / name
    path.write_bytes(data)
    return path


def heic_like(directory: Path) -> Path:
    """The start of a HEIC file (an ``ftyp`` box with the ``heic`` brand): enough to be recognised."""
    path = directory / "photo.heic"
    path.write_bytes(struct.pack(">I", 24) + b"ftypheic" + b"\x00\x00\x00\x00mif1heic" + b"\x00" * 200)
    return path


def fake_mp4(directory: Path, name: str = "clip.mp4", brand: bytes = b"isom") -> Path:
    """An ``ftyp`` box and a little padding: what a video's first bytes look like (not playable)."""
    path = directory / name
    ftyp = struct.pack(">I", 24) + b"ftyp" + brand + b"\x00\x00\x02\x00" + brand + b"mp41"
    path.write_bytes(ftyp + struct.pack(">I", 8) + b"free" + b"\x00" * 512)
    return path


def fake_avi(directory: Path) -> Path:
    path = directory / "clip.avi"
    body = b"AVI LIST" + b"\x00" * 512
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    return path


# -- reading what was sent ---------------------------------------------------------------------------


def decode_data_url(url: str) -> tuple[str, bytes]:
    """(mime type, bytes) of a ``data:<mime>;base64,<data>`` URL."""
    assert url.startswith("data:"), url[:40]
    header, _, payload = url.partition(",")
    mime, _, encoding = header[len("data:") :].partition(";")
    assert encoding == "base64", header
    return mime, base64.b64decode(payload, validate=True)


def open_data_url(url: str) -> Image.Image:
    """The image a data URL carries, fully decoded."""
    _, data = decode_data_url(url)
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


# -- every format that carries an orientation ---------------------------------------------------------


def _heif_available() -> bool:
    try:
        import pillow_heif
    except ImportError:
        return False
    pillow_heif.register_heif_opener()
    return True


ORIENTED_FORMATS = [
    "JPEG",
    "MPO",
    "PNG",
    "WEBP",
    "TIFF",
    *(["AVIF"] if features.check("avif") else []),
    *(["HEIF"] if _heif_available() else []),
]
"""Formats Pillow (and its installed plugins) store an orientation in: EXIF, PNG eXIf, HEIF's irot/imir."""


def stored_for(orientation: int, picture: Image.Image) -> Image.Image:
    """``picture`` turned the way a camera stores it when it tags ``orientation``."""
    method = _STORE[orientation]
    return picture if method is None else picture.transpose(method)


def oriented(fmt: str, orientation: int, *, size: tuple[int, int] = (400, 200), **extra: object) -> bytes:
    """The quadrant picture (upright: ``size``) stored turned, tagged with ``orientation``, in ``fmt``."""
    stored = stored_for(orientation, quadrants(*size))
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encode(stored, fmt, exif=exif.tobytes(), **extra)


def encode(img: Image.Image, fmt: str, **params: object) -> bytes:
    """``img`` saved in ``fmt`` (MPO with a second image, as cameras write it)."""
    buf = io.BytesIO()
    if fmt == "MPO":
        params = {"save_all": True, "append_images": [img.copy()], **params}
    if fmt in ("JPEG", "MPO", "WEBP", "AVIF", "HEIF"):
        params.setdefault("quality", 95)
    img.save(buf, fmt, **params)
    return buf.getvalue()
