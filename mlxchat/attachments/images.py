"""Preparing one image for a chat request: check it, orient it, shrink it, re-encode it as a data URL.

The rules (format choice, limits, when the original bytes are sent unchanged) are documented in
docs/attachments.md; keep the two in step. Pillow is imported when an image is prepared, not before.
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import io
import logging
from typing import TYPE_CHECKING, BinaryIO, Final

from mlxchat.attachments.download import download
from mlxchat.attachments.metadata import strip_metadata
from mlxchat.attachments.model import MediaFacts, PreparedImage, SourceKind
from mlxchat.attachments.pixels import plan_pixels, render
from mlxchat.attachments.quiet import decoder_complaints_as_notes
from mlxchat.attachments.sources import label, parse_source, read_data_url, read_path, read_stdin
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
_HEIF_BRANDS: Final = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1")
_AVIF_BRANDS: Final = (b"avif", b"avis")
_ORIENTATION_TAG: Final = 0x0112
_UNCHANGED_NOTE: Final = "original bytes sent unchanged"
_STRIPPED_NOTE: Final = "original image sent without its metadata"


def prepare_image(
    source: str,
    *,
    max_size: int = DEFAULT_MAX_SIZE,
    fetch: bool = False,
    stdin: BinaryIO | None = None,
    max_pixels: int = MAX_PIXELS,
) -> PreparedImage:
    """Prepare one ``--image`` argument: a local path, ``-`` for stdin, an http(s) URL or a ``data:`` URL.

    http(s) URLs are passed through unchanged (the server downloads them) unless ``fetch`` is true;
    then they are downloaded and prepared like a file. ``stdin`` replaces ``sys.stdin.buffer`` for ``-``.
    Raises UsageError (exit 2), naming the input, for anything that cannot be sent.
    """
    check_max_size(max_size)
    parsed = parse_source(source, "image")
    kind: SourceKind
    if parsed.type == "stdin":
        kind, data = "stdin", read_stdin(stdin, what="image", max_bytes=MAX_IMAGE_BYTES)
    elif parsed.type == "url":
        if not fetch:
            return PreparedImage(name=source, source="url", url=source, notes=("URL passed to the server",))
        kind, data = "download", download(source, what="image", max_bytes=MAX_IMAGE_BYTES)
    elif parsed.type == "data":
        kind, data = "data", read_data_url(source, what="image", max_bytes=MAX_IMAGE_BYTES)
    else:
        kind, data = "file", read_path(source, what="image", max_bytes=MAX_IMAGE_BYTES)
    return prepare_image_bytes(data, name=parsed.name, source=kind, max_size=max_size, max_pixels=max_pixels)


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
    """Prepare image bytes already read; ``name`` is used in messages and in the summary.

    Whatever Pillow raises at any stage (open, counting frames, loading, converting, encoding) is a
    UsageError naming the image; its warnings become notes, never lines on stderr.
    """
    from PIL import Image

    check_max_size(max_size)
    if not data:
        raise UsageError(f"{label('image', name)}: the file is empty")
    _setup_pillow_once()
    notes: list[str] = []
    try:
        with decoder_complaints_as_notes(notes):
            prepared = _prepare(data, notes, _Job(name, source, max_size, max_pixels))
    except UsageError:
        raise
    except Image.DecompressionBombError:
        raise _bomb(name, max_pixels) from None
    except MemoryError:
        raise UsageError(f"{label('image', name)}: too large to decode in the memory available") from None
    except Exception as exc:  # Pillow's readers raise every kind of exception on damaged data
        raise _damaged(name, exc) from exc  # the cause stays attached for debugging
    return dataclasses.replace(prepared, notes=tuple(notes))


def _open(data: bytes, name: str, max_pixels: int) -> Image.Image:
    from PIL import Image, UnidentifiedImageError

    Image.init()
    formats: list[str] = [f for f in _OPEN_FORMATS if f in Image.OPEN]
    try:
        img = Image.open(io.BytesIO(data), formats=formats)
    except UnidentifiedImageError:
        raise _not_an_image(data, name) from None
    width, height = img.size
    if width * height > max_pixels:
        img.close()
        raise _bomb(name, max_pixels, (width, height))
    return img


@dataclasses.dataclass(frozen=True)
class _Job:
    """What to call the image and how far it may go."""

    name: str
    source: SourceKind
    max_size: int
    max_pixels: int


def _prepare(data: bytes, notes: list[str], job: _Job) -> PreparedImage:
    from PIL import Image

    name, source, max_size = job.name, job.source, job.max_size
    img = _open(data, name, job.max_pixels)
    with img:
        fmt = (img.format or "unknown").upper()
        frames = int(getattr(img, "n_frames", 1))
        if frames > 1:
            animated = fmt in ("GIF", "PNG", "WEBP", "AVIF")
            notes.append(
                f"animated {fmt}: first frame of {frames} sent"
                if animated
                else f"{fmt} holds {frames} images: the first sent"
            )
            img.seek(0)
        stored = img.size
        if fmt in ("JPEG", "MPO"):
            _draft(img, _orientation(img, []), max_size)
        drafted = img.size != stored
        img.load()
        # After loading: Pillow itself turns TIFFs upright on load and drops their tag then.
        orientation = _orientation(img, notes)
        swap = orientation in (5, 6, 7, 8)
        full_w, full_h = stored if drafted else img.size
        shown_w, shown_h = (full_h, full_w) if swap else (full_w, full_h)
        target = _target_size(shown_w, shown_h, max_size)
        original = MediaFacts(format=fmt.lower(), bytes=len(data), width=shown_w, height=shown_h)

        if frames == 1 and target == (shown_w, shown_h) and orientation == 1:
            unchanged = _unchanged_bytes(img, data, fmt)
            if unchanged is not None:
                notes.append(_UNCHANGED_NOTE if unchanged == data else _STRIPPED_NOTE)
                sent = dataclasses.replace(original, bytes=len(unchanged))
                return PreparedImage(name, source, _data_url(fmt.lower(), unchanged), original, sent)

        plan = plan_pixels(img, notes)
        frame = render(img, plan, (target[1], target[0]) if swap else target)
        if orientation in _TRANSPOSE:
            frame = frame.transpose(Image.Transpose[_TRANSPOSE[orientation]])
            notes.append(f"EXIF orientation {orientation} applied")
        as_png = plan.mode == "RGBA" or (
            fmt not in ("JPEG", "MPO") and frame.getcolors(PNG_MAX_COLORS) is not None
        )
        out = _encode_png(frame) if as_png else _encode_jpeg(frame)
        sent_fmt = "png" if as_png else "jpeg"
        sent = MediaFacts(format=sent_fmt, bytes=len(out), width=frame.width, height=frame.height)
        return PreparedImage(name, source, _data_url(sent_fmt, out), original, sent)


def _draft(img: Image.Image, orientation: int, max_size: int) -> None:
    """JPEG only: decode at 1/2, 1/4 or 1/8 scale (never below the target) instead of every pixel."""
    swap = orientation in (5, 6, 7, 8)
    stored_w, stored_h = img.size
    shown = (stored_h, stored_w) if swap else (stored_w, stored_h)
    target_w, target_h = _target_size(*shown, max_size)
    if (target_w, target_h) != shown:
        img.draft(img.mode, (target_h, target_w) if swap else (target_w, target_h))


def _target_size(width: int, height: int, max_size: int) -> tuple[int, int]:
    """Shrink so the long edge is ``max_size``, keeping the aspect ratio; never enlarge."""
    long_edge = max(width, height)
    if max_size == 0 or long_edge <= max_size:
        return width, height
    scale = max_size / long_edge
    return max(1, round(width * scale)), max(1, round(height * scale))


def _orientation(img: Image.Image, notes: list[str]) -> int:
    try:
        value = img.getexif().get(_ORIENTATION_TAG)
    except Exception:  # an unreadable EXIF block only loses the orientation
        if "damaged EXIF data ignored" not in notes:
            notes.append("damaged EXIF data ignored")
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _unchanged_bytes(img: Image.Image, data: bytes, fmt: str) -> bytes | None:
    """The original JPEG or PNG, metadata removed, when nothing else needs doing; else None (re-encode).

    Not when it has transparency the server would mishandle (palette or colour key), a colour
    profile other than sRGB (its colours are converted), or is shorter than the server accepts.
    """
    if img.mode not in _PASSTHROUGH_MODES.get(fmt, ()) or "transparency" in img.info:
        return None
    if img.info.get("icc_profile") and not _is_srgb(img.info["icc_profile"]):
        return None
    stripped = strip_metadata(fmt, data)
    if stripped is None or len(stripped) < SERVER_MIN_BYTES:
        return None
    return stripped


def _is_srgb(icc: bytes) -> bool:
    from PIL import ImageCms

    try:
        description = ImageCms.ImageCmsProfile(io.BytesIO(icc)).profile.profile_description
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return False
    return "srgb" in (description or "").lower()


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
    img.info = {}  # Pillow's encoders copy some of it (a JPEG comment, a colour profile) into the output
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=JPEG_QUALITY)
    return buf.getvalue()


def _encode_png(img: Image.Image) -> bytes:
    from PIL import PngImagePlugin

    img.info = {}
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
def _setup_pillow_once() -> None:
    """HEIC/HEIF opens when the optional pillow-heif package is installed (AVIF is built into Pillow).

    Pillow logs a few decoding problems before raising them; the exception is what is reported, so
    its log records must not reach stderr through logging's last-resort handler.
    """
    logging.getLogger("PIL").addHandler(logging.NullHandler())
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
