"""The command line (and environment) that starts a profile's server, per server kind."""

from __future__ import annotations

import os
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path

from mlxchat import paths
from mlxchat.errors import UsageError
from mlxchat.profile import Profile


@dataclass(frozen=True)
class LaunchSpec:
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    """Variables added to mlxchat's own environment."""


def launch_spec(profile: Profile) -> LaunchSpec:
    if profile.is_remote:
        raise UsageError(f"{profile.name} is a remote profile: mlxchat does not start or stop it")
    if profile.port is None:
        raise UsageError(
            f"profile {profile.name!r} has no port", hint=f"mlxchat profile edit {profile.name} --port N"
        )
    if profile.server == "mlx-openai-server":
        return _mlx_openai_server(profile)
    if profile.server == "mlx-lm":
        return _mlx_lm(profile)
    return _command(profile)


def _mlx_openai_server(profile: Profile) -> LaunchSpec:
    from mlxchat.servers.parsers import find_executable

    executable = find_executable()
    if executable is None:
        raise UsageError(
            "mlx-openai-server is not installed (not beside this Python, not on PATH)",
            hint="pip install 'mlxchat[servers]' (or mlx-openai-server), or use --server mlx-lm",
        )
    assert profile.model_path is not None
    argv = [
        executable,
        "launch",
        "--model-path",
        profile.model_path,
        "--model-type",
        profile.model_type,
        "--host",
        profile.host,
        "--port",
        str(profile.port),
        # Its own log file would default to logs/app.log in the working directory; mlxchat
        # captures stdout and stderr into the profile's log instead.
        "--no-log-file",
    ]
    if profile.model:
        argv += ["--served-model-name", profile.model]
    if profile.reasoning_parser:
        argv += ["--reasoning-parser", profile.reasoning_parser]
    if profile.tool_call_parser:
        argv += ["--tool-call-parser", profile.tool_call_parser, "--enable-auto-tool-choice"]
    if profile.context_length:
        argv += ["--context-length", str(profile.context_length)]
    return LaunchSpec(argv + profile.extra_args)


def _mlx_lm(profile: Profile) -> LaunchSpec:
    assert profile.model_path is not None
    cache = paths.hf_cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    argv = [
        sys.executable,
        "-m",
        "mlx_lm.server",
        "--model",
        profile.model_path,
        "--host",
        profile.host,
        "--port",
        str(profile.port),
    ]
    # mlx_lm.server lists no models unless the Hugging Face cache directory exists: use the
    # user's when it is set and exists, else an empty one of ours. Downloads are not forbidden.
    user_cache = os.environ.get("HF_HUB_CACHE")
    env = {} if user_cache and Path(user_cache).is_dir() else {"HF_HUB_CACHE": str(cache)}
    return LaunchSpec(argv + profile.extra_args, env)


def _command(profile: Profile) -> LaunchSpec:
    assert profile.command is not None
    values = {
        "host": profile.host,
        "port": str(profile.port),
        "model_path": profile.model_path or "",
        "model": profile.request_model(),
    }
    # Split first, then fill in: a value with spaces stays one argument.
    argv = [part.format(**values) for part in shlex.split(profile.command)]
    return LaunchSpec(argv + profile.extra_args)
