"""``remote``: a server that runs elsewhere, at the profile's URL. mlxchat never starts or stops it.

Its API key stays in the environment variable the profile names. It counts as running when
``models`` under its URL answers 200.
"""

from __future__ import annotations

from mlxchat.errors import UsageError
from mlxchat.profile import Profile
from mlxchat.servers.kinds.base import PROBE_TIMEOUT, LaunchSpec, ServerKind
from mlxchat.servers.probe import request

LOCAL_ONLY = ("model_path", "port", "command", "reasoning_parser", "tool_call_parser", "context_length")
"""Fields of a server mlxchat starts: they mean nothing for one that runs elsewhere."""


def not_managed(profile: Profile) -> UsageError:
    return UsageError(f"{profile.name} is a remote profile: mlxchat does not start or stop it")


class Remote(ServerKind):
    name = "remote"
    is_remote = True

    def validate(self, profile: Profile) -> None:
        if not profile.url:
            raise UsageError(
                f"profile {profile.name!r}: a remote profile needs --url",
                hint="e.g. --url http://host:8000/v1",
            )
        for key in LOCAL_ONLY:
            if getattr(profile, key) is not None:
                raise UsageError(
                    f"profile {profile.name!r}: {key} means nothing for a remote profile "
                    "(its --url says where it is)"
                )
        if profile.extra_args:
            raise UsageError(f"profile {profile.name!r}: extra_args mean nothing for a remote profile")

    def launch_spec(self, profile: Profile) -> LaunchSpec:
        raise not_managed(profile)

    def healthy(self, profile: Profile, timeout: float = PROBE_TIMEOUT) -> bool:
        reply = request(profile.base_url(), "models", timeout=timeout, api_key=profile.api_key())
        return reply is not None and reply.status == 200
