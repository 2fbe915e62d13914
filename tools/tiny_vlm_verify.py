"""Checks that the built tiny vision model answers every training example, greedily and exactly:
in-process with mlx-vlm's own loader, renderer and generator, then through a real
``python -m mlx_vlm.server`` over HTTP (the rendering a client really gets)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tools.tiny_vlm_data import MAX_ANSWER_TOKENS, Example, data_url, render, request_body

SERVER_READY_TIMEOUT = 180.0


def verify_in_process(model_dir: Path, examples_: list[Example], folder: Path) -> list[str]:
    from mlx_vlm.generate import generate
    from mlx_vlm.utils import load

    model, processor = load(str(model_dir))
    failures = []
    for example in examples_:
        prompt, template_kwargs = render(processor, model.config, str(model_dir), example, folder)
        result = generate(
            model,
            processor,
            prompt=prompt,
            image=[data_url(folder / example.picture.filename)],
            audio=[],
            max_tokens=MAX_ANSWER_TOKENS,
            temperature=0.0,
            verbose=False,
            **template_kwargs,
        )
        if result.text != example.answer:
            failures.append(f"in-process {describe(example)}: got {result.text!r}")
    return failures


def describe(example: Example) -> str:
    return f"{example.picture.filename} {example.prompt!r}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def verify_through_server(model_dir: Path, examples_: list[Example], folder: Path) -> list[str]:
    """Start mlx_vlm.server on the model, send every example as a client would, compare the answers."""
    import httpx

    port = free_port()
    with tempfile.TemporaryDirectory() as cache, tempfile.TemporaryFile() as log:
        command = [sys.executable, "-m", "mlx_vlm.server", "--model", str(model_dir)]
        command += ["--host", "127.0.0.1", "--port", str(port)]
        env = {**os.environ, "HF_HUB_CACHE": cache, "HF_HUB_OFFLINE": "1"}
        server = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60.0) as client:
                started = time.monotonic()
                wait_ready(client, server, log)
                print(f"mlx_vlm.server ready after {time.monotonic() - started:.1f} s", flush=True)
                return [
                    f"server {describe(example)}: got {answer!r}"
                    for example in examples_
                    if (answer := ask(client, str(model_dir), example, folder)) != example.answer
                ]
        finally:
            stop(server)


def wait_ready(client: Any, server: subprocess.Popen[bytes], log: Any) -> None:
    import httpx

    deadline = time.monotonic() + SERVER_READY_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            log.seek(0)
            raise SystemExit(f"mlx_vlm.server exited:\n{log.read().decode(errors='replace')[-3000:]}")
        try:
            if client.get("/health").json().get("loaded_model"):
                return
        except (httpx.TransportError, ValueError):
            pass
        time.sleep(0.2)
    raise SystemExit(f"mlx_vlm.server was not ready after {SERVER_READY_TIMEOUT:.0f} s")


def ask(client: Any, model: str, example: Example, folder: Path) -> str:
    response = client.post("/v1/chat/completions", json=request_body(model, example, folder))
    if response.status_code != 200:
        return f"HTTP {response.status_code}: {response.text[:200]}"
    content: str = response.json()["choices"][0]["message"]["content"]
    return content


def stop(server: subprocess.Popen[bytes]) -> None:
    for sig, timeout in ((signal.SIGINT, 10.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(server.pid, sig)
        except ProcessLookupError:
            break
        try:
            server.wait(timeout=timeout)
            break
        except subprocess.TimeoutExpired:
            continue
