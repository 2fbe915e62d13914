"""Helpers for the history tests: the CLI's history commands as parsed JSON (validated against
docs/history.schema.json), the database file, and stand-in profiles."""

from __future__ import annotations

import functools
import json
import os
import resource
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema

from tests.chat_helpers import add_profile, parse_ndjson
from tests.fixtures.common import REPO, RunCli
from tests.fixtures.standin import Standin

SCHEMA_FILE = REPO / "docs" / "history.schema.json"


@functools.cache
def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_FILE.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


def validate(kind: str, value: Any) -> Any:
    """``value`` checked against the schema's ``kind`` (list, conversation or search)."""
    schema = _schema()
    jsonschema.Draft202012Validator({"$ref": f"#/$defs/{kind}", "$defs": schema["$defs"]}).validate(value)
    return value


def history_json(cli: RunCli, *args: str, kind: str) -> Any:
    result = cli("history", *args, "--json", input="")
    assert result.returncode == 0, result.stderr
    return validate(kind, json.loads(result.stdout))


def conversations(cli: RunCli, *args: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = history_json(cli, "list", "-n", "1000", *args, kind="list")
    return found


def show(cli: RunCli, cid: str) -> dict[str, Any]:
    detail: dict[str, Any] = history_json(cli, "show", cid, kind="conversation")
    return detail


def latest(cli: RunCli) -> dict[str, Any]:
    """The conversation with the latest turn, in full."""
    found = conversations(cli)
    assert found, "the history is empty"
    return show(cli, found[0]["id"])


def db_path(home: Path) -> Path:
    return home / "data" / "history.db"


def db_files_bytes(home: Path) -> bytes:
    """Every byte of the database and its WAL and shared-memory files."""
    return b"".join(p.read_bytes() for p in sorted((home / "data").glob("history.db*")))


def query(home: Path, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    con = sqlite3.connect(db_path(home))
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def remote(home: Path, server: Standin, scenario: str, name: str | None = None, **fields: Any) -> str:
    name = name or scenario
    add_profile(home, name, **{"server": "remote", "url": server.base_url, "model": scenario, **fields})
    return name


def chat(cli: RunCli, *args: str, input: str = "") -> subprocess.CompletedProcess[str]:
    return cli("chat", *args, input=input, timeout=60)


def echo_body(cli: RunCli, *args: str, input: str = "") -> dict[str, Any]:
    """The request body an echo profile received (its answer), from ``chat --json``."""
    result = chat(cli, *args, "--json", input=input)
    assert result.returncode == 0, result.stderr
    events = parse_ndjson(result.stdout)
    body: dict[str, Any] = json.loads("".join(e["content"] for e in events if e["type"] == "response"))
    return body


def cli_process(home: Path, *args: str, file_limit: int | None = None) -> subprocess.Popen[str]:
    """The CLI as a child process, optionally with a file size limit (RLIMIT_FSIZE: a full disk)."""

    def limit() -> None:
        if file_limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_limit, file_limit))

    return subprocess.Popen(
        [sys.executable, "-m", "mlxchat", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "MLXCHAT_HOME": str(home), "PYTHONDONTWRITEBYTECODE": "1"},
        cwd=REPO,
        preexec_fn=limit,  # noqa: PLW1509 (only sets a resource limit)
    )
