"""``mlxchat chat --image/--video`` as a real process: what the server receives, and what never leaves.

The stand-in's ``echo`` scenario answers with the request body it received, so these tests decode
the image the server got (data URL -> Pillow) and check its orientation, size and format. Every
NDJSON line, the ``start`` event's attachment summaries included, is validated against
docs/events.schema.json (tests.chat_helpers). The echo scenario records each request's text at
``GET /standin/happenings``: a refused command must leave no trace there.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from tests import imagecorpus as corpus
from tests.chat_helpers import add_profile, joined, parse_ndjson
from tests.fixtures.common import REPO, RunCli, free_port
from tests.fixtures.standin import Standin, wait_until_listening

TEXT_ONLY_HINT = "use a profile with model_type = multimodal"


def profile(
    home: Path, server: Standin, model_type: str = "multimodal", name: str = "p", **extra: Any
) -> str:
    add_profile(
        home, name, server="remote", url=server.base_url, model="echo", model_type=model_type, **extra
    )
    return name


def mlxchat(home: Path, *args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[str]:
    """``python -m mlxchat ARGS`` with ``stdin`` as raw bytes (run_cli takes text only)."""
    proc = subprocess.run(
        [sys.executable, "-m", "mlxchat", *args],
        input=stdin,
        capture_output=True,
        timeout=60,
        # Downloads (--fetch-images) from the local file server must not go through a proxy.
        env={**os.environ, "MLXCHAT_HOME": str(home), "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"},
        cwd=REPO,
    )
    return subprocess.CompletedProcess(
        proc.args, proc.returncode, proc.stdout.decode(), proc.stderr.decode(errors="replace")
    )


class Sent:
    """One run of ``mlxchat chat ... --json`` against echo: the start event and the request body."""

    def __init__(self, result: subprocess.CompletedProcess[str]) -> None:
        assert result.returncode == 0, result.stderr
        self.stderr = result.stderr
        self.events = parse_ndjson(result.stdout)
        self.start = self.events[0]
        self.body: dict[str, Any] = json.loads(joined(self.events, "response"))

    @property
    def content(self) -> Any:
        return self.body["messages"][-1]["content"]

    def parts(self, kind: str) -> list[dict[str, Any]]:
        return [p for p in self.content if p["type"] == kind]

    def images(self) -> list[Image.Image]:
        return [corpus.open_data_url(p["image_url"]["url"]) for p in self.parts("image_url")]


def send(home: Path, *args: str, stdin: bytes = b"") -> Sent:
    return Sent(mlxchat(home, "chat", *args, "--json", stdin=stdin))


def seen_by_server(server: Standin) -> list[str]:
    happenings: list[str] = httpx.get(f"http://127.0.0.1:{server.port}/standin/happenings", timeout=5).json()
    return happenings


# -- multimodal: what the server receives --------------------------------------------------------


def test_an_exif_rotated_jpeg_arrives_upright_shrunk_and_summarised(
    mlxchat_home: Path, server: Standin, tmp_path: Path
) -> None:
    photo = corpus.exif_rotated_jpeg(tmp_path, 6)  # stored 200x400, shown 400x200
    sent = send(
        mlxchat_home,
        profile(mlxchat_home, server),
        "what is this?",
        "--image",
        str(photo),
        "--max-image-size",
        "256",
    )
    assert sent.content[0] == {"type": "text", "text": "what is this?"}
    assert [p["type"] for p in sent.content] == ["text", "image_url"]
    assert sent.parts("image_url")[0]["image_url"]["url"].startswith("data:image/jpeg;base64,")
    (img,) = sent.images()
    assert img.format == "JPEG"
    assert img.size == (256, 128)
    assert corpus.is_upright_quadrants(img)
    assert not img.getexif()  # metadata is not copied
    (summary,) = sent.start["attachments"]
    assert summary["kind"] == "image" and summary["name"] == str(photo) and summary["source"] == "file"
    assert summary["original"] == {
        "format": "jpeg",
        "width": 400,
        "height": 200,
        "bytes": photo.stat().st_size,
    }
    assert summary["sent"]["width"] == 256 and summary["sent"]["height"] == 128
    assert summary["sent"]["format"] == "jpeg" and summary["sent"]["bytes"] > 0
    assert "EXIF orientation 6 applied" in summary["notes"]
    assert sent.start["warnings"] == [] and sent.stderr == ""


def test_two_images_in_order_with_the_default_and_the_profiles_max_size(
    mlxchat_home: Path, server: Standin, tmp_path: Path
) -> None:
    big = corpus.plain_jpeg(tmp_path, (3000, 1000), name="wide.jpg")
    clear = corpus.palette_png_with_transparency(tmp_path)
    sent = send(mlxchat_home, profile(mlxchat_home, server), "compare", "--image", str(big), "-i", str(clear))
    assert [p["type"] for p in sent.content] == ["text", "image_url", "image_url"]
    first, second = sent.images()
    assert (first.format, first.size) == ("JPEG", (2048, 683))  # the default long edge, never more
    assert (second.format, second.size, second.mode) == ("PNG", (64, 32), "RGBA")  # transparency kept
    assert [a["name"] for a in sent.start["attachments"]] == [str(big), str(clear)]

    name = profile(mlxchat_home, server, name="small", max_image_size=300)
    (img,) = send(mlxchat_home, name, "q", "--image", str(big)).images()
    assert img.size == (300, 100)
    (img,) = send(mlxchat_home, name, "q", "--image", str(big), "--max-image-size", "500").images()
    assert img.size == (500, 167)  # the option beats the profile


def test_max_image_size_zero_never_resizes(mlxchat_home: Path, server: Standin, tmp_path: Path) -> None:
    big = corpus.plain_jpeg(tmp_path, (3000, 1000), name="wide.jpg")
    sent = send(
        mlxchat_home,
        profile(mlxchat_home, server, max_image_size=100),
        "q",
        "--image",
        str(big),
        "--max-image-size",
        "0",
    )
    (img,) = sent.images()
    assert img.size == (3000, 1000)
    assert sent.start["attachments"][0]["notes"] == ["original bytes sent unchanged"]
    negative = mlxchat(mlxchat_home, "chat", "p", "q", "--image", str(big), "--max-image-size", "-1")
    assert negative.returncode == 2 and "Traceback" not in negative.stderr


def test_high_bit_pictures_that_use_few_levels_are_sent_stretched(
    mlxchat_home: Path, server: Standin, tmp_path: Path
) -> None:
    """12-bit data in a 16-bit PNG, 0-1000 in a 32-bit TIFF, floats of 100-101: each arrives with
    its darkest sample black and its brightest white, not nearly black or flat grey."""
    files = []
    for name, mode, low, high in (
        ("12bit.png", "I;16", 0, 4095),
        ("i32.tiff", "I", 0, 1000),
        ("float.tiff", "F", 100.0, 101.0),
    ):
        img = Image.new(mode, (64, 32), high)
        img.paste(Image.new(mode, (32, 32), low), (0, 0))
        img.save(tmp_path / name)
        files += ["--image", str(tmp_path / name)]
    sent = send(mlxchat_home, profile(mlxchat_home, server), "q", *files)
    for img in sent.images():
        grey = img.convert("L")
        assert (grey.getpixel((8, 16)), grey.getpixel((56, 16))) == (0, 255)
    assert all("stretched to 0-255" in " ".join(a["notes"]) for a in sent.start["attachments"])


def test_an_image_url_is_passed_through(mlxchat_home: Path, server: Standin) -> None:
    url = "https://example.com/cat.png"
    sent = send(mlxchat_home, profile(mlxchat_home, server), "what animal?", "--image", url)
    assert sent.content == [
        {"type": "text", "text": "what animal?"},
        {"type": "image_url", "image_url": {"url": url}},
    ]
    assert sent.start["attachments"] == [
        {
            "kind": "image",
            "name": url,
            "source": "url",
            "original": None,
            "sent": None,
            "notes": ["URL passed to the server"],
        },
    ]


def test_fetch_images_downloads_and_prepares_the_url(
    mlxchat_home: Path, server: Standin, tmp_path: Path
) -> None:
    corpus.exif_rotated_jpeg(tmp_path, 8)
    port = free_port()
    files = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/rotated-8.jpg"
    try:
        wait_until_listening(port, files)
        sent = send(mlxchat_home, profile(mlxchat_home, server), "q", "--image", url, "--fetch-images")
    finally:
        files.kill()
        files.wait(timeout=10)
    (img,) = sent.images()
    assert img.size == (400, 200) and corpus.is_upright_quadrants(img)
    assert sent.start["attachments"][0]["source"] == "download"
    assert sent.start["attachments"][0]["name"] == url


def test_image_bytes_from_stdin(mlxchat_home: Path, server: Standin, tmp_path: Path) -> None:
    data = corpus.exif_rotated_jpeg(tmp_path, 3).read_bytes()
    sent = send(mlxchat_home, profile(mlxchat_home, server), "what is this?", "--image", "-", stdin=data)
    assert sent.content[0] == {"type": "text", "text": "what is this?"}  # stdin was not read as text
    (img,) = sent.images()
    assert corpus.is_upright_quadrants(img)
    (summary,) = sent.start["attachments"]
    assert (summary["name"], summary["source"]) == ("<stdin>", "stdin")


@pytest.mark.parametrize(
    ("args", "needle"),
    [(["-"], "prompt"), (["q", "--messages", "-"], "messages")],
    ids=["prompt-dash", "messages-dash"],
)
def test_stdin_cannot_hold_the_image_and_the_text(
    mlxchat_home: Path, server: Standin, args: list[str], needle: str
) -> None:
    result = mlxchat(mlxchat_home, "chat", profile(mlxchat_home, server), *args, "--image", "-", stdin=b"hi")
    assert result.returncode == 2
    assert "--image -" in result.stderr and needle in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_a_video_follows_the_images(mlxchat_home: Path, server: Standin, tmp_path: Path) -> None:
    clip = corpus.fake_mp4(tmp_path)
    photo = corpus.plain_jpeg(tmp_path)
    sent = send(
        mlxchat_home, profile(mlxchat_home, server), "describe", "--video", str(clip), "--image", str(photo)
    )
    assert [p["type"] for p in sent.content] == ["text", "image_url", "video_url"]
    mime, data = corpus.decode_data_url(sent.parts("video_url")[0]["video_url"]["url"])
    assert (mime, data) == ("video/mp4", clip.read_bytes())
    kinds = [(a["kind"], a["name"]) for a in sent.start["attachments"]]
    assert kinds == [("image", str(photo)), ("video", str(clip))]
    size = clip.stat().st_size
    assert sent.start["attachments"][1]["sent"] == {"format": "mp4", "bytes": size}


def test_with_messages_the_attachments_go_with_the_prompt(
    mlxchat_home: Path, server: Standin, tmp_path: Path
) -> None:
    history = [{"role": "user", "content": "Hello!"}, {"role": "assistant", "content": "Hi."}]
    file = tmp_path / "history.json"
    file.write_text(json.dumps(history))
    photo = corpus.plain_jpeg(tmp_path)
    sent = send(
        mlxchat_home,
        profile(mlxchat_home, server),
        "and this?",
        "--messages",
        str(file),
        "--image",
        str(photo),
    )
    assert sent.body["messages"][:2] == history
    assert sent.body["messages"][2]["role"] == "user"
    assert [p["type"] for p in sent.content] == ["text", "image_url"]


def test_without_a_prompt_the_message_is_the_image_alone(
    mlxchat_home: Path, server: Standin, tmp_path: Path
) -> None:
    sent = send(mlxchat_home, profile(mlxchat_home, server), "--image", str(corpus.plain_jpeg(tmp_path)))
    assert [p["type"] for p in sent.content] == ["image_url"]


# -- bad inputs: exit 2, the file named, nothing sent ------------------------------------------------


def _missing(d: Path) -> tuple[list[str], str]:
    return ["--image", str(d / "absent.jpg")], "no such file"


def _truncated(d: Path) -> tuple[list[str], str]:
    return ["--image", str(corpus.truncated_jpeg(d))], "truncated"


def _text(d: Path) -> tuple[list[str], str]:
    return ["--image", str(corpus.text_as_jpg(d))], "not an image"


def _bomb(d: Path) -> tuple[list[str], str]:
    return ["--image", str(corpus.png_header_only(d, 100_000, 100_000))], "decompression bomb"


def _big_video(d: Path) -> tuple[list[str], str]:
    path = d / "long.mp4"
    with path.open("wb") as f:
        f.truncate(60_000_000)  # sparse: no disk space, but stat says 60 MB
    return ["--video", str(path)], "limited to 50.0 MB"


def _second_of_two(d: Path) -> tuple[list[str], str]:
    return ["--image", str(corpus.plain_jpeg(d)), "--image", str(corpus.text_as_jpg(d))], "not an image"


def _other_scheme(d: Path) -> tuple[list[str], str]:
    return ["--image", "ftp://example.com/a.jpg"], "only http://, https:// and data: URLs are supported"


def _bad_data_url(d: Path) -> tuple[list[str], str]:
    return ["--image", "data:image/png;base64,!!!!"], "base64 data is not valid"


BAD = [_missing, _truncated, _text, _bomb, _big_video, _second_of_two, _other_scheme, _bad_data_url]


@pytest.mark.parametrize("make", BAD, ids=lambda f: f.__name__.strip("_"))
@pytest.mark.parametrize("mode", ["--json", "--format=text"])
def test_bad_attachments_stop_before_any_request(
    mlxchat_home: Path, server: Standin, tmp_path: Path, make: Any, mode: str
) -> None:
    args, needle = make(tmp_path)
    prompt = f"bad-{uuid.uuid4().hex}"
    result = mlxchat(mlxchat_home, "chat", profile(mlxchat_home, server), prompt, *args, mode)
    assert result.returncode == 2, result.stderr
    named = args[-1]
    assert f"'{named}'" in result.stderr and needle in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""  # not even a start event: nothing was attempted
    assert not any(prompt in h for h in seen_by_server(server))


def test_a_data_url_image_is_prepared_like_a_file(
    mlxchat_home: Path, server: Standin, tmp_path: Path
) -> None:
    data = corpus.exif_rotated_jpeg(tmp_path, 8).read_bytes()
    url = "data:image/jpeg;base64," + base64.b64encode(data).decode()

    sent = send(mlxchat_home, profile(mlxchat_home, server), "what is this?", "--image", url)

    (img,) = sent.images()
    assert img.size == (400, 200) and corpus.is_upright_quadrants(img)
    (summary,) = sent.start["attachments"]
    assert summary["source"] == "data" and summary["name"].endswith("…") and len(summary["name"]) < 60
    assert summary["original"]["bytes"] == len(data)


# -- text-only profiles ------------------------------------------------------------------------------


def test_a_text_only_profile_sends_text_and_warns(
    mlxchat_home: Path, server: Standin, tmp_path: Path
) -> None:
    photo = corpus.plain_jpeg(tmp_path)
    name = profile(mlxchat_home, server, model_type="lm")
    sent = send(mlxchat_home, name, "what is this?", "--image", str(photo), "--video", "clip.mp4")
    assert sent.content == "what is this?"
    assert "text-only" in sent.stderr and str(photo) in sent.stderr and "clip.mp4" in sent.stderr
    assert "2 attachments" in sent.stderr and TEXT_ONLY_HINT in sent.stderr
    assert sent.start["attachments"] == []
    (warning,) = sent.start["warnings"]
    assert "text-only" in warning and str(photo) in warning

    text = mlxchat(mlxchat_home, "chat", name, "q", "--image", "-", "--format", "text", stdin=b"not read")
    assert text.returncode == 0 and json.loads(text.stdout)["messages"][-1]["content"] == "q"
    assert "<stdin>" in text.stderr and "warning:" in text.stderr


def test_strict_refuses_attachments_for_a_text_only_profile(
    mlxchat_home: Path, server: Standin, tmp_path: Path
) -> None:
    photo = corpus.plain_jpeg(tmp_path)
    prompt = f"strict-{uuid.uuid4().hex}"
    name = profile(mlxchat_home, server, model_type="lm")
    result = mlxchat(mlxchat_home, "chat", name, prompt, "--image", str(photo), "--strict", "--json")
    assert result.returncode == 2
    assert "text-only" in result.stderr and str(photo) in result.stderr and TEXT_ONLY_HINT in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert not any(prompt in h for h in seen_by_server(server))
    sent = send(mlxchat_home, name, prompt, "--image", str(photo))  # the same without --strict is sent
    assert f"echo: {prompt}" in seen_by_server(server) and sent.content == prompt
    # --strict without attachments, or for a multimodal profile, changes nothing
    assert send(mlxchat_home, name, "q", "--strict").content == "q"
    multimodal = profile(mlxchat_home, server, name="mm")
    assert len(send(mlxchat_home, multimodal, "q", "--image", str(photo), "--strict").images()) == 1


# -- a real mlx-openai-server with an lm profile ---------------------------------------------------


@pytest.mark.real_server
def test_real_openai_server_text_only_profile_answers_and_warns(
    run_cli: RunCli, mlxchat_home: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    real = request.getfixturevalue("openai_server")
    add_profile(mlxchat_home, "tiny", server="remote", url=real.base_url, model=real.model, model_type="lm")
    picture = corpus.tiny_png(tmp_path)
    result = run_cli(
        "chat",
        "tiny",
        "What is 2+2?",
        "--image",
        str(picture),
        "--temperature",
        "0",
        "--json",
        input="",
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "text-only" in result.stderr and str(picture) in result.stderr
    events = parse_ndjson(result.stdout)
    assert events[0]["attachments"] == [] and len(events[0]["warnings"]) == 1
    assert "4" in joined(events, "response")


def test_notes_on_what_was_left_out_reach_people_on_stderr(
    mlxchat_home: Path, server: Standin, tmp_path: Path
) -> None:
    name = profile(mlxchat_home, server)
    gif = corpus.animated_gif(tmp_path, frames=3)
    text = mlxchat(mlxchat_home, "chat", name, "what?", "--image", str(gif), "--format", "text")
    assert text.returncode == 0, text.stderr
    assert f"image {gif}: animated GIF: first frame of 3 sent" in text.stderr
    as_json = mlxchat(mlxchat_home, "chat", name, "what?", "--image", str(gif), "--json")
    assert "first frame" not in as_json.stderr  # NDJSON carries it in the start event
    start = parse_ndjson(as_json.stdout)[0]
    assert start["attachments"][0]["notes"] == ["animated GIF: first frame of 3 sent"]
