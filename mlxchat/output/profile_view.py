"""How profiles are shown: ``profile list`` (a table), ``profile show`` (one field a line) and the
stable JSON of both (docs/profiles.md)."""

from __future__ import annotations

import shlex
from dataclasses import asdict
from typing import Any

from mlxchat.output.table import table
from mlxchat.profile import Profile
from mlxchat.servers.kinds import kind_of


def profile_json(profile: Profile) -> dict[str, Any]:
    """Every field, null when unset, then ``request_model`` and ``base_url``."""
    out = asdict(profile)
    out["request_model"] = kind_of(profile).request_model(profile)
    out["base_url"] = profile.base_url() if (profile.url or profile.port is not None) else None
    return out


def address(profile: Profile) -> str:
    return profile.base_url() if kind_of(profile).is_remote else f"{profile.host}:{profile.port}"


def profiles_table(profiles: list[Profile]) -> str:
    rows = [[p.name, p.server, address(p), p.model_label()] for p in profiles]
    return table(["NAME", "SERVER", "ADDRESS", "MODEL"], rows)


def profile_text(profile: Profile) -> str:
    """``key  value`` lines: lists as a shell would write them, ``-`` for unset, yes/no."""
    data = profile_json(profile)
    width = max(len(k) for k in data)
    return "".join(f"{key.ljust(width)}  {_shown(value)}\n" for key, value in data.items())


def _shown(value: object) -> str:
    if isinstance(value, list):
        return shlex.join(value) if value else "-"
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)
