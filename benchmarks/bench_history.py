"""The conversation history: what logging costs a chat, and how fast the history reads when large.

Goals (history issue), each measured in this run:
- `mlxchat chat --json` whole command with the history on: at most 1.05x the same command with
  `--no-log` (against the stand-in's instant `think-content` answer; interleaved runs).
- With 100,000 logged responses: `mlxchat history search WORD` and `mlxchat history list -n 20`
  at most 100 ms each, whole command. Beside them: `mlxchat --version` (answered without loading the
  command line) and `mlxchat profile names` (the command-line framework and a profile file, no
  history code): the floor any mlxchat command stands on.
- The database's size per 1,000 responses.

The large history is built through the code chats use (mlxchat.history.log), from synthetic turns:
a prompt of one sentence, reasoning of 4 and an answer of 8, from a Zipf-distributed vocabulary,
streamed one word per chunk, in conversations of 1 to 5 turns.

With MLXCHAT_BENCH_AGAINST=DIR (benchmarks/against.py), every command also runs from that other
checkout, interleaved with this one's (each checkout's chats in a history of their own; the large
history is built by this checkout and read by both), and the ratios between the two are printed.

Run: `python -m benchmarks.run history` (or `python benchmarks/bench_history.py [RESPONSES]`).
"""

from __future__ import annotations

import itertools
import os
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script (python benchmarks/bench_x.py), not with -m
    sys.path.insert(0, str(REPO))

from benchmarks.against import mlxchat_in, other_checkout, ratio_line  # noqa: E402
from benchmarks.bench_stream import mlxchat_home, standin  # noqa: E402
from benchmarks.timing import interleaved, median_ms  # noqa: E402

if TYPE_CHECKING:
    from mlxchat.history.log import ConversationLog

RESPONSES = 100_000
VOCABULARY = 6_000
RARE_RANK, COMMON_RANK = 3_000, 20


def _words(rng: random.Random) -> list[str]:
    """Pronounceable made-up words, the most frequent first; 'alpha' words are real query targets."""
    syllables = ["ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "de", "po", "an", "el", "or", "ix", "um"]
    seen: dict[str, None] = {}
    while len(seen) < VOCABULARY:
        seen["".join(rng.choice(syllables) for _ in range(rng.randint(1, 4)))] = None
    return list(seen)


def _sentences(rng: random.Random, words: list[str], count: int) -> list[str]:
    weights = list(itertools.accumulate(1.0 / (rank + 1) for rank in range(len(words))))
    out = []
    for _ in range(count):
        picked = rng.choices(words, cum_weights=weights, k=rng.randint(8, 20))
        out.append(" ".join(picked).capitalize() + ".")
    return out


def build(path: Path, responses: int, seed: int = 15) -> tuple[float, list[str]]:
    """Fill a history at ``path`` with ``responses`` turns; seconds taken, and the vocabulary."""
    from mlxchat.history.log import ConversationLog, HistoryWriter
    from mlxchat.profile import Profile

    rng = random.Random(seed)
    words = _words(rng)
    pool = _sentences(rng, words, 20_000)
    writer = HistoryWriter(lambda message: print(message, file=sys.stderr), path=path)
    profile = Profile(name="bench", server="remote", url="http://127.0.0.1:9/v1", model="m")
    started = time.perf_counter()
    done = 0
    with writer.held():
        while done < responses:
            log = ConversationLog(writer, profile)
            messages: list[dict[str, str]] = []
            for _ in range(min(rng.randint(1, 5), responses - done)):
                messages = _turn(log, messages, rng, pool)
                done += 1
    assert not writer.failed
    return time.perf_counter() - started, words


def _turn(
    log: ConversationLog, earlier: list[dict[str, str]], rng: random.Random, pool: list[str]
) -> list[dict[str, str]]:
    """Log one synthetic turn after ``earlier``; the messages the next turn sends before its prompt."""
    from mlxchat.chat.events import Done, Event, Response, Start, Thinking, ThinkingDone, Timing
    from mlxchat.chat.request import ChatRequest
    from mlxchat.chat.turn import TurnRecorder

    prompt = rng.choice(pool)
    reasoning = [w + " " for w in " ".join(rng.choices(pool, k=4)).split()]
    answer = [w + " " for w in " ".join(rng.choices(pool, k=8)).split()]
    messages = [*earlier, {"role": "user", "content": prompt}]
    body = {"model": "m", "messages": messages, "stream": True, "stream_options": {"include_usage": True}}
    request = ChatRequest("bench", "http://127.0.0.1:9/v1", body, False, False, prompt, 300.0)
    start = Start("bench", "m", request.request_id, "2026-01-02T03:04:05.678Z", request.url)
    usage = {"prompt_tokens": 30, "completion_tokens": len(answer), "total_tokens": 30 + len(answer)}
    end = Done("stop", usage, Timing(0.1, 0.5, 1.5, 40.0))
    events: list[Event] = [start, *map(Thinking, reasoning), ThinkingDone(0.5), *map(Response, answer), end]
    recorder = TurnRecorder()
    recorder.add(events)
    result = recorder.result(end, messages)
    log.record(request, result)
    return [*messages, {"role": "assistant", "content": result.answer.strip()}]


def _mlxchat(checkout: Path, home: str, *args: str) -> list[str]:
    """``python -m mlxchat ARGS`` from ``checkout``'s sources, with ``home`` as MLXCHAT_HOME."""
    return ["env", f"MLXCHAT_HOME={home}", *mlxchat_in(checkout, *args)]


def _sides() -> dict[str, Path]:
    """This checkout, and MLXCHAT_BENCH_AGAINST's when it is given (benchmarks/against.py)."""
    other = other_checkout()
    return {"this": REPO} if other is None else {"this": REPO, "other": other}


def _ms(samples: dict[str, list[float]], name: str) -> float:
    return median_ms(samples[name])


def chat_cost(runs: int) -> None:
    """History on against --no-log, for each checkout, each with a history of its own."""
    sides = _sides()
    cpu: dict[str, list[float]] = {}
    with standin() as base_url, ExitStack() as stack:
        commands: dict[str, Sequence[str]] = {}
        for side, checkout in sides.items():
            home = stack.enter_context(mlxchat_home(base_url, ["think-content"]))["MLXCHAT_HOME"]
            chat = _mlxchat(checkout, home, "chat", "think-content", "What is 2+2?", "--json")
            commands[f"{side} no-log"], commands[f"{side} history"] = [*chat, "--no-log"], chat
        wall = interleaved(commands, runs=runs, cpu=cpu)
    for side in sides:
        on, off = _ms(wall, f"{side} history"), _ms(wall, f"{side} no-log")
        cpu_on, cpu_off = _ms(cpu, f"{side} history"), _ms(cpu, f"{side} no-log")
        print(
            f"{side}: `mlxchat chat --json`, whole command: history on median {on:.1f} ms, --no-log "
            f"{off:.1f} ms: {on / off:.3f}x (goal: <= 1.05x); CPU {cpu_on:.1f} ms against "
            f"{cpu_off:.1f} ms: {cpu_on / cpu_off:.3f}x"
        )
    if "other" in sides:
        for mode in ("history", "no-log"):
            print(ratio_line(f"chat --json ({mode})", _pair(wall, mode), _pair(cpu, mode)))


def _pair(samples: dict[str, list[float]], name: str) -> dict[str, list[float]]:
    return {side: samples[f"{side} {name}"] for side in ("this", "other")}


def large_history(responses: int, runs: int) -> None:
    """list and search on a history of ``responses`` turns (built by this checkout; the other
    checkout must read the same schema version), against the floor of any mlxchat command."""
    sides = _sides()
    with tempfile.TemporaryDirectory() as home:
        db = Path(home) / "data" / "history.db"
        seconds, words = build(db, responses)
        size = sum(p.stat().st_size for p in db.parent.glob("history.db*"))
        print(
            f"built {responses:,} responses in {seconds:.1f} s; database {size / 1e6:.1f} MB, "
            f"{size / responses * 1000 / 1e6:.2f} MB per 1,000 responses"
        )
        rare, common = words[RARE_RANK], words[COMMON_RANK]
        commands: dict[str, Sequence[str]] = {
            "version": _mlxchat(REPO, home, "--version"),
            "names": _mlxchat(REPO, home, "profile", "names"),
        }
        two = [words[RARE_RANK // 3], words[COMMON_RANK * 5]]
        queries = {"list": [], "search-rare": [rare], "search-common": [common], "search-two": two}
        for side, checkout in sides.items():
            for name, query in queries.items():
                commands[f"{side} {name}"] = _mlxchat(checkout, home, *_READS[name], *query)
        cpu: dict[str, list[float]] = {}
        wall = interleaved(commands, runs=runs, cpu=cpu)
    print(
        f"floor: mlxchat --version median {_ms(wall, 'version'):.1f} ms (CPU {_ms(cpu, 'version'):.1f} ms), "
        f"mlxchat profile names {_ms(wall, 'names'):.1f} ms (CPU {_ms(cpu, 'names'):.1f} ms)"
    )
    for side in sides:
        for name, label in _LABELS.items():
            value, used = _ms(wall, f"{side} {name}"), _ms(cpu, f"{side} {name}")
            print(f"{side}: {label}: median {value:.1f} ms (goal <= 100 ms), CPU {used:.1f} ms")
    if "other" in sides:
        for name, label in _LABELS.items():
            print(ratio_line(label, _pair(wall, name), _pair(cpu, name)))


_READS = {
    "list": ("history", "list", "-n", "20"),
    "search-rare": ("history", "search"),
    "search-common": ("history", "search"),
    "search-two": ("history", "search"),
}
_LABELS = {
    "list": "history list -n 20",
    "search-rare": f"history search (a rare word, rank {RARE_RANK})",
    "search-common": f"history search (a common word, rank {COMMON_RANK})",
    "search-two": "history search (two words)",
}


def main(runs: int = 15) -> None:
    responses = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else RESPONSES
    chat_cost(runs * 2)
    large_history(responses, runs)


if __name__ == "__main__":
    os.environ.pop("MLXCHAT_HOME", None)
    main()
