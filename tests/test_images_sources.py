"""Where attachments come from: stdin (``-``), URLs passed through or downloaded from a real local server
(one that drips included), ``data:`` URLs, and the one parser of attachment arguments."""

from __future__ import annotations

import base64
import contextlib
import io
import os
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from functools import partial
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from mlxchat.attachments import prepare_image, prepare_video
from mlxchat.attachments.download import download
from mlxchat.attachments.sources import Source, parse_source, split_words
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


@contextlib.contextmanager
def serving(handler: Callable[..., BaseHTTPRequestHandler]) -> Iterator[str]:
    """A real threaded HTTP server on 127.0.0.1 with ``handler``; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def image_server(served_dir: Path) -> Iterator[str]:
    """Serves the generated files."""
    with serving(partial(QuietHandler, directory=str(served_dir))) as url:
        yield url


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


@pytest.fixture(scope="module")
def drip_server() -> Iterator[str]:
    """A server that answers 200 with a large declared body, then sends one byte every 0.2 s."""

    class Drip(QuietHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            try:
                for _ in range(1000):
                    self.wfile.write(b"\xff")
                    self.wfile.flush()
                    time.sleep(0.2)
            except (BrokenPipeError, ConnectionResetError):
                pass

    with serving(Drip) as url:
        yield url


def test_the_download_timeout_covers_the_whole_transfer(drip_server: str) -> None:
    # Every read gets a byte well within any per-read timeout; only a deadline for the whole can stop it.
    url = f"{drip_server}/slow.jpg"

    with pytest.raises(UsageError) as info:
        download(url, what="image", max_bytes=10_000, timeout=1.5)

    assert info.value.message == f"image '{url}': download failed: not finished within 1.5 s"


# -- data: URLs --------------------------------------------------------------------------------------


def test_a_data_url_is_decoded_and_prepared_like_a_file(tmp_path: Path) -> None:
    data = corpus.exif_rotated_jpeg(tmp_path, 6).read_bytes()
    url = "data:image/jpeg;base64," + base64.b64encode(data).decode()

    prepared = prepare_image(url, max_size=100)

    assert prepared.source == "data"
    assert prepared.name == url[: len("data:image/jpeg;base64,") + 24] + "…"
    img = corpus.open_data_url(prepared.url)
    assert img.size == (100, 50) and corpus.is_upright_quadrants(img)
    assert prepared.original is not None and prepared.original.bytes == len(data)


@pytest.mark.parametrize(
    "url",
    [
        "data:;base64,{b64}",
        "data:image/png;base64,{b64_spaced}",
        "data:application/octet-stream;BASE64,{b64_url}",
        "data:image/png,{percent}",
    ],
)
def test_data_url_variants(url: str) -> None:
    png = corpus.encode(corpus.quadrants(40, 20), "PNG")
    b64 = base64.b64encode(png).decode()
    text = url.format(
        b64=b64,
        b64_spaced=" ".join(b64[i : i + 60] for i in range(0, len(b64), 60)),
        b64_url=base64.urlsafe_b64encode(png).decode().rstrip("="),
        percent=urllib.parse.quote_from_bytes(png),
    )

    prepared = prepare_image(text)

    assert corpus.is_upright_quadrants(corpus.open_data_url(prepared.url))


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("data:image/png;base64", "not a valid data: URL (no comma before the data)"),
        ("data:image/png;base64,!!!!", "the data: URL's base64 data is not valid"),
        ("data:image/png;base64,", "the data: URL holds no data"),
        ("data:text/plain,hello%20world", "not an image file that mlxchat can read"),
    ],
)
def test_bad_data_urls_are_refused(url: str, message: str) -> None:
    with pytest.raises(UsageError) as info:
        prepare_image(url)

    assert info.value.message.startswith(f"image '{url}': {message}")


def test_a_video_data_url_is_accepted(tmp_path: Path) -> None:
    data = corpus.fake_mp4(tmp_path).read_bytes()

    video = prepare_video("data:video/mp4;base64," + base64.b64encode(data).decode())

    assert video.source == "data" and video.original is not None and video.original.format == "mp4"


# -- one parser for every attachment argument -------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("-", "stdin"),
        ("photo.jpg", "path"),
        ("~/My Photos/a.jpg", "path"),
        ("HTTPS://example.com/a.png", "url"),
        ("data:image/png;base64,AAAA", "data"),
        ("a:b.jpg", "path"),  # a colon alone is a file name, not a scheme
    ],
)
def test_parse_source(text: str, kind: str) -> None:
    assert parse_source(text, "image") == Source(kind, text)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text", ["ftp://x", "ftp://example.com/a.jpg", "file:///tmp/a%20b.jpg", "s3://bucket/k"]
)
def test_other_schemes_are_refused_as_typed(text: str) -> None:
    with pytest.raises(UsageError) as info:
        parse_source(text, "image")

    assert info.value.message == f"image '{text}': only http://, https:// and data: URLs are supported"
    if text.startswith("file:"):
        assert info.value.hint == "give the path itself: /tmp/a b.jpg"


def test_an_empty_argument_is_refused() -> None:
    with pytest.raises(UsageError, match="image argument is empty"):
        parse_source("", "image")


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("photo.jpg", ["photo.jpg"]),
        ("/Users/me/My\\ Photos/a\\ b.jpg", ["/Users/me/My Photos/a b.jpg"]),  # macOS Terminal drag and drop
        ("'/home/me/My Photos/a.jpg'", ["/home/me/My Photos/a.jpg"]),  # GNOME Terminal
        ('"/tmp/it\'s here.png"', ["/tmp/it's here.png"]),
        ('"a \\"b\\" \\x.png"', ['a "b" \\x.png']),  # in double quotes, backslash escapes " and \\ only
        ("  a.jpg   'b c.png'  ", ["a.jpg", "b c.png"]),
        ("~/a.jpg", ["~/a.jpg"]),  # reported as typed; expanded only when read
        ("", []),
    ],
)
def test_split_words_reads_an_image_argument_like_a_shell(typed: str, words: list[str]) -> None:
    assert split_words(typed) == words


def test_an_unescaped_name_with_spaces_that_exists_is_one_path(tmp_path: Path) -> None:
    path = tmp_path / "My Photo.jpg"
    path.write_bytes(b"x")

    assert split_words(f"  {path} ") == [str(path)]
    assert split_words(f"{tmp_path}/My Other.jpg") == [f"{tmp_path}/My", "Other.jpg"]


def test_an_unclosed_quote_is_refused() -> None:
    with pytest.raises(UsageError, match="unclosed '"):
        split_words("'/tmp/a b.jpg")
