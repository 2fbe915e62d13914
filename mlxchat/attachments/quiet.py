"""Decoders' complaints caught while an image is prepared: notes for the user, never lines on stderr.

Pillow reports some oddities as Python warnings ("Possibly corrupt EXIF data"), and the C libraries
it uses (libtiff above all) print theirs straight to file descriptor 2. Both are caught here; what
matters becomes a note in the attachment's summary. Failures are reported by the exception Pillow
raises, so what the decoders said on the way there is dropped.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import warnings
from collections.abc import Iterable, Iterator
from typing import Final

_IGNORED: Final = (
    "Palette images with Transparency expressed in bytes",  # about our own conversion to RGBA
    "Image size (",  # DecompressionBombWarning: our pixel limit replaces it
)
_MAX_NOTES: Final = 3
_MAX_CAPTURED_BYTES: Final = 65536


@contextlib.contextmanager
def decoder_complaints_as_notes(notes: list[str]) -> Iterator[None]:
    """Catch Python warnings and C-level stderr output inside the block; notes for them if it succeeds."""
    said: list[str] = []
    with warnings.catch_warnings(record=True) as caught, _fd2_captured(said):
        warnings.simplefilter("always")
        yield
    for note in _notes_for([str(w.message) for w in caught], said):
        if note not in notes:
            notes.append(note)


@contextlib.contextmanager
def _fd2_captured(lines: list[str]) -> Iterator[None]:
    """File descriptor 2 points at a temporary file inside the block; its text goes to ``lines``."""
    with contextlib.suppress(AttributeError, ValueError, OSError):
        sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no stderr at all: nothing to protect
        yield
        return
    try:
        with tempfile.TemporaryFile() as capture:
            os.dup2(capture.fileno(), 2)
            try:
                yield
            finally:
                os.dup2(saved, 2)
                capture.seek(0)
                lines.extend(capture.read(_MAX_CAPTURED_BYTES).decode(errors="replace").splitlines())
    finally:
        os.close(saved)


def _note_for(message: str) -> str:
    if "exif" in message.lower():
        return "damaged EXIF data ignored"
    if message.startswith(("Truncated File Read", "Metadata Warning")):
        return "damaged metadata ignored"
    if "malformed MPO" in message:
        return "damaged MPO index: read as a plain JPEG"
    return f"decoder warning: {message}"


def _notes_for(warned: Iterable[str], said: Iterable[str]) -> list[str]:
    out: list[str] = []
    for raw in [*warned, *said]:
        message = raw.strip().rstrip(".")
        if not message or message.startswith(_IGNORED):
            continue
        note = _note_for(message)
        if note not in out:
            out.append(note)
    return out[:_MAX_NOTES]
