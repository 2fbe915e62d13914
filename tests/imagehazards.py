"""Images that carry hazards, generated at test time: private metadata, a foreign colour profile, damage.

``with_secrets`` writes a picture with every kind of metadata its format can hold, each carrying one
of ``SECRETS``; ``swapped_rg_profile`` is an ICC profile whose colours a test can recognise after
conversion; ``fuzz_corpus`` and ``mutations`` make the damaged files of the fuzz tests.
"""

from __future__ import annotations

import random
import struct

from PIL import Image, PngImagePlugin, features

from tests.imagecorpus import encode, oriented, quadrants

# -- private metadata -------------------------------------------------------------------------------

SECRETS = (b"GPS-SECRET-51N", b"XMP-SECRET-GPS", b"COMMENT-SECRET", b"TEXT-SECRET", b"CAMERA-SECRET")
"""Strings planted in metadata: none may appear in what is sent."""
_XMP = (
    b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
    b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
    b'xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="51,30.0N" '
    b'exif:GPSAreaInformation="XMP-SECRET-GPS"/></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
)


def secret_exif(orientation: int = 1) -> bytes:
    """EXIF with a camera make and a GPS block, both carrying planted strings."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "CAMERA-SECRET"
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (51.0, 30.0, 2.5)
    gps[0x12] = "GPS-SECRET-51N"  # GPSMapDatum, an ASCII tag
    return exif.tobytes()


def with_secrets(fmt: str, img: Image.Image, orientation: int = 1, *, exif: bool = True) -> bytes:
    """``img`` in ``fmt`` carrying every kind of metadata the format can hold, each with a planted string.

    ``exif=False`` leaves EXIF out (and so the orientation): the other blocks alone."""
    params: dict[str, object] = {"exif": secret_exif(orientation)} if exif else {}
    if fmt in ("JPEG", "MPO", "WEBP", "AVIF", "HEIF"):
        params["xmp"] = _XMP
    if fmt in ("JPEG", "MPO", "GIF"):
        params["comment"] = b"COMMENT-SECRET"
    if fmt == "GIF":
        params = {"comment": b"COMMENT-SECRET TEXT-SECRET GPS-SECRET-51N XMP-SECRET-GPS CAMERA-SECRET"}
    if fmt == "PNG":
        info = PngImagePlugin.PngInfo()
        info.add_text("Comment", "COMMENT-SECRET")
        info.add_text("Description", "TEXT-SECRET", zip=True)
        info.add_itxt("XML:com.adobe.xmp", _XMP.decode())
        params["pnginfo"] = info
    if fmt == "TIFF":
        tags = Image.Exif()
        tags.load(secret_exif(orientation) if exif else b"")
        tags[270], tags[700] = "TEXT-SECRET", _XMP  # ImageDescription, XMP
        params["exif"] = tags
    return encode(img, fmt, **params)


# -- colour profiles --------------------------------------------------------------------------------


def _s15(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def _xyz_tag(x: float, y: float, z: float) -> bytes:
    return b"XYZ \x00\x00\x00\x00" + _s15(x) + _s15(y) + _s15(z)


def swapped_rg_profile() -> bytes:
    """An ICC v2 RGB profile whose red and green primaries are swapped: its "red" pixels are green in sRGB.

    Made by hand (a matrix/TRC display profile), so a test can see whether colours were converted.
    """
    text = b"mlxchat test: red and green swapped"
    desc = b"desc\x00\x00\x00\x00" + struct.pack(">I", len(text) + 1) + text + b"\x00"
    desc += b"\x00" * 8 + b"\x00\x00\x00" + b"\x00" * 67
    curve = b"curv\x00\x00\x00\x00" + struct.pack(">IH", 1, 563) + b"\x00\x00"  # gamma 2.2 (u8.8)
    tags = [
        (b"desc", desc),
        (b"wtpt", _xyz_tag(0.9642, 1.0, 0.8249)),
        (b"rXYZ", _xyz_tag(0.3851, 0.7169, 0.0971)),  # sRGB's green
        (b"gXYZ", _xyz_tag(0.4361, 0.2225, 0.0139)),  # sRGB's red
        (b"bXYZ", _xyz_tag(0.1431, 0.0606, 0.7141)),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
        (b"cprt", b"text\x00\x00\x00\x00public domain\x00"),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, body = b"", b""
    for signature, data in tags:
        padded = data + b"\x00" * (-len(data) % 4)
        table += signature + struct.pack(">II", offset + len(body), len(data))
        body += padded
    size = offset + len(body)
    header = (
        struct.pack(">I", size)
        + b"lcms"
        + b"\x02\x10\x00\x00mntrRGB XYZ "
        + b"\x07\xe8\x00\x01\x00\x01\x00\x00\x00\x00\x00\x00"
        + b"acspAPPL"
        + b"\x00" * 24  # flags, manufacturer, model, attributes, rendering intent
        + _xyz_tag(0.9642, 1.0, 0.8249)[8:]
        + b"\x00" * 48
    )
    assert len(header) == 128, len(header)
    return header + struct.pack(">I", len(tags)) + table + body


# -- damaged files ----------------------------------------------------------------------------------


def fuzz_corpus() -> dict[str, bytes]:
    """Small files of every kind the readers take, for truncating and flipping bytes in."""
    pic = quadrants(60, 40)
    grey16 = Image.new("I;16", (60, 40), 30000)
    frames = [Image.new("RGB", (60, 40), (40 * i, 20, 200 - 40 * i)) for i in range(1, 4)]
    files = {
        "jpeg": oriented("JPEG", 6, size=(60, 40)),
        "progressive.jpeg": encode(pic, "JPEG", progressive=True, exif=secret_exif()),
        "mpo": oriented("MPO", 3, size=(60, 40)),
        "png": with_secrets("PNG", pic),
        "interlaced.png": encode(pic, "PNG", interlace=1),
        "grey16.png": encode(grey16, "PNG"),
        "palette.png": encode(pic.quantize(4), "PNG", transparency=0),
        "animated.png": encode(pic, "PNG", save_all=True, append_images=frames),
        "animated.gif": encode(pic, "GIF", save_all=True, append_images=frames),
        "webp": oriented("WEBP", 8, size=(60, 40)),
        "animated.webp": encode(pic, "WEBP", save_all=True, append_images=frames),
        "pages.tiff": encode(pic, "TIFF", save_all=True, append_images=frames, exif=secret_exif(6)),
        "lzw.tiff": encode(pic, "TIFF", compression="tiff_lzw"),
        "float.tiff": encode(Image.new("F", (60, 40), 0.5), "TIFF"),
        "bmp": encode(pic, "BMP"),
    }
    if features.check("avif"):
        files["avif"] = oriented("AVIF", 6, size=(60, 40))
    return files


def mutations(data: bytes, rng: random.Random, count: int) -> list[bytes]:
    """``count`` damaged copies of ``data``: cut at points spread over the file, and random bytes flipped."""
    cuts = sorted({max(1, len(data) * i // (count // 2 + 1)) for i in range(1, count // 2 + 1)})
    out = [data[:cut] for cut in cuts]
    while len(out) < count:
        damaged = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            damaged[rng.randrange(len(damaged))] ^= 1 << rng.randrange(8)
        out.append(bytes(damaged))
    return out
