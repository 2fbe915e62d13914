"""``mlxchat batch``: throughput against a bare asyncio+httpx loop, fan-out over two servers, and
memory and speed on a long input of short requests.

Goals (batch issue), each against a baseline measured in the same run, whole processes timed:
- stand-in answering each request after 50 ms, 2,000 requests, ``-j 8``: ``mlxchat batch`` at least
  0.9x the throughput of a bare asyncio+httpx loop with 8 requests in flight (also reported: a bare
  loop of 8 threads sharing a sync httpx client, the harder baseline on a loaded machine);
- two such stand-ins (two profiles) against one, same ``-j``: at least 1.8x the throughput;
- 100,000 short requests to an instant stand-in: peak RSS that does not grow with the input
  (against 10,000), and at least 10x the requests/s of a shell loop of ``mlxchat chat`` calls.

Run on its own (``python benchmarks/bench_batch.py``) or through ``benchmarks/run.py``.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import orjson

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script (python benchmarks/bench_x.py), not with -m
    sys.path.insert(0, str(REPO))

from benchmarks.bench_stream import standin  # noqa: E402
from benchmarks.timing import interleaved, process_env  # noqa: E402

LATENCY = 0.05
REQUESTS = 2_000
JOBS = 8

# The bare loop: the least any client must do (send, read the stream, keep the answer, write a line).
BARE_LOOP = r"""
import asyncio, sys, httpx, orjson
url, model, n, jobs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
out = sys.stdout.buffer

async def one(client, slots, i):
    body = orjson.dumps({"model": model, "stream": True,
                         "messages": [{"role": "user", "content": f"question {i}"}]})
    async with slots:
        answer = []
        async with client.stream("POST", url, content=body,
                                 headers={"Content-Type": "application/json"}) as r:
            async for line in r.aiter_lines():
                if line.startswith("data: ") and line != "data: [DONE]":
                    for choice in orjson.loads(line[6:])["choices"]:
                        text = choice["delta"].get("content")
                        if text:
                            answer.append(text)
    out.write(orjson.dumps({"id": i, "answer": "".join(answer)}) + b"\n")
    out.flush()

async def main():
    slots = asyncio.Semaphore(jobs)
    limits = httpx.Limits(max_connections=jobs)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        await asyncio.gather(*(one(client, slots, i) for i in range(n)))

asyncio.run(main())
"""

# A second, harder baseline: the same work from `jobs` threads sharing one sync httpx client (on a
# loaded machine this beats the asyncio loop: less CPU per request). Reported beside the first.
BARE_THREADS = r"""
import sys, threading, httpx, orjson
url, model, n, jobs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
out, lock, numbers = sys.stdout.buffer, threading.Lock(), iter(range(n))
client = httpx.Client(timeout=60, limits=httpx.Limits(max_connections=jobs))

def work():
    while True:
        with lock:
            i = next(numbers, None)
        if i is None:
            return
        body = orjson.dumps({"model": model, "stream": True,
                             "messages": [{"role": "user", "content": f"question {i}"}]})
        answer = []
        with client.stream("POST", url, content=body, headers={"Content-Type": "application/json"}) as r:
            for line in r.iter_lines():
                if line.startswith("data: ") and line != "data: [DONE]":
                    for choice in orjson.loads(line[6:])["choices"]:
                        text = choice["delta"].get("content")
                        if text:
                            answer.append(text)
        with lock:
            out.write(orjson.dumps({"id": i, "answer": "".join(answer)}) + b"\n")
            out.flush()

threads = [threading.Thread(target=work) for _ in range(jobs)]
for t in threads:
    t.start()
for t in threads:
    t.join()
"""


@contextmanager
def home(urls: dict[str, str]) -> Iterator[dict[str, str]]:
    """A throw-away MLXCHAT_HOME with one remote profile per name (model think-content)."""
    import tomli_w

    with tempfile.TemporaryDirectory() as directory:
        config = Path(directory) / "config"
        config.mkdir()
        profiles = {
            name: {"server": "remote", "url": url, "model": "think-content"} for name, url in urls.items()
        }
        (config / "profiles.toml").write_text(tomli_w.dumps({"profiles": profiles}))
        yield {"MLXCHAT_HOME": directory}


def requests_file(directory: Path, count: int) -> Path:
    path = directory / f"requests-{count}.jsonl"
    with path.open("wb") as f:
        for i in range(count):
            f.write(orjson.dumps({"id": i, "prompt": f"question {i}"}) + b"\n")
    return path


def batch_argv(profiles: list[str], source: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "mlxchat", "batch", *profiles, "-i", str(source), "-o", str(out),
            "--overwrite", "-j", str(JOBS), "--quiet"]  # fmt: skip


def throughput(runs: int) -> None:
    with ExitStack() as stack, tempfile.TemporaryDirectory() as directory:
        first = stack.enter_context(standin("--latency", str(LATENCY)))
        second = stack.enter_context(standin("--latency", str(LATENCY)))
        env = stack.enter_context(home({"one": first, "two": second}))
        source, out = requests_file(Path(directory), REQUESTS), Path(directory) / "out.jsonl"
        bare_args = [first + "/chat/completions", "think-content", str(REQUESTS), str(JOBS)]
        samples = interleaved(
            {
                "bare": [sys.executable, "-c", BARE_LOOP, *bare_args],
                "threads": [sys.executable, "-c", BARE_THREADS, *bare_args],
                "one": batch_argv(["one"], source, out),
                "two": batch_argv(["one", "two"], source, out),
            },
            runs=runs,
            env=env,
        )  # fmt: skip
    bare, threads, one, two = (statistics.median(samples[k]) for k in ("bare", "threads", "one", "two"))
    print(
        f"{REQUESTS} requests, {LATENCY * 1000:g} ms each, -j {JOBS}: bare asyncio+httpx loop "
        f"{REQUESTS / bare:,.1f} req/s (median {bare:.2f} s), mlxchat batch {REQUESTS / one:,.1f} req/s "
        f"(median {one:.2f} s): {bare / one:.2f}x the bare loop (goal: >= 0.9x); bare threads+httpx "
        f"{REQUESTS / threads:,.1f} req/s (median {threads:.2f} s): {threads / one:.2f}x that"
    )
    print(
        f"two stand-ins vs one, -j {JOBS} each: {REQUESTS / two:,.1f} req/s (median {two:.2f} s), "
        f"{one / two:.2f}x one (goal: >= 1.8x)"
    )


def measured(argv: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of one run of a whole process."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=process_env(env))
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise RuntimeError(f"{argv[:5]} exited with {proc.returncode}")
    return time.perf_counter() - started, int(usage.ru_maxrss)


def long_input(small: int = 10_000, large: int = 100_000, loop_calls: int = 20) -> None:
    with ExitStack() as stack, tempfile.TemporaryDirectory() as directory:
        url = stack.enter_context(standin())
        env = stack.enter_context(home({"instant": url}))
        out = Path(directory) / "out.jsonl"
        runs = {
            n: measured(batch_argv(["instant"], requests_file(Path(directory), n), out), env)
            for n in (small, large)
        }
        loop = (
            f'for i in $(seq {loop_calls}); do {sys.executable} -m mlxchat chat instant "question $i" '
            ">/dev/null; done"
        )
        loop_wall, _ = measured(["bash", "-c", loop], env)
    small_rss, (large_wall, large_rss) = runs[small][1], runs[large]
    loop_rate, large_rate = loop_calls / loop_wall, large / large_wall
    print(
        f"peak RSS: {small:,} requests {small_rss / 1024:.1f} MiB, {large:,} requests "
        f"{large_rss / 1024:.1f} MiB ({(large_rss - small_rss) / 1024:+.1f} MiB for 10x the input; "
        "goal: no growth beyond the 16 bytes an id the duplicate check keeps)"
    )
    print(
        f"{large:,} short requests: {large_rate:,.0f} req/s ({large_wall:.1f} s); a shell loop of "
        f"`mlxchat chat`: {loop_rate:.1f} req/s; {large_rate / loop_rate:.0f}x (goal: >= 10x)"
    )


def main(runs: int = 3) -> None:
    throughput(runs)
    long_input()


if __name__ == "__main__":
    main()
