"""Keeping metadata on this machine: lossless stripping of JPEG and PNG files.

An image sent as its original bytes (docs/attachments.md, "Sent unchanged") first loses every
segment or chunk that can carry private data: EXIF (camera, time, GPS), XMP, IPTC, comments,
text chunks, thumbnails, colour profiles (only sRGB ones reach this point) and anything after the
end of the image. The pixels' bytes are not touched.
"""

from __future__ import annotations

import struct
from typing import Final

_JPEG_KEEP_APP: Final = {0xE0: b"JFIF\x00", 0xEE: b"Adobe"}
"""APPn segments kept: JFIF (pixel density) and Adobe (how the colour channels are stored)."""
_PNG_KEEP: Final = frozenset(
    {b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"sBIT", b"cICP"}
)
"""PNG chunks kept: the picture and how its colours are meant. Everything else (tEXt, zTXt, iTXt,
eXIf, tIME, iCCP, ...) is dropped."""
_PNG_SIGNATURE: Final = b"\x89PNG\r\n\x1a\n"


def strip_metadata(fmt: str, data: bytes) -> bytes | None:
    """``data`` without its metadata, or None when its structure cannot be walked safely (re-encode then)."""
    if fmt == "JPEG":
        return _strip_jpeg(data)
    if fmt == "PNG":
        return _strip_png(data)
    return None


def _strip_jpeg(data: bytes) -> bytes | None:
    if not data.startswith(b"\xff\xd8"):
        return None
    out = [b"\xff\xd8"]
    i = 2
    while i + 1 < len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte before a marker
            i += 1
            continue
        if marker == 0xD9:  # end of image: whatever follows (trailers, appended files) is dropped
            out.append(b"\xff\xd9")
            return b"".join(out)
        step = _jpeg_marker(data, i, marker)
        if step is None:
            return None
        kept, i = step
        out += kept
    return None


def _jpeg_marker(data: bytes, i: int, marker: int) -> tuple[list[bytes], int] | None:
    """What is kept of the marker at ``i`` (its segment; after a start of scan, the entropy-coded
    data too) and where the next marker starts; None when the structure is broken."""
    if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # markers without a length
        return [data[i : i + 2]], i + 2
    if i + 4 > len(data):
        return None
    (length,) = struct.unpack(">H", data[i + 2 : i + 4])
    segment = data[i : i + 2 + length]
    if length < 2 or len(segment) != 2 + length:
        return None
    is_app_or_comment = 0xE0 <= marker <= 0xEF or marker == 0xFE
    keep_prefix = _JPEG_KEEP_APP.get(marker)
    keep = not is_app_or_comment or (keep_prefix is not None and segment[4:].startswith(keep_prefix))
    kept = [segment] if keep else []
    i += 2 + length
    if marker == 0xDA:  # start of scan: entropy-coded data up to the next real marker
        scan_end = _scan_end(data, i)
        if scan_end is None:
            return None
        kept.append(data[i:scan_end])
        i = scan_end
    return kept, i


def _scan_end(data: bytes, start: int) -> int | None:
    """Where the entropy-coded data from ``start`` ends: at the next marker other than a restart."""
    j = start
    while True:
        j = data.find(b"\xff", j)
        if j < 0 or j + 1 >= len(data):
            return None
        following = data[j + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7:
            j += 2
        elif following == 0xFF:
            j += 1
        else:
            return j


def _strip_png(data: bytes) -> bytes | None:
    if not data.startswith(_PNG_SIGNATURE):
        return None
    out = [_PNG_SIGNATURE]
    i = len(_PNG_SIGNATURE)
    while i + 8 <= len(data):
        (length,) = struct.unpack(">I", data[i : i + 4])
        kind = data[i + 4 : i + 8]
        chunk = data[i : i + 12 + length]
        if len(chunk) != 12 + length:
            return None
        if kind in _PNG_KEEP:
            out.append(chunk)
        elif not kind[0] & 0x20:  # a critical chunk this code does not know: do not guess
            return None
        i += 12 + length
        if kind == b"IEND":
            return b"".join(out)
    return None
