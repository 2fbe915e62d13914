"""The history never fails or slows a chat, and never loses what it holds: parallel chats, a full
disk, a damaged, locked or newer database, a directory that cannot be written, and a database made
by the first schema version (tests/data/history-v1.sql, written by mlxchat at schema version 1)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.chat_helpers import parse_ndjson
from tests.fixtures.common import REPO, RunCli
from tests.fixtures.standin import Standin
from tests.history_helpers import (
    chat,
    cli_process,
    conversations,
    db_path,
    echo_body,
    history_json,
    query,
    remote,
    show,
)

V1_DUMP = REPO / "tests" / "data" / "history-v1.sql"


def finish(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=120)
    return proc.returncode, out, err


def test_ten_parallel_chats_lose_no_row(run_here: RunCli, mlxchat_home: Path, server: Standin) -> None:
    name = remote(mlxchat_home, server, "think-content")
    # A new history: all ten create it at once.
    procs = [cli_process(mlxchat_home, "chat", name, f"question {i}") for i in range(10)]
    results = [finish(p) for p in procs]
    assert all(r == (0, "The answer is 4.\n", "Two plus two is four.\n\n") for r in results), results
    found = conversations(run_here)
    assert sorted(c["prompt"] for c in found) == sorted(f"question {i}" for i in range(10))

    # Ten more, all continuing one conversation: every turn is kept, numbered 2 to 11.
    cid = found[0]["id"]
    procs = [cli_process(mlxchat_home, "chat", name, f"follow-up {i}", "--cid", cid) for i in range(10)]
    assert all(finish(p)[0] == 0 for p in procs)
    turns = show(run_here, cid)["turns"]
    assert [t["turn"] for t in turns] == list(range(1, 12))
    assert sorted(t["prompt"] for t in turns[1:]) == sorted(f"follow-up {i}" for i in range(10))
    assert query(mlxchat_home, "PRAGMA integrity_check") == [("ok",)]


def _wal_bytes(home: Path) -> int:
    wal = db_path(home).with_name("history.db-wal")
    return wal.stat().st_size if wal.exists() else 0


def test_a_chat_that_leaves_a_large_wal_copies_it_into_the_database(
    run_here: RunCli, mlxchat_home: Path, server: Standin
) -> None:
    """Every command is the first to open the history, and SQLite reads the whole WAL then: a chat
    leaves it small (copying it into the database past 2 MB), not once per chat."""
    name = remote(mlxchat_home, server, "think-content")
    assert chat(run_here, name, "first").returncode == 0
    path = db_path(mlxchat_home)
    reader = sqlite3.connect(f"file:{path}?mode=ro", uri=True)  # the writer is not the last to close
    reader.execute("PRAGMA schema_version").fetchone()
    writer = sqlite3.connect(path)
    writer.execute("PRAGMA wal_autocheckpoint = 0")
    with writer:
        rows = [(f"{i:064x}", os.urandom(1 << 20)) for i in range(3)]
        writer.executemany("INSERT INTO blobs (sha256, data) VALUES (?, ?)", rows)
    writer.close()
    reader.close()
    assert _wal_bytes(mlxchat_home) > 3 << 20
    assert chat(run_here, name, "second").returncode == 0
    assert _wal_bytes(mlxchat_home) == 0
    assert chat(run_here, name, "third").returncode == 0
    assert 0 < _wal_bytes(mlxchat_home) < 1 << 20  # a small WAL stays: no copy in every chat
    assert [c["prompt"] for c in conversations(run_here)] == ["third", "second", "first"]


def test_a_full_disk_warns_once_and_the_answer_is_still_written(
    run_here: RunCli, mlxchat_home: Path, server: Standin
) -> None:
    name = remote(mlxchat_home, server, "think-content")
    assert chat(run_here, name, "kept").returncode == 0
    files = list(db_path(mlxchat_home).parent.glob("history.db*"))
    biggest = max(f.stat().st_size for f in files)
    code, out, err = finish(cli_process(mlxchat_home, "chat", name, "not kept", file_limit=biggest))
    assert (code, out) == (0, "The answer is 4.\n")
    warnings = [line for line in err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "not kept in the history" in warnings[0], err
    assert str(db_path(mlxchat_home)) in warnings[0]
    # Nothing half-written: the database holds the first turn and is sound.
    assert [c["prompt"] for c in conversations(run_here)] == ["kept"]
    assert query(mlxchat_home, "PRAGMA integrity_check") == [("ok",)]
    assert chat(run_here, name, "kept again").returncode == 0
    assert len(conversations(run_here)) == 2


def test_a_damaged_database_is_never_overwritten(
    run_here: RunCli, mlxchat_home: Path, server: Standin
) -> None:
    name = remote(mlxchat_home, server, "think-content")
    path = db_path(mlxchat_home)
    path.parent.mkdir(parents=True)
    garbage = b"this is not a database, but someone's file\n" * 200
    path.write_bytes(garbage)
    result = chat(run_here, name, "hi")
    assert (result.returncode, result.stdout) == (0, "The answer is 4.\n")
    assert result.stderr.count("warning:") == 1
    assert (
        f"the history database {path} is damaged" in result.stderr
        and "mlxchat leaves it as it is" in result.stderr
    )
    assert f"mv '{path}' '{path}.damaged'" in result.stderr
    for args in (("history", "list"), ("history", "search", "hi"), ("chat", name, "more", "-c")):
        refused = run_here(*args, input="")
        assert (
            refused.returncode == 2 and "is damaged" in refused.stderr and "Traceback" not in refused.stderr
        )
    assert path.read_bytes() == garbage
    assert sorted(p.name for p in path.parent.iterdir()) == ["history.db"]

    # Moved aside as the hint says, a new history starts.
    path.rename(path.with_name("history.db.damaged"))
    assert chat(run_here, name, "hi").returncode == 0
    assert len(conversations(run_here)) == 1


def test_a_database_damaged_inside_is_left_as_it_is(
    run_here: RunCli, mlxchat_home: Path, server: Standin
) -> None:
    name = remote(mlxchat_home, server, "think-content")
    for i in range(20):
        assert chat(run_here, name, f"turn {i} " + "padding " * 200).returncode == 0
    path = db_path(mlxchat_home)
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page = con.execute("PRAGMA page_size").fetchone()[0]
    con.close()
    data = bytearray(path.read_bytes())
    for offset in range(2 * page, len(data), page):  # every page after the first two
        data[offset : offset + 100] = b"\xff" * 100
    path.write_bytes(bytes(data))
    result = chat(run_here, name, "after the damage")
    assert (result.returncode, result.stdout) == (0, "The answer is 4.\n")
    assert "is damaged" in result.stderr and result.stderr.count("warning:") == 1
    assert path.read_bytes() == bytes(data)


def test_a_locked_database_warns_and_the_chat_ends(
    run_here: RunCli, mlxchat_home: Path, server: Standin
) -> None:
    name = remote(mlxchat_home, server, "think-content")
    assert chat(run_here, name, "first").returncode == 0
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sqlite3, sys, time\n"
         "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
         "c.execute('BEGIN EXCLUSIVE'); print('locked', flush=True); time.sleep(60)\n",
         str(db_path(mlxchat_home))],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        result = chat(run_here, name, "second")
    finally:
        holder.kill()
        holder.wait()
    assert (result.returncode, result.stdout) == (0, "The answer is 4.\n")
    assert "locked by another program" in result.stderr and result.stderr.count("warning:") == 1
    assert [c["prompt"] for c in conversations(run_here)] == ["first"]


def test_a_directory_that_cannot_be_written(run_here: RunCli, mlxchat_home: Path, server: Standin) -> None:
    name = remote(mlxchat_home, server, "think-content")
    mlxchat_home.mkdir(parents=True, exist_ok=True)
    (mlxchat_home / "data").write_text("a file where the data directory should be")
    result = chat(run_here, name, "hi")
    assert (result.returncode, result.stdout) == (0, "The answer is 4.\n")
    assert "not kept in the history: cannot use the history database" in result.stderr
    assert result.stderr.count("warning:") == 1
    listed = run_here("history", "list", input="")
    assert listed.returncode == 0 and listed.stdout == ""


def test_a_database_of_a_newer_mlxchat_is_left_alone(
    run_here: RunCli, mlxchat_home: Path, server: Standin
) -> None:
    name = remote(mlxchat_home, server, "think-content")
    assert chat(run_here, name, "hi").returncode == 0
    con = sqlite3.connect(db_path(mlxchat_home))
    con.execute("PRAGMA user_version = 99")
    con.close()
    result = chat(run_here, name, "again")
    assert result.returncode == 0 and "made by a newer mlxchat (schema version 99" in result.stderr
    refused = run_here("history", "list", input="")
    assert refused.returncode == 2 and "newer mlxchat" in refused.stderr
    assert query(mlxchat_home, "SELECT COUNT(*) FROM responses") == [(1,)]


def _v1_database(home: Path) -> Path:
    path = db_path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path)
    con.executescript(V1_DUMP.read_text())
    assert con.execute("PRAGMA user_version").fetchone() == (1,)
    con.close()
    return path


def test_a_database_of_the_first_schema_version_is_migrated_with_a_backup(
    run_here: RunCli, mlxchat_home: Path, server: Standin
) -> None:
    path = _v1_database(mlxchat_home)
    found = conversations(run_here)
    assert [c["profile"] for c in found] == ["broken", "vlm", "vlm", "echo", "echo", "think"]
    (backup,) = path.parent.glob("history.db.v1-*.backup")
    assert backup.stat().st_mode & 0o777 == 0o600
    old = sqlite3.connect(backup)
    assert old.execute("PRAGMA user_version").fetchone() == (1,)
    assert old.execute("SELECT COUNT(*) FROM responses").fetchone() == (7,)
    old.close()
    assert query(mlxchat_home, "PRAGMA user_version") == [(2,)]
    conversations(run_here)
    assert len(list(path.parent.glob("history.db.v1-*.backup"))) == 1  # migrated once

    # What the first version kept reads, searches and continues as if kept now.
    hits = history_json(run_here, "search", "number", kind="search")
    assert {h["prompt"] for h in hits} == {"Remember the number 7.", "Which number did I give you?"}
    think = show(run_here, found[-1]["id"])
    assert think["turns"][0]["reasoning"] == "\nTwo plus two is four.\n"
    events = parse_ndjson(run_here("history", "show", found[-1]["id"], "--events", input="").stdout)
    assert "".join(e["content"] for e in events if e["type"] == "response") == "\n\nThe answer is 4."
    assert events[-1]["type"] == "done"  # one terminal event, last (checked by parse_ndjson)
    remote(mlxchat_home, server, "echo", system_prompt="Be brief.")
    body = echo_body(run_here, "echo", "And now?", "--cid", found[-2]["id"])
    assert [m["content"] for m in body["messages"] if m["role"] == "user"] == [
        "Remember the number 7.",
        "Which number did I give you?",
        "And now?",
    ]
    image_turn = echo_body(run_here, "echo", "Which colour?", "--cid", found[2]["id"])
    (part,) = [p for p in image_turn["messages"][0]["content"] if p["type"] == "image_url"]
    assert part["image_url"]["url"].startswith("data:image/png;base64,iVBORw0KGgo")


def test_two_first_openings_at_once_migrate_once(mlxchat_home: Path, server: Standin) -> None:
    _v1_database(mlxchat_home)
    procs = [cli_process(mlxchat_home, "history", "list", "--json") for _ in range(4)]
    results = [finish(p) for p in procs]
    assert all(code == 0 for code, _, _ in results), results
    assert all(len(json.loads(out)) == 6 for _, out, _ in results)
    assert len(list(db_path(mlxchat_home).parent.glob("history.db.v1-*.backup"))) == 1
