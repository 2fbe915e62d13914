"""Reading attachment bytes: a local path, ``-`` for stdin, or an http(s) URL (downloaded only when asked).

Every failure is a UsageError (exit 2) whose message names the input as the user wrote it.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import BinaryIO, Final

from mlxchat.errors import UsageError
from mlxchat.units import human_bytes
from mlxchat.urls import is_http_url

STDIN_NAME: Final = "<stdin>"
DOWNLOAD_TIMEOUT_S: Final = 30.0
_ANY_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)


def label(what: str, name: str) -> str:
    """How messages name an input: ``image 'photo.jpg'``, ``image <stdin>``."""
    return f"{what} {name}" if name == STDIN_NAME else f"{what} '{name}'"


def is_url(source: str) -> bool:
    """An http(s) URL (the only schemes accepted; anything else is a local path)."""
    return is_http_url(source)


def check_scheme(source: str, what: str) -> None:
    """Refuse ``ftp://...``, ``file://...`` and the like with a clear message instead of "no such file"."""
    if _ANY_SCHEME.match(source) and not is_url(source):
        raise UsageError(f"{label(what, source)}: only http:// and https:// URLs are supported")


def _too_large(what: str, name: str, size: int | None, max_bytes: int) -> UsageError:
    size_text = f"is {human_bytes(size)}" if size is not None else "is larger than that"
    return UsageError(f"{label(what, name)}: {size_text}; the limit is {human_bytes(max_bytes)}")


def read_path(source: str, *, what: str, max_bytes: int) -> bytes:
    """The bytes of a local file (``~`` is expanded), refusing directories, empty and oversized files."""
    path = Path(source).expanduser()
    try:
        if path.is_dir():
            raise UsageError(f"{label(what, source)}: is a directory, not a file")
        size = path.stat().st_size
        if size > max_bytes:
            raise _too_large(what, source, size, max_bytes)
        with path.open("rb") as f:
            # Read at most one byte more than allowed: /dev/zero or a growing file cannot run away.
            data = f.read(max_bytes + 1)
    except FileNotFoundError:
        raise UsageError(f"{label(what, source)}: no such file") from None
    except PermissionError:
        raise UsageError(f"{label(what, source)}: cannot be read (permission denied)") from None
    except OSError as exc:
        raise UsageError(f"{label(what, source)}: cannot be read ({exc.strerror or exc})") from None
    if len(data) > max_bytes:
        raise _too_large(what, source, None, max_bytes)
    if not data:
        raise UsageError(f"{label(what, source)}: the file is empty")
    return data


def read_stdin(stdin: BinaryIO | None, *, what: str, max_bytes: int) -> bytes:
    """All of stdin as bytes (``sys.stdin.buffer`` unless a stream is given); a terminal is refused."""
    stream = stdin if stdin is not None else sys.stdin.buffer
    try:
        interactive = stream.isatty()
    except (AttributeError, ValueError, OSError):
        interactive = False
    if interactive:
        raise UsageError(
            f"{label(what, STDIN_NAME)}: stdin is a terminal",
            hint="pipe the file in, e.g. `--image - < photo.jpg`",
        )
    try:
        data = stream.read(max_bytes + 1)
    except OSError as exc:
        raise UsageError(f"{label(what, STDIN_NAME)}: cannot be read ({exc})") from None
    if len(data) > max_bytes:
        raise _too_large(what, STDIN_NAME, None, max_bytes)
    if not data:
        raise UsageError(f"{label(what, STDIN_NAME)}: nothing was read from stdin")
    return data


def download(url: str, *, what: str, max_bytes: int, timeout: float = DOWNLOAD_TIMEOUT_S) -> bytes:
    """GET an http(s) URL (redirects followed), refusing error statuses and bodies over ``max_bytes``."""
    import httpx

    chunks: list[bytes] = []
    total = 0
    try:
        with (
            httpx.Client(follow_redirects=True, timeout=timeout) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code >= 400:
                reason = f" {response.reason_phrase}" if response.reason_phrase else ""
                raise UsageError(f"{label(what, url)}: download failed: HTTP {response.status_code}{reason}")
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise _too_large(what, url, int(declared), max_bytes)
            for chunk in response.iter_bytes():
                total += len(chunk)
                if total > max_bytes:
                    raise _too_large(what, url, None, max_bytes)
                chunks.append(chunk)
    except httpx.HTTPError as exc:
        detail = str(exc) or type(exc).__name__
        raise UsageError(f"{label(what, url)}: download failed: {detail}") from None
    data = b"".join(chunks)
    if not data:
        raise UsageError(f"{label(what, url)}: the download is empty")
    return data
