"""`mlxchat profile ...`: the file, every command, validation that leaves the file untouched.

Commands run in-process (``run_here``) unless the real process matters (concurrent writers, a closed pipe).
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.common import RunCli, free_port
from tests.fixtures.lifecycle import write_model_dir

PROFILE_JSON_KEYS = [
    "name",
    "server",
    "model_path",
    "model",
    "model_type",
    "host",
    "port",
    "reasoning_parser",
    "tool_call_parser",
    "context_length",
    "extra_args",
    "command",
    "url",
    "api_key_env",
    "system_prompt",
    "max_tokens",
    "temperature",
    "thinking_prefilled",
    "max_image_size",
    "batch_jobs",
    "request_model",
    "base_url",
]


@pytest.fixture
def model_dir(tmp_path: Path) -> Path:
    return write_model_dir(tmp_path / "models" / "plain", {"model_type": "llama"})


def profiles_file(home: Path) -> Path:
    return home / "config" / "profiles.toml"


def test_add_list_show_json_contract(run_here: RunCli, model_dir: Path, mlxchat_home: Path) -> None:
    port = free_port()
    added = run_here(
        "profile", "add", "one", "--server", "mlx-lm", "--model-path", str(model_dir), "--port", str(port)
    )
    assert added.returncode == 0, added.stderr
    assert added.stdout == ""  # messages go to stderr
    assert "added profile one" in added.stderr

    listed = json.loads(run_here("profile", "list", "--json").stdout)
    assert [list(p) for p in listed] == [PROFILE_JSON_KEYS]
    shown = json.loads(run_here("profile", "show", "one", "--json").stdout)
    assert list(shown) == PROFILE_JSON_KEYS
    assert shown["server"] == "mlx-lm"
    assert shown["model_path"] == str(model_dir.resolve())
    assert shown["port"] == port
    assert shown["host"] == "127.0.0.1"
    assert shown["model"] is None
    assert shown["request_model"] == str(model_dir.resolve())
    assert shown["base_url"] == f"http://127.0.0.1:{port}/v1"
    assert shown["extra_args"] == []

    table = run_here("profile", "list")
    assert table.returncode == 0
    assert table.stdout.splitlines()[0].split() == ["NAME", "SERVER", "ADDRESS", "MODEL"]
    assert f"127.0.0.1:{port}" in table.stdout


def test_file_is_toml_with_only_set_fields_and_mode_0600(
    run_here: RunCli, model_dir: Path, mlxchat_home: Path
) -> None:
    run_here(
        "profile", "add", "one", "--server", "mlx-lm", "--model-path", str(model_dir), "--temperature", "0.2"
    )
    path = profiles_file(mlxchat_home)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    import tomllib

    data = tomllib.loads(path.read_text())
    table = data["profiles"]["one"]
    assert table["server"] == "mlx-lm"
    assert table["temperature"] == 0.2
    assert "host" not in table  # defaults are not written
    assert "system_prompt" not in table


def test_mlxchat_home_relocates_config_and_state(run_here: RunCli, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere"
    env = {"MLXCHAT_HOME": str(other)}
    result = run_here("profile", "add", "r", "--server", "remote", "--url", "http://127.0.0.1:9/v1", env=env)
    assert result.returncode == 0, result.stderr
    assert (other / "config" / "profiles.toml").is_file()
    assert json.loads(run_here("profile", "list", "--json", env=env).stdout)[0]["name"] == "r"
    assert json.loads(run_here("profile", "list", "--json").stdout) == []


def test_port_is_assigned_free_and_distinct(run_here: RunCli, model_dir: Path) -> None:
    for name in ("a", "b", "c"):
        result = run_here("profile", "add", name, "--server", "mlx-lm", "--model-path", str(model_dir))
        assert result.returncode == 0, result.stderr
        assert "port:" in result.stderr
    ports = [p["port"] for p in json.loads(run_here("profile", "list", "--json").stdout)]
    assert all(isinstance(p, int) for p in ports)
    assert len(set(ports)) == 3


def test_edit_changes_only_what_is_given_and_unset_clears(run_here: RunCli, model_dir: Path) -> None:
    run_here(
        "profile", "add", "one", "--server", "mlx-lm", "--model-path", str(model_dir), "--max-tokens", "100"
    )
    before = json.loads(run_here("profile", "show", "one", "--json").stdout)
    result = run_here("profile", "edit", "one", "--temperature", "0.7", "--system-prompt", "Be brief.")
    assert result.returncode == 0, result.stderr
    after = json.loads(run_here("profile", "show", "one", "--json").stdout)
    assert after["temperature"] == 0.7
    assert after["system_prompt"] == "Be brief."
    assert {k: v for k, v in after.items() if k not in ("temperature", "system_prompt")} == {
        k: v for k, v in before.items() if k not in ("temperature", "system_prompt")
    }
    cleared = run_here(
        "profile", "edit", "one", "--unset", "max_tokens", "--extra-args", "--trust-remote-code"
    )
    assert cleared.returncode == 0, cleared.stderr
    shown = json.loads(run_here("profile", "show", "one", "--json").stdout)
    assert shown["max_tokens"] is None
    assert shown["extra_args"] == ["--trust-remote-code"]


def test_copy_gets_its_own_port_and_rm_removes(run_here: RunCli, model_dir: Path) -> None:
    run_here(
        "profile", "add", "one", "--server", "mlx-lm", "--model-path", str(model_dir), "--temperature", "0.3"
    )
    copied = run_here("profile", "copy", "one", "two")
    assert copied.returncode == 0, copied.stderr
    one, two = json.loads(run_here("profile", "list", "--json").stdout)
    assert two["name"] == "two"
    assert two["temperature"] == 0.3
    assert two["port"] != one["port"]
    removed = run_here("profile", "rm", "one")
    assert removed.returncode == 0
    assert [p["name"] for p in json.loads(run_here("profile", "list", "--json").stdout)] == ["two"]


def test_detection_from_config_json(run_here: RunCli, tmp_path: Path, parser_cache: bool) -> None:
    if not parser_cache:
        pytest.skip("mlx-openai-server is not installed")
    text = write_model_dir(tmp_path / "m" / "qwen", {"model_type": "qwen3"})
    vision = write_model_dir(tmp_path / "m" / "vl", {"model_type": "qwen3_vl", "vision_config": {"depth": 2}})
    r1 = run_here("profile", "add", "text", "--model-path", str(text))
    assert r1.returncode == 0, r1.stderr
    assert "reasoning parser: qwen3" in r1.stderr
    r2 = run_here("profile", "add", "vis", "--model-path", str(vision))
    assert "model type: multimodal" in r2.stderr
    profiles = {p["name"]: p for p in json.loads(run_here("profile", "list", "--json").stdout)}
    assert profiles["text"]["model_type"] == "lm"
    assert profiles["text"]["reasoning_parser"] == "qwen3"
    assert profiles["vis"]["model_type"] == "multimodal"
    assert profiles["vis"]["reasoning_parser"] == "qwen3_vl"
    # What the user gives wins over detection.
    r3 = run_here(
        "profile",
        "add",
        "given",
        "--model-path",
        str(vision),
        "--model-type",
        "lm",
        "--reasoning-parser",
        "hermes",
    )
    assert r3.returncode == 0, r3.stderr
    given = json.loads(run_here("profile", "show", "given", "--json").stdout)
    assert (given["model_type"], given["reasoning_parser"]) == ("lm", "hermes")


def test_unknown_parser_is_refused_with_the_installed_choices(
    run_here: RunCli, model_dir: Path, parser_cache: bool
) -> None:
    if not parser_cache:
        pytest.skip("mlx-openai-server is not installed")
    result = run_here(
        "profile", "add", "x", "--model-path", str(model_dir), "--tool-call-parser", "qwen-three"
    )
    assert result.returncode == 2
    assert "unknown tool call parser 'qwen-three'" in result.stderr
    assert "qwen3" in result.stderr  # the real choices are listed


def test_hub_id_gets_a_clear_message(run_here: RunCli) -> None:
    result = run_here("profile", "add", "x", "--model-path", "mlx-community/Qwen3-0.6B-4bit")
    assert result.returncode == 2
    assert "looks like a Hugging Face hub id" in result.stderr
    assert "local model directory" in result.stderr
    assert "Traceback" not in result.stderr


INVALID = [
    (["profile", "add", "bad/name", "--server", "remote", "--url", "http://h:1/v1"], "bad profile name"),
    (["profile", "add", "dup", "--server", "remote", "--url", "http://h:1/v1"], "already exists"),
    (
        ["profile", "add", "p", "--server", "mlx-lm", "--model-path", "{model}", "--port", "70000"],
        "out of range",
    ),
    (
        ["profile", "add", "p", "--server", "mlx-lm", "--model-path", "{model}", "--port", "{taken}"],
        "already used",
    ),
    (["profile", "add", "p", "--server", "nope", "--model-path", "{model}"], "unknown server kind"),
    (["profile", "add", "p", "--server", "mlx-lm", "--model-path", "/no/such/dir"], "does not exist"),
    (
        ["profile", "add", "p", "--server", "mlx-lm", "--model-path", "{model}", "--model-type", "vision"],
        "model type",
    ),
    (
        [
            "profile",
            "add",
            "p",
            "--server",
            "mlx-lm",
            "--model-path",
            "{model}",
            "--reasoning-parser",
            "qwen3",
        ],
        "mlx-openai-server option",
    ),
    (["profile", "add", "p", "--server", "remote"], "needs --url"),
    (["profile", "add", "p", "--server", "command", "--command", "srv --port {prot}"], "unknown placeholder"),
    (["profile", "add", "p", "--server", "command"], "needs --command"),
    (
        ["profile", "add", "p", "--server", "mlx-lm", "--model-path", "{model}", "--temperature", "9"],
        "temperature",
    ),
    (["profile", "add", "p", "--server", "mlx-lm", "--model-path", "{model}", "--port", "abc"], "--port"),
    (
        ["profile", "add", "p", "--server", "mlx-lm", "--model-path", "{model}", "--host", "192.0.2.1"],
        "cannot listen on 192.0.2.1",
    ),
    (
        [
            "profile",
            "add",
            "p",
            "--server",
            "mlx-lm",
            "--model-path",
            "{model}",
            "--host",
            "nosuchhost.invalid",
            "--port",
            "8000",
        ],
        "cannot listen on nosuchhost.invalid",
    ),
    (["profile", "edit", "taken", "--host", "192.0.2.1"], "cannot listen on 192.0.2.1"),
    (["profile", "add", "p", "--server", "remote", "--url", "http://[::1/v1"], "bad url"),
    (["profile", "add", "p", "--server", "remote", "--url", "http://127.0.0.1:99999/v1"], "bad url"),
    (["profile", "add", "p", "--server", "remote", "--url", "ftp://h:1/v1"], "http:// or https://"),
    (["profile", "add", "p", "--server", "remote", "--url", "http://:8000/v1"], "names no host"),
    (["profile", "edit", "dup", "--url", "http://h:x/v1"], "bad url"),
    (["profile", "edit", "taken", "--port", "0"], "out of range"),
    (["profile", "edit", "dup", "--port", "8000"], "means nothing for a remote profile"),
    (["profile", "edit", "nobody", "--port", "9000"], "no profile named 'nobody'"),
    (["profile", "edit", "dup", "--unset", "colour"], "cannot clear colour"),
    (["profile", "copy", "dup", "taken"], "already exists"),
    (["profile", "add", "Dup", "--server", "remote", "--url", "http://h:1/v1"], "only in case"),
    (["profile", "copy", "dup", "TAKEN"], "only in case"),
    (["profile", "rm", "nobody"], "no profile named"),
    (["profile", "show", "dupp"], "did you mean 'dup'"),
]


@pytest.mark.parametrize(("args", "message"), INVALID, ids=[" ".join(a[:2]) + ": " + m for a, m in INVALID])
def test_invalid_input_exits_2_and_leaves_the_file_byte_identical(
    run_here: RunCli, model_dir: Path, mlxchat_home: Path, args: list[str], message: str
) -> None:
    run_here("profile", "add", "dup", "--server", "remote", "--url", "http://h:1/v1")
    added = run_here("profile", "add", "taken", "--server", "mlx-lm", "--model-path", str(model_dir))
    assert added.returncode == 0, added.stderr
    taken = json.loads(run_here("profile", "show", "taken", "--json").stdout)["port"]
    before = profiles_file(mlxchat_home).read_bytes()
    filled = [a.replace("{model}", str(model_dir)).replace("{taken}", str(taken)) for a in args]
    result = run_here(*filled)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert profiles_file(mlxchat_home).read_bytes() == before


def test_corrupt_file_is_named_with_its_line_and_never_overwritten(
    run_here: RunCli, mlxchat_home: Path
) -> None:
    path = profiles_file(mlxchat_home)
    path.parent.mkdir(parents=True)
    corrupt = b'[profiles.a]\nserver = "remote"\nurl = "http://h:1/v1\n'
    path.write_bytes(corrupt)
    for args in (
        ["profile", "list"],
        ["profile", "add", "b", "--server", "remote", "--url", "http://h:2/v1"],
        ["status"],
    ):
        result = run_here(*args)
        assert result.returncode == 2
        assert str(path) in result.stderr
        assert "line 3" in result.stderr
        assert "Traceback" not in result.stderr
    assert path.read_bytes() == corrupt


def test_unknown_keys_in_the_file_are_named(run_here: RunCli, mlxchat_home: Path) -> None:
    path = profiles_file(mlxchat_home)
    path.parent.mkdir(parents=True)
    path.write_text('[profiles.a]\nserver = "remote"\nurl = "http://h:1/v1"\ntemprature = 0.5\n')
    result = run_here("profile", "show", "a")
    assert result.returncode == 2
    assert "temprature" in result.stderr
    assert str(path) in result.stderr


def test_secrets_are_never_written_or_printed(run_here: RunCli, mlxchat_home: Path) -> None:
    secret = "sk-test-0123456789abcdef"
    env = {"MY_SERVICE_KEY": secret}
    added = run_here(
        "profile",
        "add",
        "far",
        "--server",
        "remote",
        "--url",
        "http://127.0.0.1:9/v1",
        "--api-key-env",
        "MY_SERVICE_KEY",
        env=env,
    )
    assert added.returncode == 0, added.stderr
    outputs = [added]
    outputs += [
        run_here(*args, env=env)
        for args in (
            ["profile", "list"],
            ["profile", "list", "--json"],
            ["profile", "show", "far"],
            ["profile", "show", "far", "--json"],
            ["status", "--json"],
        )
    ]
    for out in outputs:
        assert secret not in out.stdout + out.stderr
    assert secret not in profiles_file(mlxchat_home).read_text()
    assert json.loads(run_here("profile", "show", "far", "--json").stdout)["api_key_env"] == "MY_SERVICE_KEY"
    # A secret pasted where the variable name belongs is refused without being echoed whole.
    pasted = run_here(
        "profile", "add", "oops", "--server", "remote", "--url", "http://h:1/v1", "--api-key-env", secret
    )
    assert pasted.returncode == 2
    assert secret not in pasted.stderr
    assert "never stored" in pasted.stderr


def test_host_other_than_loopback_warns(run_here: RunCli, model_dir: Path) -> None:
    result = run_here(
        "profile", "add", "wide", "--server", "mlx-lm", "--model-path", str(model_dir), "--host", "0.0.0.0"
    )
    assert result.returncode == 0
    assert "warning:" in result.stderr
    assert "other machines" in result.stderr


def test_names_helper_lists_profiles_for_completion(run_here: RunCli) -> None:
    for name in ("beta", "alpha"):
        run_here("profile", "add", name, "--server", "remote", "--url", "http://h:1/v1")
    assert run_here("profile", "names").stdout == "alpha\nbeta\n"


def _added_at_once(home: Path, *adds: list[str]) -> list[subprocess.CompletedProcess[str]]:
    """Several ``profile add`` commands, each in its own process, all started before any ends."""
    env = {**os.environ, "MLXCHAT_HOME": str(home)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "mlxchat", "profile", "add", *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for args in adds
    ]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=60)
        results.append(subprocess.CompletedProcess(p.args, p.returncode, out, err))
    return results


def test_concurrent_adds_lose_nothing(run_cli: RunCli, mlxchat_home: Path) -> None:
    adds = [[f"p{i}", "--server", "remote", "--url", f"http://h:{i + 1}/v1"] for i in range(6)]
    assert [r.returncode for r in _added_at_once(mlxchat_home, *adds)] == [0] * 6
    names = run_cli("profile", "names").stdout.split()
    assert names == [f"p{i}" for i in range(6)]


def test_data_into_a_closed_pipe_ends_quietly(run_cli: RunCli, mlxchat_home: Path) -> None:
    from tests.fixtures.lifecycle import run_into_closed_pipe

    for name in ("alpha", "beta"):
        run_cli("profile", "add", name, "--server", "remote", "--url", "http://127.0.0.1:9/v1")
    for args in (
        ["profile", "list"],
        ["profile", "list", "--json"],
        ["profile", "show", "alpha"],
        ["profile", "show", "alpha", "--json"],
        ["profile", "names"],
    ):
        result = run_into_closed_pipe(mlxchat_home, *args)
        assert result.returncode == 0, (args, result.stderr)
        assert result.stderr == "", (args, result.stderr)


def test_profiles_added_at_once_never_share_a_port_or_a_name(run_here: RunCli, mlxchat_home: Path) -> None:
    """The rule holds whoever writes first: of three adds that ask for one port, and of three whose
    names differ only in case, one wins and the others are refused with exit 2."""
    port = str(free_port())
    same_port = [
        [f"p{i}", "--server", "command", "--command", "srv --port {port}", "--port", port] for i in range(3)
    ]
    same_name = [[name, "--server", "remote", "--url", "http://h:1/v1"] for name in ("Qwen", "qwen", "QWEN")]
    results = _added_at_once(mlxchat_home, *same_port, *same_name)
    for group in (results[:3], results[3:]):
        assert sorted(r.returncode for r in group) == [0, 2, 2], [r.stderr for r in group]
        assert all("Traceback" not in r.stderr for r in group)
    assert sum("already used by profile" in r.stderr for r in results[:3]) == 2
    assert sum("only in case" in r.stderr for r in results[3:]) == 2
    listed = json.loads(run_here("profile", "list", "--json").stdout)
    assert sorted((p["server"], p["name"].lower()[0], p["port"]) for p in listed) == [
        ("command", "p", int(port)),
        ("remote", "q", None),
    ]


HAND_EDITS = {
    "names": ("[profiles.beta]", "[profiles.ALPHA]", "differ only in case"),
    "ports": ("port = {beta}", "port = {alpha}", "both use port"),
}


@pytest.mark.parametrize("edit", HAND_EDITS)
def test_a_file_edited_by_hand_into_a_clash_is_refused_and_kept(
    run_here: RunCli, mlxchat_home: Path, edit: str
) -> None:
    ports = {}
    for name in ("alpha", "beta"):
        added = run_here("profile", "add", name, "--server", "command", "--command", "srv --port {port}")
        assert added.returncode == 0, added.stderr
        ports[name] = json.loads(run_here("profile", "show", name, "--json").stdout)["port"]
    old, new, message = HAND_EDITS[edit]
    for name, port in ports.items():
        old, new = old.replace(f"{{{name}}}", str(port)), new.replace(f"{{{name}}}", str(port))
    path = profiles_file(mlxchat_home)
    assert old in path.read_text()
    path.write_text(path.read_text().replace(old, new))
    edited = path.read_bytes()
    for args in (
        ["profile", "list"],
        ["profile", "add", "gamma", "--server", "remote", "--url", "http://h:1/v1"],
    ):
        result = run_here(*args)
        assert result.returncode == 2, result.stderr
        assert message in result.stderr and str(path) in result.stderr
        assert "Traceback" not in result.stderr
    assert path.read_bytes() == edited
