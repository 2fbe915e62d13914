"""Image preparation: a 24-megapixel photo shrunk to a 2048 px long edge.

Goals (images issue), both against figures measured in the same run:
- time: at most 60% of a plain Pillow ``open`` + ``exif_transpose`` + ``thumbnail(LANCZOS)`` + JPEG save
  of the same file (mlxchat decodes the JPEG at reduced scale with draft mode, then resizes the rest);
- payload: at least 20x smaller than sending the original file (base64 of its bytes).

Run on its own (``python benchmarks/bench_images.py``) or through ``python -m benchmarks.run images``.
The photo is generated once per run in a temporary directory: smooth gradients plus per-pixel noise,
which gives a JPEG of about 9 MB, the size a 24-megapixel camera writes.
"""

from __future__ import annotations

import base64
import io
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageOps

from mlxchat.attachments import JPEG_QUALITY, prepare_image

SIZE = (6000, 4000)
MAX_SIZE = 2048
TIME_GOAL = 0.60
PAYLOAD_GOAL = 20.0


def make_photo(path: Path, size: tuple[int, int] = SIZE) -> None:
    """A photo-like JPEG: gradients with noise in every channel, and a camera-style EXIF block."""
    width, height = size
    gradient = Image.linear_gradient("L").resize((width, height))
    channels = []
    for i, sigma in enumerate((40.0, 32.0, 48.0)):
        base = gradient if i != 1 else gradient.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        channels.append(Image.blend(base, Image.effect_noise((width, height), sigma), 0.35))
    exif = Image.Exif()
    exif[0x010F] = "BenchCamera"  # Make
    exif[0x0112] = 1  # Orientation: upright
    Image.merge("RGB", channels).save(path, "JPEG", quality=90, exif=exif)


def plain_pillow(path: Path) -> bytes:
    """The straightforward way: decode every pixel, orient, thumbnail, save."""
    with Image.open(path) as opened:
        img = ImageOps.exif_transpose(opened)
        img.thumbnail((MAX_SIZE, MAX_SIZE), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        img.save(out, "JPEG", quality=JPEG_QUALITY)
        return out.getvalue()


def mlxchat_prepare(path: Path) -> str:
    return prepare_image(str(path), max_size=MAX_SIZE).url


def _time(fn: Callable[[Path], object], path: Path) -> float:
    started = time.perf_counter()
    fn(path)
    return time.perf_counter() - started


def main(runs: int = 7) -> bool:
    """Print medians and ratios; True when both goals are met."""
    with tempfile.TemporaryDirectory(prefix="mlxchat-bench-images-") as tmp:
        path = Path(tmp) / "photo-24mp.jpg"
        make_photo(path)
        original = path.read_bytes()
        plain_pillow(path)  # warm-up: file cache, Pillow plugins
        url = mlxchat_prepare(path)
        baseline: list[float] = []
        ours: list[float] = []
        for _ in range(runs):  # interleaved, so drifting load hits both alike
            baseline.append(_time(plain_pillow, path))
            ours.append(_time(mlxchat_prepare, path))

    base_ms = statistics.median(baseline) * 1000
    ours_ms = statistics.median(ours) * 1000
    time_ratio = ours_ms / base_ms
    original_payload = len(base64.b64encode(original))
    payload_ratio = original_payload / len(url)
    time_ok = time_ratio <= TIME_GOAL
    payload_ok = payload_ratio >= PAYLOAD_GOAL
    print(
        f"photo: {SIZE[0]}x{SIZE[1]} JPEG, {len(original) / 1e6:.1f} MB, shrunk to a {MAX_SIZE} px long edge"
    )
    print(f"plain Pillow (open, exif_transpose, thumbnail, save): median {base_ms:.1f} ms over {runs} runs")
    print(
        f"mlxchat prepare_image: median {ours_ms:.1f} ms, {time_ratio:.2f}x plain Pillow"
        f" (goal <= {TIME_GOAL:.2f}x) {'ok' if time_ok else 'MISSED'}"
    )
    print(
        f"payload: {len(url) / 1e6:.2f} MB data URL against {original_payload / 1e6:.1f} MB for the original,"
        f" {payload_ratio:.1f}x smaller (goal >= {PAYLOAD_GOAL:.0f}x) {'ok' if payload_ok else 'MISSED'}"
    )
    return time_ok and payload_ok


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
