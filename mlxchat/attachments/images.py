"""Preparing one image for a chat request: check it, orient it, shrink it, re-encode it as a data URL.

The rules (format choice, limits, when the original bytes are sent unchanged) are documented in
docs/attachments.md; keep the two in step. Pillow is imported when an image is prepared, not before.
"""

from __future__ import annotations

import base64
import functools
import io
import warnings
from typing import TYPE_CHECKING, BinaryIO, Final

from mlxchat.attachments.model import MediaFacts, PreparedImage, SourceKind
from mlxchat.attachments.sources import (
    STDIN_NAME,
    check_scheme,
    download,
    is_url,
    label,
    read_path,
    read_stdin,
)
from mlxchat.errors import UsageError

if TYPE_CHECKING:
    from PIL import Image

DEFAULT_MAX_SIZE: Final = 2048
"""Long edge in pixels after preparation (0 = never resize)."""
MAX_PIXELS: Final = 100_000_000
"""Images declaring more pixels are refused before decoding (the same cap as mlx-openai-server)."""
MAX_IMAGE_BYTES: Final = 200_000_000
"""Input files larger than this are refused before reading."""
JPEG_QUALITY: Final = 90
PNG_MAX_COLORS: Final = 256
"""A lossless source with at most this many distinct colours is sent as PNG."""
SERVER_MIN_BYTES: Final = 100
"""mlx-openai-server rejects image data shorter than this; tiny PNGs are padded with a text chunk."""

# What Image.open may try. Anything else (EPS, PSD, TGA, ...) is refused: those readers are rarely
# needed for chat pictures, and formats without a signature would "recognise" random files.
_OPEN_FORMATS: Final = ("JPEG", "MPO", "PNG", "GIF", "WEBP", "BMP", "TIFF", "AVIF", "HEIF")
_PASSTHROUGH_MODES: Final = {"JPEG": ("RGB", "L"), "PNG": ("RGB", "L", "RGBA", "P")}
_HIGH_BIT_MODES: Final = ("I;16", "I;16B", "I;16L", "I;16N", "I", "F")
_HEIF_BRANDS: Final = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1")
_AVIF_BRANDS: Final = (b"avif", b"avis")
_ORIENTATION_TAG: Final = 0x0112


def prepare_image(
    source: str,
    *,
    max_size: int = DEFAULT_MAX_SIZE,
    fetch: bool = False,
    stdin: BinaryIO | None = None,
    max_pixels: int = MAX_PIXELS,
) -> PreparedImage:
    """Prepare one ``--image`` argument: a local path, an http(s) URL, or ``-`` for stdin.

    URLs are passed through unchanged (the server downloads them) unless ``fetch`` is true; then they
    are downloaded and prepared like a file. ``stdin`` replaces ``sys.stdin.buffer`` for ``-``.
    Raises UsageError (exit 2), naming the input, for anything that cannot be sent.
    """
    check_max_size(max_size)
    name: str = source
    kind: SourceKind = "file"
    if source == "-":
        name, kind = STDIN_NAME, "stdin"
        data = read_stdin(stdin, what="image", max_bytes=MAX_IMAGE_BYTES)
    elif is_url(source):
        if not fetch:
            return PreparedImage(name=source, source="url", url=source, notes=("URL passed to the server",))
        kind = "download"
        data = download(source, what="image", max_bytes=MAX_IMAGE_BYTES)
    else:
        check_scheme(source, "image")
        data = read_path(source, what="image", max_bytes=MAX_IMAGE_BYTES)
    return prepare_image_bytes(data, name=name, source=kind, max_size=max_size, max_pixels=max_pixels)


def check_max_size(max_size: int) -> None:
    if max_size < 0:
        raise UsageError(
            f"invalid maximum image size {max_size}: use 0 (never resize) or a number of pixels, e.g. 2048"
        )


def prepare_image_bytes(
    data: bytes,
    *,
    name: str,
    source: SourceKind = "file",
    max_size: int = DEFAULT_MAX_SIZE,
    max_pixels: int = MAX_PIXELS,
) -> PreparedImage:
    """Prepare image bytes already read; ``name`` is used in messages and in the summary."""
    from PIL import Image

    check_max_size(max_size)
    if not data:
        raise UsageError(f"{label('image', name)}: the file is empty")
    _register_heif_once()
    with warnings.catch_warnings():
        # Our own pixel limit (checked below, before decoding) replaces Pillow's warning; Pillow's
        # DecompressionBombError (twice its default limit) is still reported as a bomb.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        img = _open(data, name, max_pixels)
        with img:
            return _prepare_open_image(
                img, data, name=name, source=source, max_size=max_size, max_pixels=max_pixels
            )


def _open(data: bytes, name: str, max_pixels: int) -> Image.Image:
    from PIL import Image, UnidentifiedImageError

    Image.init()
    formats: list[str] = [f for f in _OPEN_FORMATS if f in Image.OPEN]
    try:
        img = Image.open(io.BytesIO(data), formats=formats)
    except Image.DecompressionBombError:
        raise _bomb(name, max_pixels) from None
    except UnidentifiedImageError:
        raise _not_an_image(data, name) from None
    except Exception as exc:  # Pillow's readers raise many kinds on damaged headers
        raise _damaged(name, exc) from None
    width, height = img.size
    if width * height > max_pixels:
        img.close()
        raise _bomb(name, max_pixels, (width, height))
    return img


def _prepare_open_image(  # noqa: PLR0913 (keyword-only facts of one image)
    img: Image.Image, data: bytes, *, name: str, source: SourceKind, max_size: int, max_pixels: int
) -> PreparedImage:
    from PIL import Image

    notes: list[str] = []
    fmt = (img.format or "unknown").upper()
    frames = int(getattr(img, "n_frames", 1))
    if frames > 1:
        if fmt in ("GIF", "PNG", "WEBP", "AVIF"):
            notes.append(f"animated {fmt}: first frame of {frames} sent")
        else:
            notes.append(f"{fmt} holds {frames} images: the first sent")
    orientation = _orientation(img)
    swap = orientation in (5, 6, 7, 8)
    stored_w, stored_h = img.size
    shown_w, shown_h = (stored_h, stored_w) if swap else (stored_w, stored_h)
    target_w, target_h = _target_size(shown_w, shown_h, max_size)
    resize = (target_w, target_h) != (shown_w, shown_h)
    stored_target = (target_h, target_w) if swap else (target_w, target_h)

    if resize and fmt in ("JPEG", "MPO"):
        # Decode at 1/2, 1/4 or 1/8 scale (never below the target) instead of decoding every pixel.
        img.draft(img.mode, stored_target)
    try:
        img.load()
    except Image.DecompressionBombError:
        raise _bomb(name, max_pixels) from None
    except Exception as exc:
        raise _damaged(name, exc) from None

    original = MediaFacts(format=fmt.lower(), bytes=len(data), width=shown_w, height=shown_h)
    if _can_send_unchanged(img, data, fmt=fmt, frames=frames, orientation=orientation, resize=resize):
        sent = MediaFacts(format=fmt.lower(), bytes=len(data), width=shown_w, height=shown_h)
        notes.append("original bytes sent unchanged")
        return PreparedImage(
            name=name,
            source=source,
            url=_data_url(fmt.lower(), data),
            original=original,
            sent=sent,
            notes=tuple(notes),
        )

    frame, has_alpha = _normalise_mode(img, notes)
    if frame.size != stored_target:
        frame = frame.resize(stored_target, Image.Resampling.LANCZOS, reducing_gap=3.0)
    if orientation in _TRANSPOSE:
        frame = frame.transpose(Image.Transpose[_TRANSPOSE[orientation]])
        notes.append(f"EXIF orientation {orientation} applied")
    as_png = has_alpha or (fmt not in ("JPEG", "MPO") and frame.getcolors(PNG_MAX_COLORS) is not None)
    out = _encode_png(frame) if as_png else _encode_jpeg(frame)
    sent_fmt = "png" if as_png else "jpeg"
    sent = MediaFacts(format=sent_fmt, bytes=len(out), width=frame.width, height=frame.height)
    return PreparedImage(
        name=name,
        source=source,
        url=_data_url(sent_fmt, out),
        original=original,
        sent=sent,
        notes=tuple(notes),
    )


def _target_size(width: int, height: int, max_size: int) -> tuple[int, int]:
    """Shrink so the long edge is ``max_size``, keeping the aspect ratio; never enlarge."""
    long_edge = max(width, height)
    if max_size == 0 or long_edge <= max_size:
        return width, height
    scale = max_size / long_edge
    return max(1, round(width * scale)), max(1, round(height * scale))


def _orientation(img: Image.Image) -> int:
    try:
        value = img.getexif().get(_ORIENTATION_TAG)
    except Exception:  # an unreadable EXIF block only loses the orientation
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _can_send_unchanged(  # noqa: PLR0913 (keyword-only facts of one image)
    img: Image.Image, data: bytes, *, fmt: str, frames: int, orientation: int, resize: bool
) -> bool:
    """A plain JPEG or PNG already within limits is sent as it is (no second lossy compression).

    Not when it carries EXIF at all (rotation, and location data that re-encoding drops), has
    transparency the server would mishandle (palette or colour-key), or is shorter than the server accepts.
    """
    return (
        img.mode in _PASSTHROUGH_MODES.get(fmt, ())
        and frames == 1
        and not resize
        and orientation == 1
        and "exif" not in img.info
        and "transparency" not in img.info
        and len(data) >= SERVER_MIN_BYTES
    )


def _normalise_mode(img: Image.Image, notes: list[str]) -> tuple[Image.Image, bool]:
    """Convert to RGB or L, or to RGBA when the image really has transparency. Returns (image, has_alpha)."""
    mode = img.mode
    if mode in _HIGH_BIT_MODES:
        img = _to_8bit(img)
        notes.append(f"{'16-bit' if mode.startswith('I;16') else mode} samples converted to 8-bit")
        mode = img.mode
    if mode == "CMYK":
        notes.append("CMYK converted to RGB")
    if mode == "1":
        return img.convert("L"), False
    transparent_key = "transparency" in img.info
    if mode in ("RGB", "L") and not transparent_key:
        return img, False
    if mode in ("PA", "LA", "La", "RGBA", "RGBa") or transparent_key:
        rgba = img.convert("RGBA")
        lowest_alpha = rgba.getchannel("A").getextrema()[0]
        if isinstance(lowest_alpha, (int, float)) and lowest_alpha < 255:
            return rgba, True
        return rgba.convert("L" if mode in ("LA", "La") else "RGB"), False
    return img.convert("RGB"), False


def _to_8bit(img: Image.Image) -> Image.Image:
    """16-bit and 32-bit greyscale to 8-bit: scale the range down instead of clipping it to white."""
    if img.mode.startswith("I;16"):
        scale, offset = 1 / 256, 0.0
        img = img.convert("I")
    else:
        low, high = img.getextrema()
        assert isinstance(low, (int, float)) and isinstance(high, (int, float))
        if low >= 0 and high <= 255:
            scale, offset = 1.0, 0.0
        else:
            span = float(high - low) or 1.0
            scale, offset = 255 / span, -float(low) * 255 / span
    return img.point(lambda v: v * scale + offset).convert("L")


_TRANSPOSE: Final = {
    2: "FLIP_LEFT_RIGHT",
    3: "ROTATE_180",
    4: "FLIP_TOP_BOTTOM",
    5: "TRANSPOSE",
    6: "ROTATE_270",
    7: "TRANSVERSE",
    8: "ROTATE_90",
}
"""EXIF orientation -> the Image.Transpose that shows the picture upright (as ImageOps.exif_transpose)."""


def _encode_jpeg(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=JPEG_QUALITY)
    return buf.getvalue()


def _encode_png(img: Image.Image) -> bytes:
    from PIL import PngImagePlugin

    buf = io.BytesIO()
    img.save(buf, "PNG")
    out = buf.getvalue()
    if len(out) < SERVER_MIN_BYTES:
        info = PngImagePlugin.PngInfo()
        info.add_text("Comment", "." * (SERVER_MIN_BYTES - len(out)))
        buf = io.BytesIO()
        img.save(buf, "PNG", pnginfo=info)
        out = buf.getvalue()
    return out


def _data_url(fmt: str, data: bytes) -> str:
    return f"data:image/{fmt};base64,{base64.b64encode(data).decode('ascii')}"


@functools.cache
def _register_heif_once() -> None:
    """HEIC/HEIF opens when the optional pillow-heif package is installed (AVIF is built into Pillow)."""
    try:
        from pillow_heif import register_heif_opener
    except ImportError:
        return
    register_heif_opener()


def _bomb(name: str, max_pixels: int, size: tuple[int, int] | None = None) -> UsageError:
    declared = f"{size[0]}x{size[1]} pixels" if size else "its declared size"
    return UsageError(
        f"{label('image', name)}: {declared} is more than the limit of {max_pixels / 1e6:g} megapixels;"
        " refused as a possible decompression bomb"
    )


def _damaged(name: str, exc: BaseException) -> UsageError:
    detail = str(exc) or type(exc).__name__
    return UsageError(f"{label('image', name)}: cannot be decoded: damaged or truncated file ({detail})")


def _not_an_image(data: bytes, name: str) -> UsageError:
    brand = data[8:12] if data[4:8] == b"ftyp" else b""
    if brand in _HEIF_BRANDS:
        return UsageError(
            f"{label('image', name)}: HEIC/HEIF images cannot be read by this installation",
            hint="convert it to JPEG first (on macOS: `sips -s format jpeg IN.heic --out OUT.jpg`),"
            " or install the pillow-heif package",
        )
    if brand in _AVIF_BRANDS:
        return UsageError(
            f"{label('image', name)}: AVIF images cannot be read by this installation's Pillow",
            hint="convert it to JPEG or PNG first, or upgrade Pillow (11.3 or later reads AVIF)",
        )
    if brand:
        return UsageError(f"{label('image', name)}: this is a video file, not an image", hint="use --video")
    return UsageError(
        f"{label('image', name)}: not an image file that mlxchat can read"
        " (supported: JPEG, PNG, GIF, WebP, BMP, TIFF, AVIF; HEIC with pillow-heif)"
    )
