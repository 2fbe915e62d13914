"""``mlx-openai-server``: opens its port only once the model is loaded, so ``/health`` 200 means ready.

It takes a reasoning parser and a tool-call parser (the installed version's choices, checked when a
profile is saved); the reasoning parser is detected from the model's config.json.
"""

from __future__ import annotations

from mlxchat.errors import UsageError
from mlxchat.profile import Profile
from mlxchat.servers.kinds.base import LaunchSpec, ModelServerKind


class MlxOpenaiServer(ModelServerKind):
    name = "mlx-openai-server"
    takes_parsers = True

    def command_line(self, profile: Profile) -> LaunchSpec:
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
