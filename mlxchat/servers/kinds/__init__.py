"""Server kinds, one module each, registered here under the name profiles use (``server = "..."``).

A new kind is one module beside these (a ServerKind: its profile rules, command line, readiness
and detection) plus one line in KINDS, and its name in mlxchat.profile.ServerKindName (mypy and
an import-time check keep the two in step).
"""

from __future__ import annotations

import typing
from typing import Final

from mlxchat.errors import UsageError
from mlxchat.profile import Profile, ServerKindName, check_name
from mlxchat.servers.kinds.base import LaunchSpec, ReadinessCheck, ServerKind
from mlxchat.servers.kinds.command import CommandKind
from mlxchat.servers.kinds.mlx_lm import MlxLm
from mlxchat.servers.kinds.mlx_openai_server import MlxOpenaiServer
from mlxchat.servers.kinds.mlx_vlm import MlxVlm
from mlxchat.servers.kinds.remote import Remote, not_managed

KINDS: Final[dict[ServerKindName, ServerKind]] = {
    kind.name: kind for kind in (MlxOpenaiServer(), MlxLm(), MlxVlm(), CommandKind(), Remote())
}
assert tuple(KINDS) == typing.get_args(ServerKindName), "KINDS and ServerKindName disagree"

__all__ = ["KINDS", "LaunchSpec", "ReadinessCheck", "ServerKind", "check_profile", "kind_of", "not_managed"]


def kind_of(profile: Profile) -> ServerKind:
    """The profile's server kind; UsageError (exit 2) listing the kinds for an unknown one."""
    kind = KINDS.get(profile.server)
    if kind is None:
        raise UsageError(
            f"profile {profile.name!r}: unknown server kind {profile.server!r}",
            hint=f"kinds: {', '.join(KINDS)}",
        )
    return kind


def check_profile(profile: Profile) -> ServerKind:
    """Every rule that needs nothing but the profile (its fields, then its kind's); returns the kind."""
    check_name(profile.name)
    kind = kind_of(profile)
    profile.check()
    kind.validate(profile)
    return kind
