"""Downloading an http(s) attachment (``--fetch-images``) within one deadline for the whole transfer.

httpx's timeouts bound each network operation, so a server that sends one byte a second never
trips them. The transfer therefore runs in a worker thread that the caller waits for at most
``timeout`` seconds; past that the command goes on with a clear error and the connection is closed.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Final

from mlxchat.attachments.sources import label, too_large
from mlxchat.errors import UsageError

if TYPE_CHECKING:
    import httpx

DOWNLOAD_TIMEOUT_S: Final = 30.0
"""The whole download (connecting, redirects, every byte) must be done within this many seconds."""


def download(url: str, *, what: str, max_bytes: int, timeout: float = DOWNLOAD_TIMEOUT_S) -> bytes:
    """GET an http(s) URL (redirects followed): error statuses, bodies over ``max_bytes`` and
    transfers longer than ``timeout`` seconds are refused."""
    import httpx

    client = httpx.Client(follow_redirects=True, timeout=timeout)
    outcome: list[bytes | BaseException] = []
    worker = threading.Thread(
        target=_fetch_into, args=(client, url, what, max_bytes, outcome), name="mlxchat-download", daemon=True
    )
    worker.start()
    try:
        worker.join(timeout)
    finally:
        if worker.is_alive():
            # Closing the pool ends the worker's blocked read; it is a daemon either way.
            client.close()
    if not outcome:
        raise UsageError(f"{label(what, url)}: download failed: not finished within {timeout:g} s")
    client.close()
    result = outcome[0]
    if isinstance(result, BaseException):
        raise result
    return result


def _fetch_into(
    client: httpx.Client, url: str, what: str, max_bytes: int, outcome: list[bytes | BaseException]
) -> None:
    try:
        outcome.append(_fetch(client, url, what, max_bytes))
    except BaseException as exc:  # handed to the waiting thread, which raises it
        outcome.append(exc)


def _fetch(client: httpx.Client, url: str, what: str, max_bytes: int) -> bytes:
    import httpx

    chunks: list[bytes] = []
    total = 0
    try:
        with client.stream("GET", url) as response:
            if response.status_code >= 400:
                reason = f" {response.reason_phrase}" if response.reason_phrase else ""
                raise UsageError(f"{label(what, url)}: download failed: HTTP {response.status_code}{reason}")
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise too_large(what, url, int(declared), max_bytes)
            for chunk in response.iter_bytes():
                total += len(chunk)
                if total > max_bytes:
                    raise too_large(what, url, None, max_bytes)
                chunks.append(chunk)
    except (httpx.HTTPError, httpx.StreamError) as exc:
        detail = str(exc) or type(exc).__name__
        raise UsageError(f"{label(what, url)}: download failed: {detail}") from None
    data = b"".join(chunks)
    if not data:
        raise UsageError(f"{label(what, url)}: the download is empty")
    return data
