"""``command``: any OpenAI-compatible server, started from the profile's command template.

The template names ``{host}`` ``{port}`` ``{model_path}`` ``{model}``; it is split like a shell line
first and filled in after, so a value with spaces stays one argument. Ready: ``/health`` 200, or, for
a server without ``/health`` (404/405), ``/v1/models`` 200.
"""

from __future__ import annotations

import shlex
import shutil
from pathlib import Path

from mlxchat.errors import UsageError
from mlxchat.profile import Profile, check_template
from mlxchat.servers.kinds.base import PROBE_TIMEOUT, LaunchSpec, LocalKind
from mlxchat.servers.probe import request


class CommandKind(LocalKind):
    name = "command"

    def validate_launch(self, profile: Profile) -> None:
        if not profile.command:
            raise UsageError(
                f"profile {profile.name!r}: a command profile needs --command TEMPLATE",
                hint="e.g. --command 'llama-server -m MODEL.gguf --host {host} --port {port}'",
            )
        check_template(profile.name, profile.command)

    def command_line(self, profile: Profile) -> LaunchSpec:
        assert profile.command is not None
        values = {
            "host": profile.host,
            "port": str(profile.port),
            "model_path": profile.model_path or "",
            "model": self.request_model(profile),
        }
        # Split first, then fill in: a value with spaces stays one argument.
        argv = [part.format(**values) for part in shlex.split(profile.command)]
        return LaunchSpec(argv + profile.extra_args)

    def healthy(self, profile: Profile, timeout: float = PROBE_TIMEOUT) -> bool:
        health = self.health(profile, timeout)
        if health is None:
            return False
        if health.status in (404, 405):
            models = request(profile.base_url(), "/v1/models", timeout=timeout)
            return models is not None and models.status == 200
        return health.status == 200

    def warnings(self, profile: Profile, given: set[str]) -> list[str]:
        if not profile.command or "command" not in given:
            return []
        program = shlex.split(profile.command)[0]
        if "/" in program and not Path(program).expanduser().is_absolute():
            return [
                f"{program!r} is a relative path; servers run in mlxchat's state directory: "
                "use an absolute path"
            ]
        if "/" not in program and "{" not in program and shutil.which(program) is None:
            return [f"{program!r} is not on PATH here"]
        return []
