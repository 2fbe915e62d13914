"""Every string survives ``/save`` and ``--messages``: line and paragraph separators (U+2028, U+2029),
NEL (U+0085) and other characters that ``str.splitlines`` would break a line at, which JSON writers
leave raw inside strings.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson

from tests.chat_helpers import joined, parse_ndjson
from tests.fixtures.common import RunCli
from tests.fixtures.standin import Standin
from tests.interactive_helpers import ask, command, leave, remote, spawn

TRICKY = "one\u2028two\u2029three\x85four\x0bfive\x0csix\x1cseven\x1dend\x1e."
MESSAGES = [
    {"role": "system", "content": f"Be {TRICKY}"},
    {"role": "user", "content": TRICKY},
    {"role": "assistant", "content": f"Noted: {TRICKY}"},
]
AS_NDJSON = b"".join(orjson.dumps(m) + b"\n" for m in MESSAGES)
"""The messages as a JSON writer puts them in a file: U+2028 and the others raw inside strings."""


def sent_messages(run_cli: RunCli, name: str, *args: str) -> list[dict[str, Any]]:
    result = run_cli("chat", name, "next", *args, "--json", input="", timeout=60)
    assert result.returncode == 0, result.stderr
    body = json.loads(joined(parse_ndjson(result.stdout), "response"))
    messages: list[dict[str, Any]] = body["messages"]
    return messages


def test_messages_files_keep_every_character(
    run_cli: RunCli, mlxchat_home: Path, server: Standin, tmp_path: Path
) -> None:
    name = remote(mlxchat_home, server, "echo")
    ndjson = tmp_path / "talk.ndjson"
    ndjson.write_bytes(AS_NDJSON)
    assert "\u2028".encode() in AS_NDJSON
    as_array = tmp_path / "talk.json"
    as_array.write_bytes(orjson.dumps(MESSAGES))
    crlf = tmp_path / "talk-crlf.ndjson"
    crlf.write_bytes(AS_NDJSON.replace(b"\n", b"\r\n"))
    bom_ndjson, bom_array = tmp_path / "bom.ndjson", tmp_path / "bom.json"  # as Windows editors save
    bom_ndjson.write_bytes(b"\xef\xbb\xbf" + AS_NDJSON)
    bom_array.write_bytes(b"\xef\xbb\xbf" + orjson.dumps(MESSAGES))
    for path in (ndjson, as_array, crlf, bom_ndjson, bom_array):
        assert sent_messages(run_cli, name, "--messages", str(path)) == [
            *MESSAGES,
            {"role": "user", "content": "next"},
        ], path.name


def test_messages_on_stdin_may_start_with_a_byte_order_mark(
    run_cli: RunCli, mlxchat_home: Path, server: Standin
) -> None:
    name = remote(mlxchat_home, server, "echo")
    result = run_cli(
        "chat", name, "--messages", "-", "--json", input="\ufeff" + AS_NDJSON.decode(), timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(joined(parse_ndjson(result.stdout), "response"))["messages"] == MESSAGES


def test_a_saved_conversation_loads_back_whole(
    run_cli: RunCli, mlxchat_home: Path, server: Standin, tmp_path: Path
) -> None:
    name = remote(mlxchat_home, server, "echo")
    seed = tmp_path / "seed.ndjson"
    seed.write_bytes(AS_NDJSON)
    child = spawn(mlxchat_home, name, "--format", "text", "--messages", str(seed))
    first = ask(child, "go on")
    assert first["messages"][:3] == MESSAGES
    saved = tmp_path / "saved.ndjson"
    command(child, f"/save {saved}", "saved 5 messages")
    assert leave(child) == 0
    again = sent_messages(run_cli, name, "--messages", str(saved))
    assert again[:3] == MESSAGES
    assert [m["role"] for m in again] == ["system", "user", "assistant", "user", "assistant", "user"]
