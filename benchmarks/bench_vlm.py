"""The tiny vision model under ``python -m mlx_vlm.server`` and, where ``make install`` built the
multimodal set (``.venv-mm``), under mlx-openai-server's multimodal mode: start-up and per-request time.

- start-up: from launch until the server is ready (mlx_vlm.server: ``/health`` names the loaded
  model; mlx-openai-server: ``/health`` 200), against mlx_vlm.server's import alone
  (``python -c "import mlx_vlm.server"``), interleaved;
- per request: one 640x480 JPEG and "What colour is this?", straight over HTTP (the server's own
  cost) and, for mlx_vlm.server, as a whole ``mlxchat chat --image`` process, against
  ``mlxchat --version`` (the CLI's start-up), interleaved.
"""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
from PIL import Image

CHECKOUT = str(Path(__file__).resolve().parents[1])
if CHECKOUT not in sys.path:  # run as a script (python benchmarks/bench_x.py), not with -m
    sys.path.insert(0, CHECKOUT)

from benchmarks.timing import interleaved, median_ms, process_env, report, wall_time  # noqa: E402
from mlxchat.paths import tiny_vlm_dir  # noqa: E402
from tests.fixtures.common import REPO, free_port  # noqa: E402

READY_TIMEOUT = 180.0
HOST = "127.0.0.1"
MULTIMODAL_SERVER = REPO / ".venv-mm" / "bin" / "mlx-openai-server"


@dataclass(frozen=True)
class Server:
    name: str
    argv: Callable[[Path, int], list[str]]
    """The command line for a model directory and a port."""
    ready: Callable[[httpx.Response], bool]
    """Whether a ``/health`` answer says the server is ready."""


def _mlx_vlm_argv(model: Path, port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "mlx_vlm.server",
        "--model",
        str(model),
        "--host",
        HOST,
        "--port",
        str(port),
    ]


def _openai_server_argv(model: Path, port: int) -> list[str]:
    argv = [str(MULTIMODAL_SERVER), "launch", "--model-path", str(model), "--model-type", "multimodal"]
    return [*argv, "--host", HOST, "--port", str(port), "--no-log-file"]


MLX_VLM = Server("mlx_vlm.server", _mlx_vlm_argv, lambda health: bool(health.json().get("loaded_model")))
OPENAI_SERVER = Server(
    "mlx-openai-server (multimodal set)", _openai_server_argv, lambda health: health.status_code == 200
)


def start_server(kind: Server, model: Path, port: int, cache: str) -> tuple[subprocess.Popen[bytes], float]:
    started = time.perf_counter()
    env = process_env({"HF_HUB_CACHE": cache, "HF_HUB_OFFLINE": "1"})
    server = subprocess.Popen(
        kind.argv(model, port), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
        start_new_session=True,
    )  # fmt: skip
    with httpx.Client(timeout=5.0) as client:
        while time.perf_counter() - started < READY_TIMEOUT:
            if server.poll() is not None:
                raise SystemExit(f"{kind.name} exited with {server.returncode}")
            try:
                if kind.ready(client.get(f"http://127.0.0.1:{port}/health")):
                    return server, time.perf_counter() - started
            except (httpx.TransportError, ValueError):
                pass
            time.sleep(0.05)
    stop_server(server)
    raise SystemExit(f"{kind.name} was not ready in time")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    for sig, timeout in ((signal.SIGINT, 10.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(server.pid, sig)
            server.wait(timeout=timeout)
            return
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            continue


def red_jpeg(folder: Path) -> Path:
    path = folder / "red.jpg"
    Image.new("RGB", (640, 480), (255, 0, 0)).save(path, "JPEG", quality=90)
    return path


def startup(kinds: list[Server], model: Path, cache: str, runs: int) -> None:
    ready: dict[str, list[float]] = {kind.name: [] for kind in kinds}
    imports: list[float] = []
    for _ in range(runs):
        imports.append(wall_time([sys.executable, "-c", "import mlx_vlm.server"]))
        for kind in kinds:
            server, seconds = start_server(kind, model, free_port(), cache)
            stop_server(server)
            ready[kind.name].append(seconds)
    for name, times in ready.items():
        print(report(f"{name} ready", times, imports, "import mlx_vlm.server"))


def http_request_times(port: int, model: Path, picture: Path, runs: int) -> list[float]:
    """Seconds per image request straight over HTTP (after one that warms caches)."""
    url = "data:image/jpeg;base64," + base64.b64encode(picture.read_bytes()).decode()
    body = {
        "model": str(model),
        "max_tokens": 40,
        "temperature": 0.0,
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "image_url", "image_url": {"url": url}},
                    {"type": "text", "text": "What colour is this?"},
                ],
            }
        ],
    }
    http: list[float] = []
    with httpx.Client(timeout=60.0) as client:
        for _ in range(runs + 1):
            started = time.perf_counter()
            client.post(f"http://127.0.0.1:{port}/v1/chat/completions", json=body).raise_for_status()
            http.append(time.perf_counter() - started)
    return http[1:]


def per_request(kinds: list[Server], model: Path, cache: str, folder: Path, runs: int) -> None:
    picture = red_jpeg(folder)
    for kind in kinds[1:]:
        port = free_port()
        server, _ = start_server(kind, model, port, cache)
        try:
            http = http_request_times(port, model, picture, runs)
        finally:
            stop_server(server)
        print(f"{kind.name}: one image request over HTTP: median {median_ms(http):.1f} ms")
    port = free_port()
    server, _ = start_server(kinds[0], model, port, cache)
    try:
        http = http_request_times(port, model, picture, runs)
        home = {"MLXCHAT_HOME": str(folder / "home")}
        add = [sys.executable, "-m", "mlxchat", "profile", "add", "vlm", "--server", "remote"]
        add += ["--url", f"http://127.0.0.1:{port}/v1", "--model", str(model), "--model-type", "multimodal"]
        subprocess.run(add, env=process_env(home), check=True, capture_output=True)
        chat = [
            sys.executable,
            "-m",
            "mlxchat",
            "chat",
            "vlm",
            "What colour is this?",
            "--image",
            str(picture),
        ]
        samples = interleaved(
            {"version": [sys.executable, "-m", "mlxchat", "--version"], "chat": chat}, runs, home
        )
    finally:
        stop_server(server)
    print(f"{kinds[0].name}: one image request over HTTP: median {median_ms(http):.1f} ms")
    print(report("mlxchat chat --image", samples["chat"], samples["version"], "mlxchat --version"))


def main(runs: int = 5) -> None:
    model = tiny_vlm_dir()
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "hf-cache"
        cache.mkdir()
        kinds = [MLX_VLM, *([OPENAI_SERVER] if MULTIMODAL_SERVER.is_file() else [])]
        startup(kinds, model, str(cache), runs=3)
        per_request(kinds, model, str(cache), Path(tmp), runs=runs)


if __name__ == "__main__":
    main()
