"""Where images come from: stdin (``-``), URLs passed through, URLs downloaded from a real local server."""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from mlxchat.attachments import prepare_image
from mlxchat.errors import UsageError
from tests import imagecorpus as corpus
from tests.fixtures.common import free_port


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def served_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("served")
    corpus.photo_jpeg(directory, (3000, 2000), name="photo.jpg")
    corpus.text_as_jpg(directory)
    return directory


@pytest.fixture(scope="module")
def image_server(served_dir: Path) -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 serving the generated files; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(served_dir)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


# -- stdin -------------------------------------------------------------------------------------------


def test_stdin_bytes_are_prepared(tmp_path: Path) -> None:
    data = corpus.exif_rotated_jpeg(tmp_path, 6).read_bytes()

    prepared = prepare_image("-", stdin=io.BytesIO(data), max_size=100)

    assert prepared.name == "<stdin>" and prepared.source == "stdin"
    img = corpus.open_data_url(prepared.url)
    assert img.size == (100, 50)
    assert corpus.is_upright_quadrants(img)
    assert prepared.summary()["name"] == "<stdin>"


def test_empty_stdin_is_refused() -> None:
    with pytest.raises(UsageError) as info:
        prepare_image("-", stdin=io.BytesIO(b""))
    assert info.value.message == "image <stdin>: nothing was read from stdin"


def test_non_image_on_stdin_is_refused() -> None:
    with pytest.raises(UsageError, match=r"^image <stdin>: not an image file"):
        prepare_image("-", stdin=io.BytesIO(b"hello\n" * 50))


def test_stdin_that_is_a_terminal_is_refused() -> None:
    leader, follower = os.openpty()  # a real terminal device, as when nothing is piped in
    try:
        with open(follower, "rb", buffering=0, closefd=False) as tty, pytest.raises(UsageError) as info:
            prepare_image("-", stdin=tty)
        assert info.value.message == "image <stdin>: stdin is a terminal"
        assert info.value.hint is not None and "--image -" in info.value.hint
    finally:
        os.close(leader)
        os.close(follower)


# -- URLs --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["https://example.com/cat.jpg", "HTTP://example.com/a%20b.png?x=1"])
def test_urls_are_passed_through_by_default(url: str) -> None:
    prepared = prepare_image(url)

    assert prepared.content_part() == {"type": "image_url", "image_url": {"url": url}}
    assert prepared.source == "url"
    summary = prepared.summary()
    assert summary["name"] == url
    assert summary["original"] is None and summary["sent"] is None


def test_fetch_downloads_and_prepares(image_server: str, served_dir: Path) -> None:
    url = f"{image_server}/photo.jpg"

    prepared = prepare_image(url, fetch=True)

    assert prepared.source == "download" and prepared.name == url
    assert prepared.url.startswith("data:image/jpeg;base64,")
    assert corpus.open_data_url(prepared.url).size == (2048, 1365)
    assert prepared.original is not None
    assert prepared.original.bytes == (served_dir / "photo.jpg").stat().st_size


def test_fetch_of_a_missing_url_names_the_status(image_server: str) -> None:
    url = f"{image_server}/missing.jpg"

    with pytest.raises(UsageError) as info:
        prepare_image(url, fetch=True)

    assert info.value.message == f"image '{url}': download failed: HTTP 404 File not found"


def test_fetch_of_a_non_image_is_refused(image_server: str) -> None:
    url = f"{image_server}/notes.jpg"

    with pytest.raises(UsageError, match="not an image file"):
        prepare_image(url, fetch=True)


def test_fetch_from_nothing_listening_is_refused() -> None:
    url = f"http://127.0.0.1:{free_port()}/photo.jpg"

    with pytest.raises(UsageError) as info:
        prepare_image(url, fetch=True)

    assert info.value.message.startswith(f"image '{url}': download failed: ")
