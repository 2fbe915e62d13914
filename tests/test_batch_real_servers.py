"""``mlxchat batch`` fanned out over a real mlx-openai-server and a real mlx_lm.server at once, on
the tiny model's known prompts (greedy decoding): every answer checked, both forms of input."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.batch_helpers import batch, by_id, jsonl, ok, parse_results
from tests.chat_helpers import add_profile
from tests.fixtures.common import RunCli
from tests.fixtures.real_servers import RealServer

pytestmark = pytest.mark.real_server

KNOWN = {
    "What is 2+2?": ("Two plus two is four.", "The answer is 4."),
    "What is 3+3?": ("Three plus three is six.", "The answer is 6."),
}


def test_two_real_servers_answer_one_batch(
    run_cli: RunCli, mlxchat_home: Path, openai_server: RealServer, mlxlm_server: RealServer
) -> None:
    for name, server in (("openai", openai_server), ("mlxlm", mlxlm_server)):
        add_profile(mlxchat_home, name, server="remote", url=server.base_url, model=server.model)
    lines: list[dict[str, Any]] = []
    for i in range(8):
        prompt = list(KNOWN)[i % 2]
        lines.append({"id": f"s{i}", "prompt": prompt})
        lines.append({"custom_id": f"o{i}", "body": {"messages": [{"role": "user", "content": prompt}]}})
    lines.append({"id": "nothink", "prompt": "What is 2+2?", "no_think": True})
    lines.append({
        "id": "multi",
        "messages": [
            {"role": "user", "content": "What is 2+2?"},
            {"role": "assistant", "content": "The answer is 4."},
        ],
        "prompt": "Multiply that by 3.",
    })  # fmt: skip
    result = batch(run_cli, "openai", "mlxlm", "-j", "2", "--temperature", "0", input=jsonl(*lines))
    assert result.returncode == 0, result.stderr
    results = by_id(parse_results(result.stdout))
    assert len(results) == len(lines) and all(ok(r) for r in results.values())
    for line in lines[:16]:
        prompt = line.get("prompt") or line["body"]["messages"][-1]["content"]
        reasoning, answer = KNOWN[prompt]
        if "custom_id" in line:
            message = results[line["custom_id"]]["response"]["body"]["choices"][0]["message"]
            assert (message["reasoning_content"].strip(), message["content"].strip()) == (reasoning, answer)
        else:
            got = results[line["id"]]
            assert (got["reasoning"], got["answer"]) == (reasoning, answer), got
            assert got["usage"]["completion_tokens"] > 0
    assert (results["nothink"]["reasoning"], results["nothink"]["answer"]) == ("", "The answer is 4.")
    assert results["multi"]["answer"] == "The answer is 12."
    profiles = Counter(r.get("profile") for r in results.values() if "profile" in r)
    assert profiles["openai"] >= 1 and profiles["mlxlm"] >= 1, profiles
