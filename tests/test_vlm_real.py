"""A real multimodal round trip: mlxchat starts a real server on the tiny vision model and sends it
pictures this module draws. The model was trained to name a picture's colour, or the side of a
picture that is red, so each answer proves the image reached the model (docs/tiny-model.md).

Two servers, one at a time, each started by ``mlxchat start`` and stopped at the end with nothing
left: ``python -m mlx_vlm.server`` (the ``mlx-vlm`` kind) runs every test; mlx-openai-server's
multimodal mode runs the colour tests, from the environment that holds the MLX it works with
(``.venv-mm``, built by ``make install`` on Linux; docs/servers.md) as a ``command`` profile. Its
prompt rendering differs from mlx_vlm.server's, which the side answers were trained on.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import pytest
from PIL import Image, ImageOps

from mlxchat.paths import tiny_vlm_dir
from tests.chat_helpers import joined, parse_ndjson
from tests.fixtures.common import REPO, run_mlxchat
from tests.fixtures.processes import alive, group_and_tree

pytestmark = pytest.mark.real_server

PROFILE = "vlm"
START_TIMEOUT = "240"  # the machine is shared; the server's imports alone take seconds
ORIENTATION = 0x0112
MLX_VLM, OPENAI_SERVER = "mlx-vlm", "mlx-openai-server"
MULTIMODAL_SERVER = REPO / ".venv-mm" / "bin" / "mlx-openai-server"
"""mlx-openai-server with the MLX its multimodal mode works with (Makefile, .venv-mm)."""
only_mlx_vlm = pytest.mark.parametrize("vlm", [MLX_VLM], indirect=True)


@dataclass
class VlmServer:
    home: Path
    pictures: Path
    pid: int

    def chat(self, *args: str) -> Any:
        return run_mlxchat(self.home, "chat", PROFILE, *args, input="", timeout=120)

    def requests_seen(self) -> int:
        log = self.home / "state" / "logs" / f"{PROFILE}.log"
        return log.read_text(errors="replace").count("POST /v1/chat/completions")


def _red_top(width: int, height: int) -> Image.Image:
    image = Image.new("RGB", (width, height), (255, 255, 255))
    image.paste((255, 0, 0), (0, 0, width, height // 2))
    return image


def _draw_pictures(folder: Path) -> None:
    Image.new("RGB", (640, 480), (255, 0, 0)).save(folder / "red.jpg", "JPEG", quality=90)
    Image.new("RGB", (640, 480), (0, 0, 255)).save(folder / "blue.png", "PNG")
    # A portrait photo as a camera stores it: pixels turned a quarter left, EXIF says "turn right".
    upright = _red_top(480, 640)
    stored = upright.transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    stored.save(folder / "rotated.jpg", "JPEG", quality=90, exif=exif)
    stored.save(folder / "stored-pixels.jpg", "JPEG", quality=90)
    damaged = (folder / "red.jpg").read_bytes()
    (folder / "damaged.jpg").write_bytes(damaged[: len(damaged) // 2])


def _cli(home: Path, *args: str) -> Any:
    return run_mlxchat(home, *args, timeout=300)


def _multimodal_server() -> Path:
    """The multimodal-capable mlx-openai-server; fail (CI) or skip (elsewhere) when it is missing."""
    if not sys.platform.startswith("linux"):
        pytest.skip("the working mlx-openai-server multimodal set is pinned for Linux only")
    if MULTIMODAL_SERVER.is_file():
        return MULTIMODAL_SERVER
    reason = f"{MULTIMODAL_SERVER.relative_to(REPO)} is missing: run `make install`"
    if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
        pytest.fail(reason)
    pytest.skip(reason)


def _add_profile(home: Path, server: str, model: Path) -> list[str]:
    """Adds the profile; returns how its server's command line starts (after the interpreter)."""
    if server == MLX_VLM:
        added = _cli(home, "profile", "add", PROFILE, "--server", "mlx-vlm", "--model-path", str(model))
        assert added.returncode == 0, added.stderr
        assert "model type: multimodal (detected from config.json)" in added.stderr
        return ["-m", "mlx_vlm.server"]
    executable = str(_multimodal_server())
    template = shlex.quote(executable) + " launch --model-path {model_path} --model-type multimodal"
    template += " --host {host} --port {port} --no-log-file"
    added = _cli(
        home, "profile", "add", PROFILE, "--server", "command", "--model-path", str(model),
        "--model-type", "multimodal", "--command", template,
        "--temperature", "0",  # it samples at 1.0 unless told (it reads no do_sample: false)
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    return [executable, "launch"]


@pytest.fixture(scope="module", params=[MLX_VLM, OPENAI_SERVER])
def vlm(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[VlmServer]:
    server: str = request.param
    model = tiny_vlm_dir()
    assert (model / "model.safetensors").is_file(), (
        "the tiny vision model is missing (tools/make_tiny_vlm.py)"
    )
    home = tmp_path_factory.mktemp(f"{server}-home")
    pictures = tmp_path_factory.mktemp("vlm-pictures")
    _draw_pictures(pictures)
    argv_start = _add_profile(home, server, model)
    started = _cli(home, "start", PROFILE, "--timeout", START_TIMEOUT)
    log = home / "state" / "logs" / f"{PROFILE}.log"
    assert started.returncode == 0, started.stderr + "\n" + log.read_text(errors="replace")
    pid = json.loads(_cli(home, "status", "--json").stdout)[0]["pid"]
    cmdline = psutil.Process(pid).cmdline()
    assert cmdline[1:3] == argv_start, cmdline
    if server == MLX_VLM:
        assert cmdline[0] == sys.executable  # mlxchat's own Python
    tracked = group_and_tree(pid)
    yield VlmServer(home, pictures, pid)
    stopped = _cli(home, "stop", PROFILE)
    assert stopped.returncode == 0, stopped.stderr
    assert alive(tracked) == []
    assert json.loads(_cli(home, "status", "--json").stdout)[0]["state"] == "stopped"


def test_a_red_jpeg_answers_red_with_the_thinking_apart(vlm: VlmServer) -> None:
    result = vlm.chat("What colour is this?", "--image", str(vlm.pictures / "red.jpg"))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "red\n"  # in a pipe only the answer goes to stdout
    assert "The image is red." in result.stderr


def test_a_blue_png_answers_blue_in_valid_events(vlm: VlmServer) -> None:
    result = vlm.chat("What colour is this?", "--image", str(vlm.pictures / "blue.png"), "--json")
    assert result.returncode == 0, result.stderr
    events = parse_ndjson(result.stdout)  # each one validated against docs/events.schema.json
    assert joined(events, "thinking").strip() == "The image is blue."
    assert joined(events, "response").strip() == "blue"
    done = events[-1]
    assert done["type"] == "done" and done["finish_reason"] == "stop"
    # mlx_vlm.server's input_tokens/output_tokens, under the protocol's names
    assert done["usage"]["prompt_tokens"] > 0 and done["usage"]["completion_tokens"] > 0


@only_mlx_vlm
def test_an_exif_rotated_photo_arrives_upright(vlm: VlmServer) -> None:
    upright = ImageOps.exif_transpose(Image.open(vlm.pictures / "rotated.jpg"))
    pixel = upright.getpixel((240, 60))
    assert isinstance(pixel, tuple) and pixel[0] > 200 and pixel[1] < 50  # red on top, once turned
    assert upright.size == (480, 640)
    turned = vlm.chat("Which side is red?", "--image", str(vlm.pictures / "rotated.jpg"))
    assert turned.returncode == 0, turned.stderr
    assert turned.stdout == "top\n"
    # The same pixels without the EXIF tag: the model reads position, so the answer differs.
    stored = vlm.chat("Which side is red?", "--image", str(vlm.pictures / "stored-pixels.jpg"))
    assert stored.stdout == "left\n"


@only_mlx_vlm
def test_two_images_send_the_last_and_say_so(vlm: VlmServer) -> None:
    red, blue = str(vlm.pictures / "red.jpg"), str(vlm.pictures / "blue.png")
    result = vlm.chat("What colour is this?", "--image", red, "--image", blue, "--json")
    assert result.returncode == 0, result.stderr
    events = parse_ndjson(result.stdout)
    start = events[0]
    assert [a["name"] for a in start["attachments"]] == [blue]
    assert start["warnings"] == [
        f"the mlx-vlm server uses only the last image of a request: sent {blue}, left out {red}"
    ]
    assert joined(events, "response").strip() == "blue"


@only_mlx_vlm
def test_a_damaged_image_is_refused_before_anything_is_sent(vlm: VlmServer) -> None:
    before = vlm.requests_seen()
    result = vlm.chat("What colour is this?", "--image", str(vlm.pictures / "damaged.jpg"))
    assert result.returncode == 2
    assert "damaged.jpg" in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""
    assert vlm.requests_seen() == before
