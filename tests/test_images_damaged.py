"""Damaged files never crash: every decode failure is a clear exit-2 message naming the file, sent nowhere.

A seeded fuzz loop truncates every file of a small corpus (every format and layout the readers
take: progressive JPEG, MPO, interlaced/16-bit/palette/animated PNG, animated GIF and WebP,
multi-page and LZW TIFF, float TIFF, BMP, AVIF) at many cut points and flips random bits, and
prepares each copy in-process: the only outcomes allowed are a prepared image or a UsageError
naming it. Nothing may reach stderr (no Python warning, no C library's message). A few damaged
files then go through the real CLI. ``python -m tests.fuzz_images`` runs the same loop for longer.
"""

from __future__ import annotations

import random
import warnings
from pathlib import Path

import pytest

from mlxchat.attachments import prepare_image_bytes
from mlxchat.errors import UsageError
from mlxchat.exitcodes import ExitCode
from tests import imagecorpus as corpus
from tests import imagehazards as hazards
from tests.chat_helpers import parse_ndjson
from tests.fixtures.standin import Standin
from tests.test_chat_attachments import mlxchat, profile, seen_by_server

SEED = 12
MUTATIONS_PER_FILE = 40
CORPUS = hazards.fuzz_corpus()


def outcome(data: bytes, name: str) -> str:
    """ "ok", or the refusal's message; anything else raised fails the test with its traceback."""
    try:
        prepare_image_bytes(data, name=name, max_size=32)
    except UsageError as exc:
        assert exc.exit_code == ExitCode.USAGE
        assert f"'{name}'" in exc.message, exc.message
        return exc.message
    return "ok"


@pytest.mark.parametrize("kind", sorted(CORPUS))
def test_truncated_and_bit_flipped_files_are_refused_clearly(
    kind: str, capfd: pytest.CaptureFixture[str]
) -> None:
    data = CORPUS[kind]
    assert outcome(data, kind) == "ok"  # the undamaged file is fine
    rng = random.Random(f"{SEED}-{kind}")

    with warnings.catch_warnings(record=True) as leaked:
        warnings.simplefilter("always")
        results = [outcome(damaged, kind) for damaged in hazards.mutations(data, rng, MUTATIONS_PER_FILE)]

    assert [str(w.message) for w in leaked] == []
    assert capfd.readouterr().err == ""  # nor anything a C decoder printed
    assert any(result != "ok" for result in results)  # the damage was noticed at least once


@pytest.mark.parametrize(
    ("kind", "cut"),
    [("animated.gif", 0.45), ("animated.gif", 0.65), ("pages.tiff", 0.3), ("pages.tiff", 0.5)],
)
def test_truncated_multi_frame_files_name_the_file(kind: str, cut: float) -> None:
    # Cuts that gave "internal error" (exit 1) before: IndexError, struct.error, "Missing dimensions".
    data = CORPUS[kind]

    message = outcome(data[: int(len(data) * cut)], kind)

    assert message.startswith(f"image '{kind}': cannot be decoded"), message


def test_damaged_files_through_the_cli_exit_2_before_any_request(
    mlxchat_home: Path, server: Standin, tmp_path: Path
) -> None:
    name = profile(mlxchat_home, server)
    good = tmp_path / "good.png"
    good.write_bytes(corpus.encode(corpus.quadrants(), "PNG"))
    rng = random.Random(SEED)
    for kind in ("animated.gif", "pages.tiff", "progressive.jpeg", "grey16.png"):
        data = CORPUS[kind]
        damaged = [m for m in hazards.mutations(data, rng, 12) if outcome(m, kind) != "ok"]
        path = tmp_path / kind
        path.write_bytes(damaged[0])

        images = ("--image", str(good), "--image", str(path))
        result = mlxchat(mlxchat_home, "chat", name, f"damaged {kind}", *images)

        assert result.returncode == 2, result.stderr
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"error: image '{path}': "), result.stderr
        assert "Traceback" not in result.stderr and "Warning" not in result.stderr
    assert not [seen for seen in seen_by_server(server) if seen.startswith("echo: damaged")]


def test_pillows_warnings_become_notes_never_stderr(
    mlxchat_home: Path, server: Standin, tmp_path: Path
) -> None:
    path = tmp_path / "bad-exif.jpg"
    path.write_bytes(corpus.encode(corpus.quadrants(), "JPEG", exif=hazards.secret_exif(6)[:20]))
    name = profile(mlxchat_home, server)

    as_json = mlxchat(mlxchat_home, "chat", name, "hi", "--image", str(path), "--json")
    as_text = mlxchat(mlxchat_home, "chat", name, "hi", "--image", str(path))

    assert as_json.returncode == 0 and as_json.stderr == ""  # docs/output.md: nothing else with --json
    (summary,) = parse_ndjson(as_json.stdout)[0]["attachments"]
    assert "damaged EXIF data ignored" in summary["notes"]
    assert as_text.returncode == 0
    lines = as_text.stderr.splitlines()
    assert f"image {path}: damaged EXIF data ignored" in lines, as_text.stderr
    assert all(line.startswith(f"image {path}: ") for line in lines), as_text.stderr  # notes only
