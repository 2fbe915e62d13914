"""``mlxchat history``: list, show (text, JSON, messages, events), search, rm, path, and shell
completion of conversation ids. Every ``--json`` output is checked against docs/history.schema.json;
the ``--messages`` and ``--events`` exports are fed back to ``chat --messages`` and ``render``."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.chat_helpers import parse_ndjson
from tests.fixtures.common import REPO, RunCli
from tests.fixtures.standin import Standin
from tests.history_helpers import (
    chat,
    conversations,
    db_path,
    echo_body,
    history_json,
    query,
    remote,
    show,
)


def test_list_newest_first_with_count_profile_and_text(
    run_here: RunCli, mlxchat_home: Path, server: Standin
) -> None:
    think, echo = remote(mlxchat_home, server, "think-content"), remote(mlxchat_home, server, "echo")
    empty = run_here("history", "list", input="")
    assert (empty.returncode, empty.stdout) == (0, "") and "no conversations" in empty.stderr
    assert history_json(run_here, "list", kind="list") == []  # no database yet: nothing is created
    assert not db_path(mlxchat_home).exists()

    for name, prompt in [(think, "first"), (echo, "second"), (think, "third")]:
        assert chat(run_here, name, prompt).returncode == 0
    assert [c["prompt"] for c in conversations(run_here)] == ["third", "second", "first"]
    assert [c["prompt"] for c in conversations(run_here, "--profile", think)] == ["third", "first"]
    two = history_json(run_here, "list", "-n", "2", kind="list")
    assert [c["prompt"] for c in two] == ["third", "second"]
    assert all(c["turns"] == 1 and c["status"] == "done" for c in two)

    text = run_here("history", "list", input="")
    lines = text.stdout.splitlines()
    assert len(lines) == 3 and lines[0].startswith(two[0]["id"]) and lines[0].endswith("third")
    assert think in lines[0] and "1 turn" in lines[0]
    assert run_here("history", "list", "--profile", "nobody", input="").stdout == ""


def test_show_text_and_json(run_here: RunCli, mlxchat_home: Path, server: Standin) -> None:
    name = remote(mlxchat_home, server, "think-content")
    chat(run_here, name, "What is 2+2?")
    chat(run_here, name, "And again?", "-c")
    chat(run_here, remote(mlxchat_home, server, "close-mid-stream"), "cut short")
    broken, good = conversations(run_here)
    text = run_here("history", "show", good["id"], input="").stdout
    assert text.startswith(f"conversation {good['id']} · {name} (remote, think-content) · 2 turns\n")
    assert "you: What is 2+2?\n(thought for " in text and text.count("The answer is 4.") == 2
    assert "Two plus two" not in text
    assert (
        "Two plus two is four." in run_here("history", "show", good["id"], "--show-thinking", input="").stdout
    )
    cut = run_here("history", "show", broken["id"], input="").stdout
    assert "stream_broken (partial answer)" in cut and "The answer is" in cut and "error: " in cut

    detail = show(run_here, good["id"][:20])
    assert [t["turn"] for t in detail["turns"]] == [1, 2] and detail["id"] == good["id"]
    only = history_json(run_here, "show", good["id"], "--turn", "2", kind="conversation")
    assert [t["prompt"] for t in only["turns"]] == ["And again?"]
    for args, message in [
        (("--turn", "3"), "has no turn 3"),
        (("--json", "--events"), "contradict"),
    ]:
        bad = run_here("history", "show", good["id"], *args, input="")
        assert bad.returncode == 2 and message in bad.stderr
    missing = run_here("history", "show", "0000000000", input="")
    assert missing.returncode == 2 and "no conversation '0000000000'" in missing.stderr


def test_an_ambiguous_start_of_an_id_is_refused(
    run_here: RunCli, mlxchat_home: Path, server: Standin
) -> None:
    name = remote(mlxchat_home, server, "think-content")
    chat(run_here, name, "one")
    chat(run_here, name, "two")
    first, second = (c["id"] for c in conversations(run_here))
    common = next(i for i in range(26) if first[i] != second[i])
    if common >= 4:  # made within the same few milliseconds: they share their start
        result = run_here("history", "show", first[:common], input="")
        assert result.returncode == 2 and "more than one conversation" in result.stderr


@pytest.mark.parametrize(
    ("scenario", "extra"),
    [
        ("think-content", ()),
        ("think-inline", ()),
        ("tool-call", ()),
        ("error-mid-stream", ()),
        ("close-mid-stream", ()),
        ("think-content", ("--no-think", "--max-tokens", "8")),
    ],
)
def test_events_round_trip_exactly(
    run_here: RunCli, mlxchat_home: Path, server: Standin, scenario: str, extra: tuple[str, ...]
) -> None:
    """``history show --events`` writes the very lines ``chat --json`` wrote, and ``render`` shows
    them as the chat did."""
    name = remote(mlxchat_home, server, scenario)
    live = chat(run_here, name, "What is 2+2?", "--json", *extra)
    text = chat(run_here, name, "What is 2+2?", "--format", "text", *extra)
    json_id, text_id = (c["id"] for c in reversed(conversations(run_here)))
    kept = run_here("history", "show", json_id, "--events", input="")
    assert kept.returncode == 0, kept.stderr
    assert kept.stdout == live.stdout
    parse_ndjson(kept.stdout)
    replayed = run_here(
        "render", "--format", "text", input=run_here("history", "show", text_id, "--events").stdout
    )
    assert (replayed.returncode, replayed.stdout, replayed.stderr) == (
        text.returncode,
        text.stdout,
        text.stderr,
    )


def test_events_of_a_chosen_turn(run_here: RunCli, mlxchat_home: Path, server: Standin) -> None:
    name = remote(mlxchat_home, server, "echo")
    first = chat(run_here, name, "one", "--json").stdout
    second = chat(run_here, name, "two", "-c", "--json").stdout
    cid = conversations(run_here)[0]["id"]
    assert run_here("history", "show", cid, "--events", input="").stdout == second
    assert run_here("history", "show", cid, "--events", "--turn", "1", input="").stdout == first


def test_messages_round_trip_exactly(
    run_here: RunCli, mlxchat_home: Path, server: Standin, tmp_path: Path
) -> None:
    """``history show --messages`` is what ``-c`` sends before its prompt: feeding it to
    ``chat --messages`` sends the same request."""
    name = remote(mlxchat_home, server, "echo", system_prompt="Be brief.")
    seed = tmp_path / "seed.ndjson"
    seed.write_text('{"role":"user","content":"Hello"}\n{"role":"assistant","content":"Hi."}\n')
    echo_body(run_here, name, "one", "--messages", str(seed))
    echo_body(run_here, name, "two", "-c")
    cid = conversations(run_here)[0]["id"]
    exported = run_here("history", "show", cid, "--messages", input="")
    assert exported.returncode == 0, exported.stderr
    saved = tmp_path / "talk.ndjson"
    saved.write_text(exported.stdout)

    via_file = echo_body(run_here, name, "three", "--messages", str(saved), "--no-log")
    via_continue = echo_body(run_here, name, "three", "-c")
    assert via_file == via_continue
    messages = [json.loads(line) for line in exported.stdout.splitlines()]
    assert messages == via_continue["messages"][:-1]
    assert [m["role"] for m in messages] == [
        "system",
        "user",
        "assistant",
        "user",
        "assistant",
        "user",
        "assistant",
    ]

    up_to_one = run_here("history", "show", cid, "--messages", "--turn", "1", input="").stdout
    assert [json.loads(line)["content"] for line in up_to_one.splitlines()][:4] == [
        "Be brief.",
        "Hello",
        "Hi.",
        "one",
    ]
    assert len(up_to_one.splitlines()) == 5


def _hit_text(hit: dict[str, Any]) -> list[str]:
    return [hit["snippet"][a:b] for a, b in hit["highlights"]]


def test_search_ranks_highlights_and_filters(run_here: RunCli, mlxchat_home: Path, server: Standin) -> None:
    echo = remote(mlxchat_home, server, "echo")
    think = remote(mlxchat_home, server, "think-content")
    chat(run_here, echo, "Tell me", "--system", "You know zebras.")  # zebras in the answer only
    chat(run_here, think, "Tell me about zebras")  # in the prompt only
    chat(run_here, echo, "Something about giraffes")  # the echo answer repeats the prompt
    chat(run_here, think, "Zebras and giraffes: which is taller?")

    hits = history_json(run_here, "search", "zebra", kind="search")  # stemmed: zebras matches zebra
    # A prompt's words weigh most: the answer-only match comes last.
    assert hits[-1]["prompt"] == "Tell me" and len(hits) == 3
    assert all(t.lower() == "zebras" for h in hits for t in _hit_text(h))
    assert [h["score"] for h in hits] == sorted(h["score"] for h in hits)

    both = history_json(run_here, "search", "zebras", "giraffes", kind="search")  # every word must appear
    assert [h["prompt"] for h in both] == ["Zebras and giraffes: which is taller?"]
    assert sorted(t.lower() for t in _hit_text(both[0])) == ["giraffes", "zebras"]
    only_echo = history_json(run_here, "search", "giraffes", "--profile", echo, kind="search")
    assert [h["profile"] for h in only_echo] == [echo]
    assert len(history_json(run_here, "search", "giraffes", "-n", "1", kind="search")) == 1
    reasoning = history_json(run_here, "search", "plus", kind="search")  # found in the reasoning
    assert len(reasoning) == 2 and all("plus" in h["snippet"].lower() for h in reasoning)

    text = run_here("history", "search", "zebras", "giraffes", input="").stdout
    assert "**Zebras** and **giraffes**" in text
    colored = run_here(
        "history", "search", "giraffes", "--profile", think, env={"FORCE_COLOR": "1"}, input=""
    )
    assert "\x1b[1;33mgiraffes\x1b[0m" in colored.stdout


def test_search_takes_any_text_and_fts_syntax_on_request(
    run_here: RunCli, mlxchat_home: Path, server: Standin
) -> None:
    name = remote(mlxchat_home, server, "think-content")
    chat(run_here, name, 'What is "2+2" (really)?')
    chat(run_here, name, "Tell me about zebras")
    for query_text in ['"2+2"', "(really)?", "what's", "AND", "NOT zebras", "zeb*"]:
        result = run_here("history", "search", query_text, input="")
        assert result.returncode == 0, (query_text, result.stderr)
    assert len(history_json(run_here, "search", "zeb*", kind="search")) == 1
    assert len(history_json(run_here, "search", "--fts", "zebras OR really", kind="search")) == 2
    assert len(history_json(run_here, "search", "--fts", "answer NOT zebras", kind="search")) == 1
    bad = run_here("history", "search", "--fts", "zebras AND (", input="")
    assert bad.returncode == 2 and "not a valid search" in bad.stderr and "Traceback" not in bad.stderr
    empty = run_here("history", "search", " ", input="")
    assert empty.returncode == 2 and "nothing to search for" in empty.stderr
    none = run_here("history", "search", "okapi", input="")
    assert (none.returncode, none.stdout) == (0, "") and "nothing in the history matches" in none.stderr


def test_rm_removes_whole_conversations_everywhere(
    run_here: RunCli, mlxchat_home: Path, server: Standin, tmp_path: Path
) -> None:
    from PIL import Image

    name = remote(mlxchat_home, server, "echo", model_type="multimodal")
    image = tmp_path / "dot.png"
    Image.new("RGB", (4, 4), "blue").save(image)
    echo_body(run_here, name, "okapi one", "--image", str(image), "--log-attachments")
    echo_body(run_here, name, "okapi two", "-c")
    echo_body(run_here, name, "zebra three")
    gone, kept = conversations(run_here)[1]["id"], conversations(run_here)[0]["id"]
    assert query(mlxchat_home, "SELECT COUNT(*) FROM blobs") == [(1,)]

    result = run_here("history", "rm", gone[:10], input="")
    assert result.returncode == 0 and f"removed conversation {gone} (2 turns)" in result.stderr
    assert [c["id"] for c in conversations(run_here)] == [kept]
    assert history_json(run_here, "search", "okapi", kind="search") == []
    assert query(mlxchat_home, "SELECT COUNT(*) FROM responses") == [(1,)]
    assert query(mlxchat_home, "SELECT COUNT(*) FROM blobs") == [(0,)]
    assert query(mlxchat_home, "SELECT COUNT(*) FROM attachments") == [(0,)]
    stored = b"".join(p.read_bytes() for p in db_path(mlxchat_home).parent.glob("history.db*"))
    assert b"okapi two" not in stored and b"zebra three" in stored  # overwritten, not just unlinked

    again = run_here("history", "rm", gone, kept, input="")
    assert again.returncode == 2 and "no conversation" in again.stderr
    assert [c["id"] for c in conversations(run_here)] == [kept]  # nothing removed when one id is wrong


def test_path_and_the_files_are_private(run_here: RunCli, mlxchat_home: Path, server: Standin) -> None:
    result = run_here("history", "path", input="")
    assert (result.returncode, result.stdout) == (0, f"{mlxchat_home / 'data' / 'history.db'}\n")
    chat(run_here, remote(mlxchat_home, server, "think-content"), "hi")
    data = mlxchat_home / "data"
    assert data.stat().st_mode & 0o777 == 0o700
    files = sorted(data.glob("history.db*"))
    assert next(f.name for f in files) == "history.db"
    assert all(f.stat().st_mode & 0o777 == 0o600 for f in files), [
        (f.name, oct(f.stat().st_mode)) for f in files
    ]


def test_a_home_whose_path_has_spaces_and_uri_characters(
    run_here: RunCli, tmp_path: Path, server: Standin
) -> None:
    home = tmp_path / "Application Support #1 ?x=y%20"
    env = {"MLXCHAT_HOME": str(home)}
    remote(home, server, "think-content")
    for prompt in ("one", "two"):
        assert run_here("chat", "think-content", prompt, env=env, input="").returncode == 0
    listed = run_here("history", "list", "--json", env=env, input="")
    assert [c["prompt"] for c in json.loads(listed.stdout)] == ["two", "one"]
    con = sqlite3.connect(home / "data" / "history.db")
    assert con.execute("SELECT prompt FROM responses ORDER BY id").fetchall() == [("one",), ("two",)]
    con.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == [home.name]  # nothing made beside it


def test_history_commands_load_no_http_or_rich_code(mlxchat_home: Path) -> None:
    import subprocess

    code = (
        "import sys\n"
        "from mlxchat.cli.app import run\n"
        "for argv in (['history', 'list'], ['history', 'search', 'x'], ['history', 'path']):\n"
        "    run(argv)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('httpx', 'rich', 'PIL')))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                            env={"MLXCHAT_HOME": str(mlxchat_home), "PATH": ""})  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.skipif(shutil.which("bash") is None, reason="no bash")
def test_bash_completes_conversation_ids(run_here: RunCli, mlxchat_home: Path, server: Standin) -> None:
    from tests.test_completions import bash_complete

    if not (Path(sys.executable).parent / "mlxchat").exists():
        pytest.skip("the mlxchat entry point is not installed beside this Python")
    name = remote(mlxchat_home, server, "think-content")
    chat(run_here, name, "one")
    chat(run_here, name, "two")
    ids = [c["id"] for c in conversations(run_here)]
    assert bash_complete("mlxchat history show ", mlxchat_home) == ids
    assert bash_complete(f"mlxchat history rm {ids[1][:-2]}", mlxchat_home) == [ids[1]]
    assert bash_complete(f"mlxchat chat {name} --cid ", mlxchat_home) == ids
    assert bash_complete("mlxchat history ", mlxchat_home) == [
        "list",
        "off",
        "on",
        "path",
        "rm",
        "search",
        "show",
    ]


PLAIN_FORMS = [
    ["history", "list"],
    ["history", "list", "-n", "1", "--json"],
    ["history", "list", "--profile", "think-content", "--count", "5"],
    ["history", "search", "answer"],
    ["history", "search", "answer", "--json", "-p", "think-content", "-n", "2"],
    ["history", "search", "answer OR nothing", "--fts", "--json"],
    ["history", "ids"],
]
"""What ``history`` forms the entry point runs without the command line (typer)."""
FULL_FORMS = [
    ["history", "list", "--count=1", "--json"],
    ["history", "list", "-n", "0"],
    ["history", "list", "extra"],
    ["history", "search"],
    ["history", "search", "x", "--help"],
]


def test_plain_reading_commands_answer_without_the_command_line_and_alike(
    run_cli: RunCli, run_here: RunCli, mlxchat_home: Path, server: Standin
) -> None:
    name = remote(mlxchat_home, server, "think-content")
    for prompt in ("one question", "another question"):
        assert chat(run_here, name, prompt).returncode == 0
    probe = (
        "import sys, runpy\n"
        "sys.argv = ['mlxchat', *sys.argv[1:]]\n"
        "try:\n"
        "    runpy.run_module('mlxchat', run_name='__main__')\n"
        "finally:\n"
        "    sys.stderr.write('typer loaded\\n' if 'typer' in sys.modules else '')\n"
    )
    env = {**os.environ, "MLXCHAT_HOME": str(mlxchat_home), "NO_COLOR": "1"}
    for argv in PLAIN_FORMS + FULL_FORMS:
        short = subprocess.run([sys.executable, "-c", probe, *argv], capture_output=True, text=True,
                               env=env, cwd=REPO, timeout=60)  # fmt: skip
        full = run_here(*argv, input="", env={"NO_COLOR": "1"})
        assert (short.returncode, short.stdout) == (full.returncode, full.stdout), argv
        typer_loaded = "typer loaded" in short.stderr
        assert typer_loaded == (argv in FULL_FORMS), argv
        assert short.stderr.replace("typer loaded\n", "") == full.stderr, argv

    # Failures are the command line's, messages and exit codes alike: a damaged database.
    for kept in db_path(mlxchat_home).parent.glob("history.db-*"):
        kept.unlink()  # its WAL: its pages would stand in for the damaged ones
    db_path(mlxchat_home).write_bytes(b"not a database" * 1000)
    for argv in (["history", "list"], ["history", "search", "x"]):
        short = run_cli(*argv, input="")
        full = run_here(*argv, input="")
        assert short.returncode == full.returncode == 2
        assert short.stderr == full.stderr and "damaged" in short.stderr
