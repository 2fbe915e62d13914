"""The tiny vision model under ``python -m mlx_vlm.server``: start-up and per-request time.

- start-up: from launch until ``/health`` names the loaded model, against the server module's
  import alone (``python -c "import mlx_vlm.server"``), interleaved;
- per request: one 640x480 JPEG and "What colour is this?", straight over HTTP (the server's own
  cost) and as a whole ``mlxchat chat --image`` process, against ``mlxchat --version`` (the CLI's
  start-up), interleaved.
"""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from PIL import Image

from benchmarks.timing import interleaved, median_ms, process_env, report, wall_time
from mlxchat.paths import tiny_vlm_dir
from tests.fixtures.common import free_port

READY_TIMEOUT = 180.0


def start_server(model: Path, port: int, cache: str) -> tuple[subprocess.Popen[bytes], float]:
    started = time.perf_counter()
    command = [sys.executable, "-m", "mlx_vlm.server", "--model", str(model)]
    command += ["--host", "127.0.0.1", "--port", str(port)]
    env = process_env({"HF_HUB_CACHE": cache, "HF_HUB_OFFLINE": "1"})
    server = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, start_new_session=True
    )
    with httpx.Client(timeout=5.0) as client:
        while time.perf_counter() - started < READY_TIMEOUT:
            if server.poll() is not None:
                raise SystemExit(f"mlx_vlm.server exited with {server.returncode}")
            try:
                if client.get(f"http://127.0.0.1:{port}/health").json().get("loaded_model"):
                    return server, time.perf_counter() - started
            except (httpx.TransportError, ValueError):
                pass
            time.sleep(0.05)
    stop_server(server)
    raise SystemExit("mlx_vlm.server was not ready in time")


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


def startup(model: Path, cache: str, runs: int) -> None:
    ready: list[float] = []
    imports: list[float] = []
    for _ in range(runs):
        imports.append(wall_time([sys.executable, "-c", "import mlx_vlm.server"]))
        server, seconds = start_server(model, free_port(), cache)
        stop_server(server)
        ready.append(seconds)
    print(report("mlx_vlm.server ready", ready, imports, "import mlx_vlm.server"))


def per_request(model: Path, cache: str, folder: Path, runs: int) -> None:
    port = free_port()
    server, _ = start_server(model, port, cache)
    try:
        picture = red_jpeg(folder)
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
        http = http[1:]  # the first request warms caches
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
    print(f"one image request over HTTP: median {median_ms(http):.1f} ms")
    print(report("mlxchat chat --image", samples["chat"], samples["version"], "mlxchat --version"))


def main(runs: int = 5) -> None:
    model = tiny_vlm_dir()
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "hf-cache"
        cache.mkdir()
        startup(model, str(cache), runs=3)
        per_request(model, str(cache), Path(tmp), runs=runs)


if __name__ == "__main__":
    main()
