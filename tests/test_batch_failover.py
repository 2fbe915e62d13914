"""``mlxchat batch`` over several profiles when one keeps refusing (HTTP 5xx, 429): its failed tries
go to another profile at once, and after a few refusals in a row it is out of rotation, as a server
that stops answering is (docs/batch.md, "Concurrency and fan-out")."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tests.batch_helpers import batch, by_id, happenings, ok, parse_results, prompts, remote
from tests.fixtures.common import RunCli
from tests.fixtures.standin import StartStandin


@pytest.mark.parametrize(
    "refusal",
    [["--fail-status", "500"], ["--fail-status", "503", "--retry-after", "2"], ["--fail-status", "429"]],
    ids=["500", "503-retry-after", "429"],
)
def test_a_profile_that_keeps_refusing_loses_its_requests_to_a_healthy_one(
    run_here: RunCli, mlxchat_home: Path, start_standin: StartStandin, refusal: list[str]
) -> None:
    refusing = start_standin("--fail-every", "1", *refusal)
    healthy = start_standin("--latency", "0.05")
    remote(mlxchat_home, refusing, "refusing")
    remote(mlxchat_home, healthy, "healthy")
    result = batch(run_here, "refusing", "healthy", "-j", "4", input=prompts(120))
    assert result.returncode == 0, result.stderr
    results = by_id(parse_results(result.stdout))
    assert len(results) == 120 and all(ok(r) for r in results.values())
    assert Counter(r["profile"] for r in results.values()) == {"healthy": 120}
    # Each request it refused was tried once there, then went elsewhere; and it was out of rotation
    # soon, not sent a share of the 120.
    refused = happenings(refusing).count(f"fail: {refusal[1]}")
    assert refused == sum(r["attempts"] - 1 for r in results.values())
    assert max(r["attempts"] for r in results.values()) == 2
    assert 1 <= refused <= 30, refused


def test_a_retry_goes_to_another_profile_while_the_first_is_in_rotation(
    run_here: RunCli, mlxchat_home: Path, start_standin: StartStandin
) -> None:
    # Every other request refused: never three in a row, so it stays in rotation, and its
    # successes are kept; but a request it refused is not sent back to it.
    flaky = start_standin("--fail-every", "2", "--fail-status", "502")
    steady = start_standin("--latency", "0.02")
    remote(mlxchat_home, flaky, "flaky")
    remote(mlxchat_home, steady, "steady")
    result = batch(run_here, "flaky", "steady", "-j", "1", input=prompts(30))
    assert result.returncode == 0, result.stderr
    results = list(by_id(parse_results(result.stdout)).values())
    retried = [r for r in results if r["attempts"] > 1]
    assert retried and {(r["profile"], r["attempts"]) for r in retried} == {("steady", 2)}
    assert any(r["profile"] == "flaky" for r in results)
    assert len(retried) == happenings(flaky).count("fail: 502")


def test_every_profile_refusing_still_ends_each_request_after_its_retries(
    run_here: RunCli, mlxchat_home: Path, start_standin: StartStandin
) -> None:
    a = start_standin("--fail-every", "1", "--fail-status", "500")
    b = start_standin("--fail-every", "1", "--fail-status", "503")
    remote(mlxchat_home, a, "a")
    remote(mlxchat_home, b, "b")
    result = batch(run_here, "a", "b", "--retries", "3", input=prompts(4))
    assert result.returncode == 6
    results = parse_results(result.stdout)
    assert len(results) == 4 and {r["attempts"] for r in results} == {4}
    assert {r["error"]["status"] for r in results} <= {500, 503}
    tries = happenings(a).count("fail: 500") + happenings(b).count("fail: 503")
    assert tries == 16
