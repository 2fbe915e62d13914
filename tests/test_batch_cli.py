"""``mlxchat batch`` against the stand-in server: both input forms, bad lines, fan-out, retries,
a server that dies mid-batch, resume, ordering, ``--events``.

Output cases run the CLI in-process (``run_here``: the same boundary and exit codes); pipes that
close and Ctrl-C run it as a real process (test_batch_signals.py). Every result line is validated
against docs/batch-results.schema.json, every event against docs/events.schema.json.
"""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from tests.batch_helpers import (
    batch,
    by_id,
    happenings,
    jsonl,
    ok,
    parse_batch_events,
    parse_results,
    prompts,
    read_results,
    remote,
)
from tests.chat_helpers import add_profile
from tests.fixtures.common import RunCli
from tests.fixtures.standin import Standin, StartStandin
from tests.test_batch_input import OPENAI_DOC_LINES, VLLM_DOC_LINES

ANSWER = "The answer is 4."
REASONING = "Two plus two is four."


def answered_by(result: subprocess.CompletedProcess[str], count: int) -> Counter[str]:
    """How many requests each profile answered, once every one of ``count`` ids has a success."""
    assert result.returncode == 0, result.stderr
    results = by_id(parse_results(result.stdout))
    assert len(results) == count and all(ok(r) for r in results.values())
    return Counter(r["profile"] for r in results.values())


def test_short_form_gives_one_result_per_line(run_here: RunCli, mlxchat_home: Path, server: Standin) -> None:
    name = remote(mlxchat_home, server, "p")
    lines = jsonl(
        {"id": "a", "prompt": "What is 2+2?"},
        {"id": "b", "messages": [{"role": "user", "content": "What is 2+2?"}], "system": "Be brief."},
        {"prompt": "What is 2+2?", "max_tokens": 5, "temperature": 0.5, "no_think": True},
    )
    result = batch(run_here, name, input=lines)
    assert result.returncode == 0, result.stderr
    results = by_id(parse_results(result.stdout))
    assert set(results) == {"a", "b", 3}
    for r in results.values():
        assert ok(r) and r["answer"] == ANSWER and r["reasoning"] == REASONING
        assert r["profile"] == name and r["model"] == "think-content" and r["attempts"] == 1
        assert r["usage"] == {"prompt_tokens": 12, "completion_tokens": 9, "total_tokens": 21}
        assert r["finish_reason"] == "stop" and r["timing"]["total"] >= 0
    assert results[3]["line"] == 3
    assert "batch: 3 ok, 0 failed, 0 retried" in result.stderr


@pytest.mark.parametrize("text", [False, True])
def test_an_input_file_may_start_with_a_byte_order_mark(
    run_cli: RunCli, mlxchat_home: Path, server: Standin, tmp_path: Path, text: bool
) -> None:
    """As Windows editors save UTF-8: the mark is skipped, the first line is a good request."""
    name = remote(mlxchat_home, server, "p", scenario="echo")
    lines = "question 0\nquestion 1\n" if text else prompts(2)
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + lines.encode())
    result = batch(run_cli, name, "-i", str(path), *(["--text"] if text else []))
    assert sum(answered_by(result, 2).values()) == 2
    assert set(by_id(parse_results(result.stdout))) == ({1, 2} if text else {"q0", "q1"})
    assert {"echo: question 0", "echo: question 1"} <= set(happenings(server))  # no mark in a prompt


def test_options_and_line_options_reach_the_request(
    run_here: RunCli, mlxchat_home: Path, server: Standin
) -> None:
    name = remote(mlxchat_home, server, "p", "echo", max_tokens=100)
    lines = jsonl(
        {"id": "line", "prompt": "hi", "max_tokens": 5, "no_think": True}, {"id": "cli", "prompt": "hi"}
    )
    result = batch(run_here, name, "--system", "Be brief.", "--temperature", "0", input=lines)
    assert result.returncode == 0, result.stderr
    sent = {r["id"]: json.loads(r["answer"]) for r in parse_results(result.stdout)}
    assert sent["line"]["max_tokens"] == 5 and sent["cli"]["max_tokens"] == 100
    assert sent["line"]["chat_template_kwargs"] == {"enable_thinking": False}
    assert "chat_template_kwargs" not in sent["cli"]
    for body in sent.values():
        assert body["messages"][0] == {"role": "system", "content": "Be brief."}
        assert body["temperature"] == 0 and body["stream"] is True


@pytest.mark.parametrize("doc", [OPENAI_DOC_LINES, VLLM_DOC_LINES], ids=["openai", "vllm"])
def test_openai_batch_lines_give_openai_batch_output(
    run_here: RunCli, mlxchat_home: Path, start_standin: StartStandin, doc: list[dict[str, object]]
) -> None:
    # The lines name models the stand-in does not know: it answers them with its --scenario.
    name = remote(mlxchat_home, start_standin("--scenario", "echo"), "p")
    result = batch(run_here, name, input=jsonl(*doc))
    assert result.returncode == 0, result.stderr
    results = by_id(parse_results(result.stdout))
    assert set(results) == {"request-1", "request-2"}
    for line in doc:
        out = results[line["custom_id"]]
        assert out["id"].startswith("batch_req_") and out["error"] is None
        response = out["response"]
        assert response["status_code"] == 200 and response["request_id"]
        completion = response["body"]
        assert (
            completion["object"] == "chat.completion" and completion["choices"][0]["finish_reason"] == "stop"
        )
        sent = json.loads(completion["choices"][0]["message"]["content"])
        body = dict(line["body"])  # type: ignore[call-overload]
        # Sent as given, model included; streaming is mlxchat's business.
        assert sent == {**body, "stream": True, "stream_options": {"include_usage": True}}
        assert completion["model"] == body["model"]


def test_openai_answer_has_content_and_reasoning_content(
    run_here: RunCli, mlxchat_home: Path, server: Standin
) -> None:
    name = remote(mlxchat_home, server, "p", "think-reasoning")
    line = {"custom_id": "r", "body": {"messages": [{"role": "user", "content": "What is 2+2?"}]}}
    result = batch(run_here, name, input=jsonl(line))
    (out,) = parse_results(result.stdout)
    body = out["response"]["body"]
    message = body["choices"][0]["message"]
    assert message["content"].strip() == ANSWER and message["reasoning_content"].strip() == REASONING
    assert body["model"] == "think-reasoning"  # the profile's model: the body named none
    assert body["usage"] == {"prompt_tokens": 12, "completion_tokens": 9, "total_tokens": 21}


def test_profile_model_replaces_the_model_the_lines_name(
    run_here: RunCli, mlxchat_home: Path, server: Standin
) -> None:
    name = remote(mlxchat_home, server, "p", "echo")
    result = batch(run_here, name, "--profile-model", input=jsonl(*OPENAI_DOC_LINES))
    for out in parse_results(result.stdout):
        assert json.loads(out["response"]["body"]["choices"][0]["message"]["content"])["model"] == "echo"


def test_text_input_numbers_prompts_by_line(run_here: RunCli, mlxchat_home: Path, server: Standin) -> None:
    name = remote(mlxchat_home, server, "p", "echo")
    result = batch(run_here, name, "--text", "--ordered", input="What is 2+2?\n\nWhat is 3+3?\n")
    results = parse_results(result.stdout)
    assert [r["id"] for r in results] == [1, 3]
    assert [json.loads(r["answer"])["messages"][-1]["content"] for r in results] == [
        "What is 2+2?",
        "What is 3+3?",
    ]


def test_bad_lines_become_error_results_and_the_rest_runs(
    run_here: RunCli, mlxchat_home: Path, server: Standin
) -> None:
    name = remote(mlxchat_home, server, "p")
    lines = "".join([
        jsonl({"id": "good", "prompt": "hi"}),
        "{not json\n",
        jsonl({"question": "hi"}),
        jsonl({"id": "good", "prompt": "again"}),
        jsonl({"id": "img", "prompt": "hi", "images": ["missing.jpg"]}),
        jsonl({"custom_id": "emb", "url": "/v1/embeddings", "body": {"input": "x"}}),
        jsonl({"id": "last", "prompt": "hi"}),
    ])  # fmt: skip
    result = batch(run_here, name, input=lines)
    assert result.returncode == 6, result.stderr
    results = parse_results(result.stdout)
    assert len(results) == 7
    good = [r for r in results if ok(r)]
    assert sorted(r["id"] for r in good) == ["good", "last"]
    errors = {(r.get("line") or r["error"]["message"].split(":")[0]): r for r in results if not ok(r)}
    assert {e["error"]["code"] for e in errors.values()} == {"invalid_request"}
    messages = sorted(r["error"]["message"] for r in results if not ok(r))
    assert messages[0].startswith("line 2: not valid JSON")
    assert messages[1].startswith("line 3: neither an OpenAI Batch request")
    assert messages[2].startswith('line 4: duplicate id "good"')
    assert messages[3] == "line 5: image 'missing.jpg': no such file"
    assert messages[4].startswith("line 6: only /v1/chat/completions")
    emb = next(r for r in results if r.get("custom_id") == "emb")
    assert emb["response"] is None and emb["id"].startswith("batch_req_")  # the OpenAI shape
    assert "batch: 2 ok, 5 failed" in result.stderr
    assert "Traceback" not in result.stderr


def test_strict_refuses_the_whole_input_before_sending(
    run_here: RunCli, mlxchat_home: Path, server: Standin
) -> None:
    name = remote(mlxchat_home, server, "p", "echo")
    lines = jsonl({"id": "strict-1", "prompt": "strict one"}) + "{bad\n"
    result = batch(run_here, name, "--strict", input=lines)
    assert result.returncode == 2
    assert "1 bad line(s) in the input" in result.stderr and "line 2: not valid JSON" in result.stderr
    assert result.stdout == ""
    assert "echo: strict one" not in happenings(server)
    good = batch(run_here, name, "--strict", input=jsonl({"id": "strict-2", "prompt": "strict two"}))
    assert good.returncode == 0 and "echo: strict two" in happenings(server)


def test_fan_out_sends_to_every_profile(
    run_here: RunCli, mlxchat_home: Path, start_standin: StartStandin
) -> None:
    a, b = start_standin("--latency", "0.05"), start_standin("--latency", "0.05")
    remote(mlxchat_home, a, "a")
    remote(mlxchat_home, b, "b")
    result = batch(run_here, "a", "b", "-j", "2", input=prompts(40))
    per_profile = answered_by(result, 40)
    assert per_profile["a"] >= 10 and per_profile["b"] >= 10, per_profile
    assert "  a: " in result.stderr and "  b: " in result.stderr


def test_failures_are_retried_until_they_succeed(
    run_here: RunCli, mlxchat_home: Path, start_standin: StartStandin
) -> None:
    flaky = start_standin("--fail-every", "3", "--fail-status", "503")
    name = remote(mlxchat_home, flaky, "p")
    result = batch(run_here, name, "-j", "2", input=prompts(12))
    assert result.returncode == 0, result.stderr
    results = parse_results(result.stdout)
    assert len(results) == 12 and all(ok(r) for r in results)
    failures = happenings(flaky).count("fail: 503")
    assert failures >= 4
    assert sum(r["attempts"] - 1 for r in results) == failures
    assert f"{failures} retried" in result.stderr


def test_429_waits_for_retry_after(run_here: RunCli, mlxchat_home: Path, start_standin: StartStandin) -> None:
    limited = start_standin(
        "--fail-every", "2", "--fail-status", "429", "--retry-after", "1.5", "--record-requests"
    )
    name = remote(mlxchat_home, limited, "p")
    result = batch(run_here, name, "-j", "1", input=prompts(2))
    assert result.returncode == 0, result.stderr
    assert all(ok(r) for r in parse_results(result.stdout))
    seen = happenings(limited)
    assert seen.count("fail: 429") == 1
    arrivals = [line for line in seen if line.startswith("request: ")]
    times = {int(line.split()[1]): float(line.split()[3].rstrip(":")) for line in arrivals}
    # Request 2 was refused with Retry-After: 1.5; its retry (request 3) came no sooner. A retry
    # without it would come within the first backoff (0.25-0.5 s).
    assert times[3] - times[2] >= 1.5, times


def test_client_errors_are_not_retried(
    run_here: RunCli, mlxchat_home: Path, start_standin: StartStandin
) -> None:
    refusing = start_standin("--fail-every", "1", "--fail-status", "400")
    name = remote(mlxchat_home, refusing, "p")
    result = batch(
        run_here,
        name,
        input=prompts(3)
        + jsonl({"custom_id": "o", "body": {"messages": [{"role": "user", "content": "x"}]}}),
    )
    assert result.returncode == 6
    results = parse_results(result.stdout)
    assert len(results) == 4 and not any(ok(r) for r in results)
    assert happenings(refusing).count("fail: 400") == 4
    short = [r for r in results if "answer" in r]
    assert {(r["error"]["code"], r["error"]["status"], r["attempts"]) for r in short} == {
        ("http_error", 400, 1)
    }
    (openai,) = [r for r in results if "custom_id" in r]
    assert openai["response"]["status_code"] == 400 and openai["error"]["code"] == "http_error"
    assert "stand-in failure (400)" in openai["error"]["message"]


def test_retries_end_in_an_error_result(
    run_here: RunCli, mlxchat_home: Path, start_standin: StartStandin
) -> None:
    down = start_standin("--fail-every", "1", "--fail-status", "503")
    name = remote(mlxchat_home, down, "p")
    result = batch(run_here, name, "--retries", "2", input=prompts(2))
    assert result.returncode == 6
    results = parse_results(result.stdout)
    assert [(r["error"]["status"], r["attempts"]) for r in results] == [(503, 3), (503, 3)]
    assert happenings(down).count("fail: 503") == 6


def test_a_server_that_dies_mid_batch_loses_nothing(
    run_here: RunCli, mlxchat_home: Path, start_standin: StartStandin
) -> None:
    dying = start_standin("--die-after", "6", "--latency", "0.02")
    steady = start_standin("--latency", "0.02")
    remote(mlxchat_home, dying, "dying")
    remote(mlxchat_home, steady, "steady")
    result = batch(run_here, "dying", "steady", "-j", "3", input=prompts(40))
    per_profile = answered_by(result, 40)
    assert 1 <= per_profile["dying"] <= 6 and per_profile["steady"] >= 34, per_profile
    assert dying.process.wait(timeout=10) == 3
    assert "retried" in result.stderr


def test_a_lone_server_that_dies_gives_error_results(
    run_here: RunCli, mlxchat_home: Path, start_standin: StartStandin
) -> None:
    dying = start_standin("--die-after", "2")
    name = remote(mlxchat_home, dying, "p")
    result = batch(run_here, name, "-j", "1", "--retries", "1", input=prompts(5))
    assert result.returncode == 6
    results = by_id(parse_results(result.stdout))
    assert len(results) == 5
    assert sum(ok(r) for r in results.values()) == 2
    codes = {r["error"]["code"] for r in results.values() if not ok(r)}
    assert codes <= {"stream_broken", "unreachable"}, codes


def test_an_existing_output_is_refused_unless_resume_or_overwrite(
    run_here: RunCli, mlxchat_home: Path, server: Standin, tmp_path: Path
) -> None:
    name = remote(mlxchat_home, server, "p")
    out = tmp_path / "out.jsonl"
    out.write_text("keep me\n")
    refused = batch(run_here, name, "-o", str(out), input=prompts(2))
    assert refused.returncode == 2 and "exists" in refused.stderr and "--resume" in refused.stderr
    assert out.read_text() == "keep me\n"
    foreign = batch(run_here, name, "-o", str(out), "--resume", input=prompts(2))
    assert foreign.returncode == 2 and "line 1 is not a batch result" in foreign.stderr
    assert out.read_text() == "keep me\n"
    replaced = batch(run_here, name, "-o", str(out), "--overwrite", input=prompts(2))
    assert replaced.returncode == 0 and replaced.stdout == ""
    assert len(read_results(out)) == 2
    same = batch(run_here, name, "-i", str(out), "-o", str(out), "--overwrite")
    assert same.returncode == 2 and "is the input file" in same.stderr


def test_resume_keeps_successes_and_runs_the_failed_again(
    run_here: RunCli, mlxchat_home: Path, start_standin: StartStandin, tmp_path: Path
) -> None:
    flaky, good = start_standin("--fail-every", "2", "--fail-status", "400"), start_standin()
    remote(mlxchat_home, flaky, "flaky")
    remote(mlxchat_home, good, "good")
    out = tmp_path / "out.jsonl"
    first = batch(run_here, "flaky", "-j", "1", "-o", str(out), input=prompts(6))
    assert first.returncode == 6
    before = by_id(read_results(out))
    kept = {i: r["request_id"] for i, r in before.items() if ok(r)}
    assert len(kept) == 3
    second = batch(run_here, "good", "-o", str(out), "--resume", input=prompts(6))
    assert second.returncode == 0, second.stderr
    assert "3 done already, 3 to run again" in second.stderr and "3 already done" in second.stderr
    assert second.stderr.count("resuming ") == 1, second.stderr  # said once
    after = by_id(read_results(out))
    assert set(after) == {f"q{i}" for i in range(6)} and all(ok(r) for r in after.values())
    assert {i: after[i]["request_id"] for i in kept} == kept  # the kept lines are the same lines
    assert {after[i]["profile"] for i in set(after) - set(kept)} == {"good"}
    again = batch(run_here, "good", "-o", str(out), "--resume", input=prompts(6))
    assert again.returncode == 0 and len(read_results(out)) == 6


def test_resume_needs_an_output_file(run_here: RunCli, mlxchat_home: Path, server: Standin) -> None:
    name = remote(mlxchat_home, server, "p")
    result = batch(run_here, name, "--resume", input=prompts(1))
    assert result.returncode == 2 and "--resume needs the output file" in result.stderr


def test_ordered_output_follows_the_input(
    run_here: RunCli, mlxchat_home: Path, start_standin: StartStandin
) -> None:
    fast, slow = start_standin("--latency", "0.01"), start_standin("--latency", "0.2")
    remote(mlxchat_home, fast, "fast")
    remote(mlxchat_home, slow, "slow")
    result = batch(run_here, "slow", "fast", "-j", "2", "--ordered", input=prompts(20))
    assert result.returncode == 0, result.stderr
    results = parse_results(result.stdout)
    assert [r["id"] for r in results] == [f"q{i}" for i in range(20)]
    assert {r["profile"] for r in results} == {"fast", "slow"}


def test_events_carry_the_request_id_between_batch_start_and_done(
    run_here: RunCli, mlxchat_home: Path, server: Standin
) -> None:
    name = remote(mlxchat_home, server, "p")
    lines = prompts(3) + "{bad\n" + jsonl(OPENAI_DOC_LINES[0])
    result = batch(run_here, name, "--events", input=lines)
    assert result.returncode == 6
    batch_events, requests = parse_batch_events(result.stdout)
    first, last = json.loads(result.stdout.splitlines()[0]), json.loads(result.stdout.splitlines()[-1])
    assert first["type"] == "batch_start" and last["type"] == "batch_done"
    assert [e["type"] for e in batch_events] == ["batch_start", "batch_done"]
    assert first["profiles"] == [{"name": name, "url": server.base_url, "jobs": 4}]
    assert set(requests) == {"q0", "q1", "q2", 4, "request-1"}
    assert [e["type"] for e in requests[4]] == ["error"] and requests[4][0]["code"] == "invalid_request"
    for key in ("q0", "request-1"):
        assert requests[key][0]["type"] == "start" and requests[key][-1]["type"] == "done"
        assert "".join(e["content"] for e in requests[key] if e["type"] == "response").strip() == ANSWER
    assert (last["ok"], last["failed"], last["retried"], last["not_run"], last["interrupted"]) == (
        4,
        1,
        0,
        0,
        False,
    )
    assert last["usage"]["completion_tokens"] == 36 and last["profiles"][0]["ok"] == 4


def test_not_running_local_profile_is_refused(run_here: RunCli, add_standin_profile: object) -> None:
    add_standin_profile("local")  # type: ignore[operator]
    result = batch(run_here, "local", input=prompts(1))
    assert result.returncode == 3
    assert "not running" in result.stderr and "mlxchat start local" in result.stderr


def test_start_starts_local_servers_first(run_cli: RunCli, add_standin_profile: object) -> None:
    add_standin_profile("local")  # type: ignore[operator]
    result = batch(run_cli, "local", "--start", input=prompts(2))
    try:
        assert result.returncode == 0, result.stderr
        assert "starting local" in result.stderr
        assert len(parse_results(result.stdout)) == 2
    finally:
        run_cli("stop", "local", timeout=60)


def test_unknown_profile_and_bad_options_are_usage_errors(
    run_here: RunCli, mlxchat_home: Path, server: Standin
) -> None:
    name = remote(mlxchat_home, server, "p")
    assert batch(run_here, "nope", input=prompts(1)).returncode == 2
    twice = batch(run_here, name, name, input=prompts(1))
    assert twice.returncode == 2 and "named twice" in twice.stderr
    missing = batch(run_here, name, "-i", "missing.jsonl")
    assert missing.returncode == 2 and "cannot read -i missing.jsonl" in missing.stderr
    assert batch(run_here, name, "-j", "0", input=prompts(1)).returncode == 2


def test_a_profile_that_does_not_answer_is_taken_out_of_rotation(
    run_here: RunCli, mlxchat_home: Path, server: Standin
) -> None:
    from tests.fixtures.common import free_port

    add_profile(mlxchat_home, "gone", server="remote", url=f"http://127.0.0.1:{free_port()}/v1")
    remote(mlxchat_home, server, "here")
    result = batch(run_here, "gone", "here", "-j", "3", "--events", input=prompts(60))
    assert result.returncode == 0, result.stderr
    batch_events, requests = parse_batch_events(result.stdout)
    assert len(requests) == 60 and all(r[-1]["type"] == "done" for r in requests.values())
    assert {r[0]["profile"] for r in requests.values()} == {"here"}
    gone = next(p for p in batch_events[-1]["profiles"] if p["name"] == "gone")
    # Its first requests failed and went elsewhere; then it was out of rotation, not tried 60 times.
    assert gone["ok"] == 0 and 1 <= gone["retried"] <= 6, gone


def test_short_form_images_are_prepared_like_image_options(
    run_here: RunCli, mlxchat_home: Path, server: Standin, tmp_path: Path
) -> None:
    from PIL import Image

    Image.new("RGB", (64, 48), "orange").save(tmp_path / "photo.png")
    image = str(tmp_path / "photo.png")
    add_profile(
        mlxchat_home, "vision", server="remote", url=server.base_url, model="echo", model_type="multimodal"
    )
    add_profile(mlxchat_home, "text", server="remote", url=server.base_url, model="echo")
    line = jsonl({"id": "pic", "prompt": "What is in this picture?", "images": [image]})
    seen = parse_results(batch(run_here, "vision", input=line).stdout)[0]
    parts = json.loads(seen["answer"])["messages"][-1]["content"]
    assert parts[0] == {"type": "text", "text": "What is in this picture?"}
    assert parts[1]["type"] == "image_url" and parts[1]["image_url"]["url"].startswith("data:image/")
    left_out = parse_results(batch(run_here, "text", input=line).stdout)[0]
    assert ok(left_out) and "text-only" in left_out["warnings"][0]
    assert json.loads(left_out["answer"])["messages"][-1]["content"] == "What is in this picture?"
    strict = parse_results(batch(run_here, "text", "--strict", input=line).stdout)[0]
    assert strict["error"]["code"] == "invalid_request" and "text-only" in strict["error"]["message"]


def test_tool_calls_in_both_result_shapes(run_here: RunCli, mlxchat_home: Path, server: Standin) -> None:
    name = remote(mlxchat_home, server, "p", "tool-call")
    lines = jsonl(
        {"id": "short", "prompt": "Weather in Paris?"},
        {"custom_id": "openai", "body": {"messages": [{"role": "user", "content": "Weather in Paris?"}]}},
    )
    results = by_id(parse_results(batch(run_here, name, input=lines).stdout))
    call = {"index": 0, "id": "call_1", "name": "get_weather", "arguments": '{"city": "Paris"}'}
    assert results["short"]["tool_calls"] == [call] and results["short"]["finish_reason"] == "tool_calls"
    message = results["openai"]["response"]["body"]["choices"][0]["message"]
    assert message["content"] is None
    assert message["tool_calls"] == [
        {
            "id": "call_1",
            "type": "function",
            "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
        }
    ]


def test_an_error_inside_the_stream_that_names_429_is_retried(
    run_here: RunCli, mlxchat_home: Path, server: Standin
) -> None:
    name = remote(mlxchat_home, server, "p", "error-mid-stream")
    result = batch(run_here, name, "--retries", "1", input=prompts(1))
    assert result.returncode == 6
    (out,) = parse_results(result.stdout)
    assert (out["error"]["code"], out["error"]["status"], out["attempts"]) == ("server_error", 429, 2)
    assert out["answer"] == "The"  # what streamed before the error stays
