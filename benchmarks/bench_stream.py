"""Streaming: throughput in NDJSON mode, latency added per chunk, and the whole `mlxchat chat` command.

Goals (streaming issue), each against a baseline measured in the same run:
- NDJSON throughput against the stand-in's `fast` scenario (200,000 tiny chunks): at least 200,000
  events/s, and at least 60% of a bare loop (httpx `iter_lines` + orjson, one line per chunk, no
  mlxchat), both timed as whole processes writing to /dev/null.
- Latency added per chunk (the server's write to our stdout write): under 1 ms at the median.
- `mlxchat chat` against an instant local server, whole command: under 150 ms wall.
- The SSE decoder is linear in the size of an event, however many reads it arrives in: one event
  four times as large, in 1 KiB reads, costs about four times as long (a quadratic decoder: 16x).

With MLXCHAT_BENCH_AGAINST=DIR (benchmarks/against.py), throughput and the whole command are also
measured for another checkout, interleaved, and given as ratios.

Run on its own (`python benchmarks/bench_stream.py`) or through `benchmarks/run.py`.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import orjson

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script (python benchmarks/bench_x.py), not with -m
    sys.path.insert(0, str(REPO))

from benchmarks.against import ratio_line, sides  # noqa: E402
from benchmarks.timing import interleaved, median_ms  # noqa: E402

STANDIN = REPO / "tests" / "standin" / "server.py"
CHUNKS = 200_000

# The bare loop: what any client must do at least (read lines, parse, write one line per chunk).
BARE_LOOP = r"""
import sys, httpx, orjson
url, model = sys.argv[1], sys.argv[2]
out = sys.stdout.buffer
body = orjson.dumps({"model": model, "messages": [{"role": "user", "content": "hi"}], "stream": True})
with httpx.stream("POST", url, content=body, headers={"Content-Type": "application/json"}) as r:
    for line in r.iter_lines():
        if line.startswith("data: ") and line != "data: [DONE]":
            obj = orjson.loads(line[6:])
            for c in obj["choices"]:
                text = c["delta"].get("content")
                if text:
                    out.write(orjson.dumps({"type": "response", "content": text}) + b"\n")
                    out.flush() if len(text) > 1000 else None
out.flush()
"""


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def standin(*flags: str) -> Iterator[str]:
    """A stand-in server process; yields its base URL."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, str(STANDIN), "--port", str(port), *flags],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/v1/models", timeout=0.5)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("stand-in did not start") from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        proc.kill()
        proc.wait()


@contextmanager
def mlxchat_home(base_url: str, models: list[str]) -> Iterator[dict[str, str]]:
    """A throw-away MLXCHAT_HOME with one remote profile per stand-in scenario (named after it)."""
    import tomli_w

    with tempfile.TemporaryDirectory() as home:
        config = Path(home) / "config"
        config.mkdir()
        profiles = {m: {"server": "remote", "url": base_url, "model": m} for m in models}
        (config / "profiles.toml").write_text(tomli_w.dumps({"profiles": profiles}))
        yield {"MLXCHAT_HOME": home}


def throughput(runs: int) -> None:
    with standin("--chunks", str(CHUNKS)) as base_url, mlxchat_home(base_url, ["fast"]) as env:
        url = base_url + "/chat/completions"
        compared = sides("chat", "fast", "hi", "--json")
        cpu: dict[str, list[float]] = {}
        samples = interleaved(
            {
                "bare": [sys.executable, "-c", BARE_LOOP, url, "fast"],
                "mlxchat": [sys.executable, "-m", "mlxchat", "chat", "fast", "hi", "--json"],
                **(compared if "other" in compared else {}),
            },
            runs=runs,
            env=env,
            cpu=cpu,
        )
    bare, ours = statistics.median(samples["bare"]), statistics.median(samples["mlxchat"])
    print(
        f"throughput, {CHUNKS} chunks, NDJSON to /dev/null: mlxchat {CHUNKS / ours:,.0f} events/s "
        f"(median {ours * 1000:.0f} ms), bare loop {CHUNKS / bare:,.0f} chunks/s "
        f"(median {bare * 1000:.0f} ms); "
        f"mlxchat is {bare / ours:.0%} of the bare loop (goal: >= 200,000 events/s and >= 60%)"
    )
    if "other" in samples:
        theirs = statistics.median(samples["other"])
        print(f"the other checkout: {CHUNKS / theirs:,.0f} events/s, {bare / theirs:.0%} of the bare loop")
        print(ratio_line("throughput run", samples, cpu))


def _latencies(argv: list[str], env: dict[str, str]) -> list[float]:
    """Per chunk: the time a line reached us minus the time the server wrote the chunk (its content)."""
    proc = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, env={**os.environ, **env}, bufsize=0
    )
    assert proc.stdout is not None
    out = []
    for line in iter(proc.stdout.readline, b""):
        arrived = time.time()
        event = orjson.loads(line)
        if event.get("type") == "response":
            out.append(arrived - float(event["content"]))
    proc.wait()
    return out


def latency(chunks: int = 200, delay: float = 0.005) -> None:
    flags = ("--scenario", "timestamps", "--chunks", str(chunks), "--delay", str(delay))
    with standin(*flags) as base_url, mlxchat_home(base_url, ["timestamps"]) as env:
        url = base_url + "/chat/completions"
        ours = _latencies([sys.executable, "-m", "mlxchat", "chat", "timestamps", "hi", "--json"], env)
        bare = _latencies([sys.executable, "-u", "-c", BARE_LOOP.replace("if len(text) > 1000 else None", ""),
                           url, "timestamps"], env)  # fmt: skip
    ours_ms, bare_ms = median_ms(ours), median_ms(bare)
    print(
        f"latency, server write to reader, {chunks} chunks {delay * 1000:g} ms apart: mlxchat median "
        f"{ours_ms:.3f} ms, bare loop flushing every line {bare_ms:.3f} ms; "
        f"added by mlxchat {ours_ms - bare_ms:+.3f} ms (goal: whole path under 1 ms)"
    )


def whole_command(runs: int) -> None:
    args = ("chat", "think-content", "What is 2+2?", "--json")
    with standin() as base_url, mlxchat_home(base_url, ["think-content"]) as env:
        compared = sides(*args)
        cpu: dict[str, list[float]] = {}
        samples = interleaved(
            {
                "python": [sys.executable, "-c", "pass"],
                "version": [sys.executable, "-m", "mlxchat", "--version"],
                "typer": [sys.executable, "-c", "import typer.main"],
                "chat": [sys.executable, "-m", "mlxchat", *args],
                **(compared if "other" in compared else {}),
            },
            runs=runs,
            env=env,
            cpu=cpu,
        )
    chat = median_ms(samples["chat"])
    print(
        f"whole `mlxchat chat --json` against an instant server: median {chat:.1f} ms "
        f"(python -c pass {median_ms(samples['python']):.1f} ms, mlxchat --version "
        f"{median_ms(samples['version']):.1f} ms, python -c 'import typer.main' "
        f"{median_ms(samples['typer']):.1f} ms; goal: under 150 ms)"
    )
    if "other" in samples:
        print(ratio_line("whole `mlxchat chat --json`", samples, cpu))


def _decode_seconds(size: int, read: int) -> float:
    from mlxchat.chat.sse import SSEDecoder

    event = b"data: " + b"x" * size + b"\n\n"
    pieces = [event[i : i + read] for i in range(0, len(event), read)]
    started = time.perf_counter()
    decoder = SSEDecoder()
    for piece in pieces:
        decoder.feed(piece)
    decoder.finish()
    return time.perf_counter() - started


def decoder_linearity(runs: int) -> None:
    mib = 1024 * 1024
    small, large, whole = [], [], []
    for _ in range(runs):  # interleaved, so the machine's noise hits all three alike
        small.append(_decode_seconds(mib, 1024))
        large.append(_decode_seconds(4 * mib, 1024))
        whole.append(_decode_seconds(4 * mib, 8 * mib))
    small_ms, large_ms = median_ms(small), median_ms(large)
    print(
        f"SSE decoder, one event in 1 KiB reads: 1 MiB median {small_ms:.1f} ms, 4 MiB {large_ms:.1f} ms; "
        f"4x the size costs {large_ms / small_ms:.1f}x the time (goal: linear, about 4x; quadratic is 16x); "
        f"4 MiB in one read {median_ms(whole):.1f} ms"
    )


def main(runs: int = 5) -> None:
    throughput(runs)
    latency()
    whole_command(runs * 3)
    decoder_linearity(runs)


if __name__ == "__main__":
    main()
