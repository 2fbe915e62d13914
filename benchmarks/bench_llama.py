"""llama.cpp's llama-server on the tiny GGUF: its build, binary, start-up and per-request cost.

Figures, each against a baseline measured in the same run:
- the build (from the cache's build-info.json, written by tools/build_llama_server.py) and the
  binary's size;
- start-up: launching llama-server until `GET /health` answers 200, against launching the stand-in
  server (a small Python HTTP server) until it answers;
- one streamed "What is 2+2?" (temperature 0, the trained answer) over httpx, against the stand-in's
  instant `think-content` answer to the same request;
- the whole `mlxchat chat --json` command against each of the two.

Needs the built binary (`make llama-server`); says so and returns when it is missing.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script (python benchmarks/bench_x.py), not with -m
    sys.path.insert(0, str(REPO))

from benchmarks.bench_stream import STANDIN, free_port, mlxchat_home, standin  # noqa: E402
from benchmarks.timing import interleaved, median_ms  # noqa: E402
from mlxchat.paths import tiny_model_dir  # noqa: E402
from tools.build_llama_server import binary_path  # noqa: E402
from tools.tiny_gguf import GGUF_NAME  # noqa: E402

FLAGS = "--jinja --reasoning-format deepseek -c 1024 -np 1 -t 1 --no-webui --alias tiny-qwen3"
QUESTION = {"role": "user", "content": "What is 2+2?"}


def llama_command(port: int) -> list[str]:
    model = tiny_model_dir() / GGUF_NAME
    where = ["--host", "127.0.0.1", "--port", str(port)]
    return [str(binary_path()), "-m", str(model), *where, *shlex.split(FLAGS)]


def standin_command(port: int) -> list[str]:
    return [sys.executable, str(STANDIN), "--port", str(port)]


def time_to_ready(argv: list[str], url: str) -> float:
    """Seconds from launching ``argv`` until ``url`` answers 200; the process is then stopped."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with httpx.Client(timeout=1.0) as client:
            while True:
                try:
                    if client.get(url).status_code == 200:
                        return time.perf_counter() - started
                except httpx.TransportError:
                    pass
                if proc.poll() is not None:
                    raise RuntimeError(f"{argv[0]} exited with {proc.returncode}")
                time.sleep(0.005)
    finally:
        proc.terminate()
        proc.wait()


def startup(runs: int) -> None:
    llama, base = [], []
    for _ in range(runs):
        port = free_port()
        llama.append(time_to_ready(llama_command(port), f"http://127.0.0.1:{port}/health"))
        port = free_port()
        base.append(time_to_ready(standin_command(port), f"http://127.0.0.1:{port}/health"))
    print(
        f"start-up to /health 200: llama-server median {median_ms(llama):.0f} ms, "
        f"{median_ms(llama) / median_ms(base):.2f}x the stand-in server ({median_ms(base):.0f} ms)"
    )


@contextmanager
def llama_server() -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(llama_command(port), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time_to_health(port, proc)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        proc.terminate()
        proc.wait()


def time_to_health(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.02)
    raise RuntimeError("llama-server did not become ready")


def one_request(client: httpx.Client, base_url: str, model: str) -> float:
    body = {"model": model, "messages": [QUESTION], "stream": True, "temperature": 0}
    started = time.perf_counter()
    with client.stream("POST", f"{base_url}/chat/completions", json=body) as response:
        for _ in response.iter_bytes():
            pass
    return time.perf_counter() - started


def per_request(runs: int) -> None:
    with llama_server() as llama_url, standin() as standin_url, httpx.Client(timeout=30) as client:
        llama, base = [], []
        for _ in range(runs):
            llama.append(one_request(client, llama_url, "tiny-qwen3"))
            base.append(one_request(client, standin_url, "think-content"))
        print(
            f"one streamed 'What is 2+2?' (the trained answer, 31 tokens): llama-server median "
            f"{median_ms(llama):.1f} ms, {median_ms(llama) / median_ms(base):.2f}x the stand-in's "
            f"instant answer ({median_ms(base):.1f} ms)"
        )
        whole_command(llama_url, standin_url, runs)


def whole_command(llama_url: str, standin_url: str, runs: int) -> None:
    with mlxchat_home(llama_url, ["tiny-qwen3"]) as env:
        config = Path(env["MLXCHAT_HOME"]) / "config" / "profiles.toml"
        baseline = (
            f'[profiles.think-content]\nserver = "remote"\nurl = "{standin_url}"\nmodel = "think-content"\n'
        )
        config.write_text(config.read_text() + "\n" + baseline)
        chat = [sys.executable, "-m", "mlxchat", "chat"]
        samples = interleaved(
            {
                "llama": [*chat, "tiny-qwen3", "What is 2+2?", "--json", "-t", "0"],
                "standin": [*chat, "think-content", "What is 2+2?", "--json", "-t", "0"],
            },
            runs=runs,
            env=env,
        )
    ours, base = median_ms(samples["llama"]), median_ms(samples["standin"])
    print(
        f"whole `mlxchat chat --json` against llama-server: median {ours:.0f} ms, "
        f"{ours / base:.2f}x the same command against the stand-in ({base:.0f} ms)"
    )


def build_figures() -> None:
    binary = binary_path()
    info_file = binary.parent / "build-info.json"
    info = json.loads(info_file.read_text()) if info_file.exists() else {}
    built = "build time unknown"
    if info:
        built = f"built in {info['seconds'] / 60:.1f} min with {info['jobs']} jobs"
    print(f"llama-server: {binary.stat().st_size / 1e6:.1f} MB, {built} ({info.get('sdist', '?')})")


def main(runs: int = 15) -> None:
    if not binary_path().is_file():
        print(f"llama-server is not built (expected at {binary_path()}): run `make llama-server`")
        return
    build_figures()
    startup(max(5, runs // 2))
    per_request(runs)


if __name__ == "__main__":
    main()
