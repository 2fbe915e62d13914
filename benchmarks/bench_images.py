"""Image preparation: a 24-megapixel photo shrunk to a 2048 px long edge, and the memory a huge PNG needs.

Goals, all against figures measured in the same run:
- time: at most 60% of a plain Pillow ``open`` + ``exif_transpose`` + ``thumbnail(LANCZOS)`` + JPEG save
  of the same file (mlxchat decodes the JPEG at reduced scale with draft mode, then resizes the rest).
  The photo carries EXIF, XMP with GPS and a comment: removing them must not cost the draft decoding;
- payload: at least 20x smaller than sending the original file (base64 of its bytes);
- memory: preparing a 10000x10000 transparent PNG (100 MP, the pixel limit) peaks, above a process
  that only imported mlxchat and read the file, at most 1.25x the decoded image (400 MB), measured
  in child processes (their peak resident size); a plain Pillow open + thumbnail is shown beside it.

Run on its own (``python benchmarks/bench_images.py``) or through ``python -m benchmarks.run images``.
The photo is generated once per run in a temporary directory: smooth gradients plus per-pixel noise,
which gives a JPEG of about 9 MB, the size a 24-megapixel camera writes.
"""

from __future__ import annotations

import base64
import io
import resource
import statistics
import subprocess
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
HUGE = (10_000, 10_000)
MEMORY_GOAL = 1.25
"""Peak memory above an idle process, as a multiple of the decoded huge image (width x height x 4)."""
_XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description exif:GPSLatitude="51,30.0N"/></x:xmpmeta>'


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
    Image.merge("RGB", channels).save(path, "JPEG", quality=90, exif=exif, xmp=_XMP, comment=b"bench")


def make_transparent_png(path: Path, size: tuple[int, int] = HUGE) -> None:
    """A huge RGBA PNG, gradients in every channel and a gradient of transparency (compresses well)."""
    gradient = Image.linear_gradient("L").resize(size)
    img = Image.merge(
        "RGB",
        (
            gradient,
            gradient.transpose(Image.Transpose.ROTATE_90),
            gradient.transpose(Image.Transpose.FLIP_TOP_BOTTOM),
        ),
    )
    img.putalpha(gradient.transpose(Image.Transpose.ROTATE_270))
    img.save(path, "PNG", compress_level=1)


def peak_child(path: Path) -> None:
    """In a child process (``--peak KIND PATH``): do one thing to PATH, print the peak RSS in bytes."""
    kind = sys.argv[2]
    if kind == "idle":
        import mlxchat.attachments  # noqa: F401  (what every run has loaded)

        path.read_bytes()
    elif kind == "mlxchat":
        prepare_image(str(path), max_size=MAX_SIZE)
    else:
        with Image.open(path) as img:
            img.thumbnail((MAX_SIZE, MAX_SIZE), Image.Resampling.LANCZOS)
    print(_own_peak())


def _own_peak() -> int:
    """This process's peak resident memory in bytes. On Linux VmHWM, not ru_maxrss: ru_maxrss survives
    exec, so a child would report its parent's peak when that was higher."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)  # macOS: bytes


def peak_bytes(kind: str, path: Path) -> int:
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_images", "--peak", kind, str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(out.stdout.strip().splitlines()[-1])


def memory(runs: int = 3) -> bool:
    """Print the peak memory figures of the huge PNG; True when the goal is met."""
    with tempfile.TemporaryDirectory(prefix="mlxchat-bench-images-") as tmp:
        path = Path(tmp) / "huge.png"
        make_transparent_png(path)
        peaks: dict[str, list[int]] = {"idle": [], "mlxchat": [], "pillow": []}
        for _ in range(runs):
            for kind, values in peaks.items():
                values.append(peak_bytes(kind, path))
        file_mb = path.stat().st_size / 1e6
    idle, ours, pillow = (statistics.median(peaks[k]) for k in ("idle", "mlxchat", "pillow"))
    decoded = HUGE[0] * HUGE[1] * 4
    ratio = (ours - idle) / decoded
    ok = ratio <= MEMORY_GOAL
    print(
        f"huge PNG: {HUGE[0]}x{HUGE[1]} RGBA, transparent, {file_mb:.1f} MB, {decoded / 1e6:.0f} MB decoded"
    )
    print(
        f"peak memory (median of {runs}): idle {idle / 1e6:.0f} MB, plain Pillow open + thumbnail"
        f" {pillow / 1e6:.0f} MB, mlxchat prepare_image {ours / 1e6:.0f} MB"
    )
    print(
        f"mlxchat above idle: {(ours - idle) / 1e6:.0f} MB, {ratio:.2f}x the decoded image"
        f" (goal <= {MEMORY_GOAL:.2f}x) {'ok' if ok else 'MISSED'}"
    )
    return ok


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
    memory_ok = memory()
    return time_ok and payload_ok and memory_ok


if __name__ == "__main__":
    if sys.argv[1:2] == ["--peak"]:
        peak_child(Path(sys.argv[3]))
        sys.exit(0)
    sys.exit(0 if main() else 1)
