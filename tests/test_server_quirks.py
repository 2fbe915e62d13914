"""Known quirks of real servers, replayed byte for byte by the stand-in: mlx_vlm.server's usage names
and mlx-openai-server's multimodal thread defect (docs/servers.md)."""

from __future__ import annotations

from pathlib import Path

from tests.chat_helpers import add_profile, joined, parse_ndjson, types
from tests.fixtures.common import RunCli
from tests.fixtures.standin import Standin


def _remote(home: Path, server: Standin, scenario: str) -> str:
    add_profile(home, "p", server="remote", url=server.base_url, model=scenario)
    return "p"


def test_usage_named_input_and_output_tokens_is_reported_as_prompt_and_completion(
    run_cli: RunCli, mlxchat_home: Path, server: Standin
) -> None:
    name = _remote(mlxchat_home, server, "vlm-usage")
    result = run_cli("chat", name, "q", "--json", input="", timeout=60)
    assert result.returncode == 0, result.stderr
    events = parse_ndjson(result.stdout)
    assert joined(events, "thinking") == "\nTwo plus two is four.\n"
    assert joined(events, "response") == "\n\nThe answer is 4."
    # The last chunk's counts, under the names the protocol uses.
    assert events[-1]["usage"] == {"prompt_tokens": 10, "completion_tokens": 7, "total_tokens": 17}


def test_mlx_openai_server_multimodal_thread_defect_is_named_with_what_to_do(
    run_cli: RunCli, mlxchat_home: Path, server: Standin
) -> None:
    name = _remote(mlxchat_home, server, "multimodal-thread-defect")
    result = run_cli("chat", name, "q", "--json", input="", timeout=60)
    assert result.returncode == 4
    events = parse_ndjson(result.stdout)
    assert types(events) == ["start", "error"]
    error = events[-1]
    assert error["code"] == "server_error" and error["status"] == 500
    assert "There is no Stream(cpu, 0) in current thread" in error["message"]
    assert "known defect" in error["hint"] and "--server mlx-vlm" in error["hint"]
    text = run_cli("chat", name, "q", input="", timeout=60)
    assert text.returncode == 4 and text.stdout == ""
    assert "There is no Stream(cpu, 0)" in text.stderr and "--server mlx-vlm" in text.stderr
    assert "Traceback" not in text.stderr


def test_other_server_errors_get_no_defect_hint(run_cli: RunCli, mlxchat_home: Path, server: Standin) -> None:
    name = _remote(mlxchat_home, server, "error-mid-stream")
    events = parse_ndjson(run_cli("chat", name, "q", "--json", input="", timeout=60).stdout)
    assert events[-1]["code"] == "server_error" and events[-1].get("hint") is None
