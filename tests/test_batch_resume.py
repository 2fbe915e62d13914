"""Continuing an output file (``--resume``): which lines stay, which requests run again.

mlxchat.batch.resume works on real files in-process here (what a crash leaves behind is written by
hand, byte for byte); test_batch_signals.py proves the same through kill -9 of the real command.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlxchat.batch.resume import open_output
from mlxchat.errors import UsageError


def short(item_id: object, *, ok: bool) -> bytes:
    error = None if ok else {"code": "http_error", "message": "HTTP 500: no", "status": 500, "hint": None}
    return json.dumps({"id": item_id, "answer": "a" if ok else "", "error": error}).encode() + b"\n"


def openai(custom_id: str, *, status: int) -> bytes:
    response = {"status_code": status, "request_id": "r", "body": {}}
    error = None if status == 200 else {"code": "http_error", "message": "HTTP 500: no"}
    return (
        json.dumps(
            {"id": "batch_req_r", "custom_id": custom_id, "response": response, "error": error}
        ).encode()
        + b"\n"
    )


def event(kind: str, custom_id: object) -> bytes:
    return json.dumps({"type": kind, "custom_id": custom_id}).encode() + b"\n"


def resume(path: Path, *, events: bool = False) -> tuple[bytes, object]:
    handle, resumed = open_output(str(path), resume=True, overwrite=False, events=events)
    handle.close()
    return path.read_bytes(), resumed


def test_failed_results_and_a_cut_last_line_are_dropped(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    kept = [short("a", ok=True), short(2, ok=True), openai("c", status=200)]
    out.write_bytes(
        kept[0] + short("b", ok=False) + kept[1] + openai("d", status=500) + kept[2] + b'{"id": "e", "ans'
    )
    data, resumed = resume(out)
    assert data == b"".join(kept)
    assert (resumed.kept, resumed.dropped) == (3, 2)  # type: ignore[attr-defined]
    done = resumed.done  # type: ignore[attr-defined]
    assert b'"a"' in done and b"2" in done and b'"c"' in done
    assert b'"b"' not in done and b'"d"' not in done and b'"e"' not in done and b'"2"' not in done


def test_events_keep_whole_successful_blocks_only(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    good = event("start", "a") + event("response", "a") + event("done", "a")
    failed = event("start", "b") + event("error", "b")
    unfinished = event("start", "c") + event("response", "c")
    bad_line = event("error", 4)
    batch_start = b'{"type": "batch_start", "v": 1}\n'
    out.write_bytes(
        batch_start + good + failed + unfinished + bad_line + event("start", "d") + b'{"type": "res'
    )
    data, resumed = resume(out, events=True)
    assert data == good
    assert (resumed.kept, resumed.dropped) == (1, 4)  # type: ignore[attr-defined]


def test_a_file_of_another_kind_is_refused_untouched(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    results = short("a", ok=True)
    out.write_bytes(results)
    with pytest.raises(UsageError) as caught:
        resume(out, events=True)
    assert "holds results, not events" in caught.value.message and "without --events" in (
        caught.value.hint or ""
    )
    out.write_bytes(results + b'{"prompt": "an input line"}\n')
    with pytest.raises(UsageError) as caught:
        resume(out)
    assert "line 2 is not a batch result" in caught.value.message
    assert out.read_bytes() == results + b'{"prompt": "an input line"}\n'


def test_an_empty_or_missing_output_needs_no_flag(tmp_path: Path) -> None:
    for path in (tmp_path / "missing.jsonl", tmp_path / "empty.jsonl"):
        if path.name == "empty.jsonl":
            path.write_bytes(b"")
        handle, resumed = open_output(str(path), resume=False, overwrite=False, events=False)
        handle.close()
        assert path.exists() and resumed.kept == 0
