"""``batch --log``: each request of a batch kept as a conversation of its own, by the history writer
chats use; only its last try (the one its result line reports), nothing without ``--log``."""

from __future__ import annotations

from pathlib import Path

from tests.batch_helpers import batch, happenings, jsonl, parse_results
from tests.fixtures.common import RunCli
from tests.fixtures.standin import Standin, StartStandin
from tests.history_helpers import chat, cli_process, conversations, history_json, query, remote, show

LINES = jsonl(
    {"id": "a", "prompt": "what is two plus two"},
    {"id": "b", "messages": [{"role": "user", "content": "and three plus three"}], "system": "Be brief."},
    {
        "custom_id": "c",
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {"messages": [{"role": "system", "content": "Terse."}, {"role": "user", "content": "four?"}]},
    },
)


def test_batch_keeps_nothing_without_log(run_here: RunCli, mlxchat_home: Path, server: Standin) -> None:
    name = remote(mlxchat_home, server, "think-content")
    result = batch(run_here, name, input=LINES)
    assert result.returncode == 0, result.stderr
    assert not (mlxchat_home / "data").exists()


def test_batch_log_keeps_each_request_as_a_conversation(
    run_here: RunCli, mlxchat_home: Path, server: Standin
) -> None:
    name = remote(mlxchat_home, server, "think-content")
    result = batch(run_here, name, "--log", input=LINES + "not json\n")
    assert result.returncode == 6, result.stderr  # the bad line failed; it is no request
    assert len(parse_results(result.stdout)) == 4
    found = conversations(run_here)
    assert sorted(c["prompt"] for c in found) == ["and three plus three", "four?", "what is two plus two"]
    assert all(c["turns"] == 1 and c["status"] == "done" and c["profile"] == name for c in found)
    by_prompt = {c["prompt"]: show(run_here, c["id"])["turns"][0] for c in found}
    assert by_prompt["four?"]["system"] == "Terse."
    assert by_prompt["and three plus three"]["system"] == "Be brief."
    assert [t["answer"].strip() for t in by_prompt.values()] == ["The answer is 4."] * 3
    assert {t["reasoning"].strip() for t in by_prompt.values()} == {"Two plus two is four."}
    hits = history_json(run_here, "search", "three", kind="search")
    assert [h["prompt"] for h in hits] == ["and three plus three"]

    # A kept batch request continues like any chat.
    cid = next(c["id"] for c in found if c["prompt"] == "four?")
    assert chat(run_here, name, "five?", "--cid", cid).returncode == 0
    assert [t["prompt"] for t in show(run_here, cid)["turns"]] == ["four?", "five?"]


def test_batch_log_keeps_the_last_try_of_each_request(
    run_here: RunCli, mlxchat_home: Path, start_standin: StartStandin
) -> None:
    flaky = start_standin("--fail-every", "3", "--fail-status", "503")
    name = remote(mlxchat_home, flaky, "think-content")
    lines = jsonl(*({"id": i, "prompt": f"question {i}"} for i in range(12)))
    result = batch(run_here, name, "-j", "3", "--log", input=lines)
    assert result.returncode == 0, result.stderr
    assert happenings(flaky).count("fail: 503") >= 4  # tries were retried...
    rows = query(mlxchat_home, "SELECT prompt, status FROM responses ORDER BY prompt")
    assert rows == sorted((f"question {i}", "done") for i in range(12))  # ...and only the last kept


def test_a_failed_batch_request_is_kept_with_its_error(
    run_here: RunCli, mlxchat_home: Path, start_standin: StartStandin
) -> None:
    down = start_standin("--fail-every", "1", "--fail-status", "503")
    name = remote(mlxchat_home, down, "think-content")
    result = batch(run_here, name, "--retries", "1", "--log", input=jsonl({"id": "x", "prompt": "hello"}))
    assert result.returncode == 6, result.stderr
    assert query(mlxchat_home, "SELECT prompt, status FROM responses") == [("hello", "http_error")]


def test_the_environment_and_the_setting_keep_a_logged_batch_out(
    run_here: RunCli, mlxchat_home: Path, server: Standin
) -> None:
    name = remote(mlxchat_home, server, "think-content")
    result = run_here("batch", name, "--log", input=LINES, env={"MLXCHAT_NO_HISTORY": "1"})
    assert result.returncode == 0, result.stderr
    assert not (mlxchat_home / "data").exists()
    assert run_here("history", "off", input="").returncode == 0
    assert batch(run_here, name, "--log", input=LINES).returncode == 0
    assert conversations(run_here) == []


def test_a_logged_batch_and_ten_chats_at_once_lose_no_row(
    run_here: RunCli, mlxchat_home: Path, server: Standin, tmp_path: Path
) -> None:
    name = remote(mlxchat_home, server, "think-content")
    lines = tmp_path / "lines.jsonl"
    lines.write_text(jsonl(*({"id": i, "prompt": f"batch {i}"} for i in range(60))))
    procs = [cli_process(mlxchat_home, "batch", name, "-j", "8", "--log", "-i", str(lines))]
    procs += [cli_process(mlxchat_home, "chat", name, f"chat {i}") for i in range(10)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err for _, err in outs]
    assert "not kept" not in "".join(err for _, err in outs)
    assert len(parse_results(outs[0][0])) == 60
    prompts = sorted(row[0] for row in query(mlxchat_home, "SELECT prompt FROM responses"))
    assert prompts == sorted([*(f"batch {i}" for i in range(60)), *(f"chat {i}" for i in range(10))])
    assert query(mlxchat_home, "PRAGMA integrity_check") == [("ok",)]


def test_a_full_disk_warns_once_and_the_batch_still_writes_every_result(
    run_here: RunCli, mlxchat_home: Path, server: Standin, tmp_path: Path
) -> None:
    name = remote(mlxchat_home, server, "think-content")
    assert chat(run_here, name, "kept").returncode == 0
    biggest = max(f.stat().st_size for f in (mlxchat_home / "data").glob("history.db*"))
    lines = tmp_path / "lines.jsonl"
    lines.write_text(jsonl(*({"id": i, "prompt": f"question {i}"} for i in range(20))))
    proc = cli_process(mlxchat_home, "batch", name, "--log", "-i", str(lines), file_limit=biggest)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert [r["answer"] for r in parse_results(out)] == ["The answer is 4."] * 20
    assert err.count("not kept in the history") == 1, err
    assert [c["prompt"] for c in conversations(run_here)] == ["kept"]
    assert query(mlxchat_home, "PRAGMA integrity_check") == [("ok",)]
