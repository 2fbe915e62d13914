"""Helpers for batch tests: every result line a test sees is validated against
docs/batch-results.schema.json, and every ``--events`` line against docs/events.schema.json (with
the stream rules checked per request)."""

from __future__ import annotations

import json
import subprocess
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import httpx

from tests.chat_helpers import REPO, add_profile, check_events, schema_validator, validate_event
from tests.fixtures.common import RunCli
from tests.fixtures.standin import Standin

RESULTS_SCHEMA = REPO / "docs" / "batch-results.schema.json"
SHORT_KEYS = [
    "id", "line", "profile", "model", "answer", "reasoning", "tool_calls", "finish_reason",
    "usage", "timing", "attempts", "request_id", "warnings", "error",
]  # fmt: skip
OPENAI_KEYS = ["id", "custom_id", "response", "error"]


def check_result(obj: dict[str, Any]) -> dict[str, Any]:
    schema_validator(RESULTS_SCHEMA).validate(obj)
    keys = OPENAI_KEYS if "custom_id" in obj else SHORT_KEYS
    assert list(obj) == keys, f"keys {list(obj)} are not {keys}"
    return obj


def parse_results(text: str) -> list[dict[str, Any]]:
    """Result lines (stdout or a file), each whole and schema-valid."""
    assert text == "" or text.endswith("\n"), "a result line was cut short"
    return [check_result(json.loads(line)) for line in text.splitlines()]


def read_results(path: Path) -> list[dict[str, Any]]:
    return parse_results(path.read_text())


def result_id(obj: dict[str, Any]) -> Any:
    return obj["custom_id"] if "custom_id" in obj else obj["id"]


def ok(obj: dict[str, Any]) -> bool:
    return obj["error"] is None


def by_id(results: list[dict[str, Any]]) -> dict[Any, dict[str, Any]]:
    counts = Counter(result_id(r) for r in results)
    twice = [i for i, n in counts.items() if n > 1]
    assert not twice, f"ids with more than one result: {twice}"
    return {result_id(r): r for r in results}


def parse_batch_events(text: str) -> tuple[list[dict[str, Any]], dict[Any, list[dict[str, Any]]]]:
    """``--events`` output: the batch events, and each request's events (checked as one stream each;
    a request that could not be made is one error event)."""
    assert text == "" or text.endswith("\n"), "an event line was cut short"
    batch: list[dict[str, Any]] = []
    requests: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for line in text.splitlines():
        obj = validate_event(json.loads(line))
        if obj["type"] in ("batch_start", "batch_done"):
            assert "custom_id" not in obj
            batch.append(obj)
        else:
            requests[obj["custom_id"]].append(obj)
    for events in requests.values():
        if events[0]["type"] != "error":
            check_events(events)
        else:
            assert len(events) == 1, events
    return batch, dict(requests)


def remote(home: Path, server: Standin, name: str, scenario: str = "think-content", **fields: Any) -> str:
    add_profile(home, name, server="remote", url=server.base_url, model=scenario, **fields)
    return name


def batch(cli: RunCli, *args: str, input: str = "") -> subprocess.CompletedProcess[str]:
    # stdin is always given: an inherited stdin that never closes would be read forever.
    return cli("batch", *args, input=input, timeout=120)


def jsonl(*objs: Any) -> str:
    return "".join(json.dumps(o) + "\n" for o in objs)


def prompts(n: int, prefix: str = "q") -> str:
    """``n`` short-form lines, ids ``q0``, ``q1``, ..."""
    return jsonl(*({"id": f"{prefix}{i}", "prompt": f"question {i}"} for i in range(n)))


def happenings(server: Standin) -> list[str]:
    return list(httpx.get(f"http://127.0.0.1:{server.port}/standin/happenings", timeout=10).json())
