"""Adding, editing, copying and removing profiles: the rules ``mlxchat profile ...`` applies.

Each change runs inside one locked read-change-write of the profile file (profile_store), and is
completed and checked against this machine first (servers.prepare): a change that fails leaves the
file as it was. A running server is found and stopped through what its profile says, so the
fields that say how it runs (LAUNCH_FIELDS) do not change while it runs, nor does it lose its
profile. Of the others, only those it was started with (SERVER_FIELDS) need a restart.
"""

from __future__ import annotations

import dataclasses
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mlxchat.errors import UsageError
from mlxchat.profile import FIELD_NAMES, LAUNCH_FIELDS, SERVER_FIELDS, Profile, check_name
from mlxchat.profile_store import (
    check_new_name,
    get_profile,
    remove_profile,
    unknown_profile,
    update_profiles,
)
from mlxchat.servers.kinds import kind_of
from mlxchat.servers.lifecycle import is_running
from mlxchat.servers.prepare import Notices, prepare

CLEARABLE = tuple(f for f in FIELD_NAMES if f != "server")


@dataclass
class Change:
    profile: Profile
    """The profile as saved."""
    notices: Notices
    """What was detected or assigned, and warnings."""
    runs_old_settings: list[str] = dataclasses.field(default_factory=list)
    """The server-side fields (SERVER_FIELDS) this change set while the server runs, started with
    their old values: a restart applies them. Empty when none was (client-side fields need none)."""


def given_fields(options: Mapping[str, Any]) -> dict[str, Any]:
    """The options the user set (not None), as profile field values (``--extra-args`` split like a shell)."""
    out = {k: v for k, v in options.items() if v is not None}
    unknown = set(out) - set(FIELD_NAMES)
    if unknown:
        raise AssertionError(f"options that are no profile fields: {sorted(unknown)}")
    if "extra_args" in out:
        try:
            out["extra_args"] = shlex.split(out["extra_args"])
        except ValueError as exc:
            raise UsageError(f"--extra-args: {exc}") from None
    return out


def add(name: str, values: dict[str, Any]) -> Change:
    check_name(name)
    profile = Profile(name=name, **values)

    def change(profiles: dict[str, Profile]) -> Change:
        check_new_name(name, profiles)
        notices = prepare(profile, profiles, given=set(values))
        profiles[name] = profile
        return Change(profile, notices)

    return update_profiles(change)


def edit(name: str, values: dict[str, Any], cleared: list[str]) -> Change:
    """Set ``values`` and clear the fields named in ``cleared`` (``model-path`` or ``model_path``)."""
    clear = [f.replace("-", "_") for f in cleared]
    bad = sorted(set(clear) - set(CLEARABLE))
    if bad:
        raise UsageError(f"--unset: cannot clear {', '.join(bad)}", hint="fields: " + ", ".join(CLEARABLE))
    both = sorted(set(clear) & set(values))
    if both:
        raise UsageError(f"--unset {both[0]} and a new value for it at once")
    if not values and not clear:
        raise UsageError(
            "nothing to change",
            hint=f"see `mlxchat profile edit --help`; current: mlxchat profile show {name}",
        )
    defaults = Profile(name=name)
    before: list[Profile] = []

    def change(profiles: dict[str, Profile]) -> Change:
        if name not in profiles:
            raise unknown_profile(name, sorted(profiles))
        before.append(profiles[name])
        profile = dataclasses.replace(profiles[name], **values)
        for key in clear:
            setattr(profile, key, getattr(defaults, key))
        if "server" in values and kind_of(profile).is_remote and "port" not in values:
            profile.port = None  # the URL says where a remote server is
        _refuse_launch_change_while_running(profiles[name], profile)
        notices = prepare(profile, profiles, given=set(values) | set(clear))
        profiles[name] = profile
        return Change(profile, notices)

    done = update_profiles(change)
    changed = [key for key in SERVER_FIELDS if getattr(before[0], key) != getattr(done.profile, key)]
    if changed and not kind_of(done.profile).is_remote and is_running(done.profile):
        done.runs_old_settings = changed
    return done


def _refuse_launch_change_while_running(old: Profile, new: Profile) -> None:
    changed = [key for key in LAUNCH_FIELDS if getattr(old, key) != getattr(new, key)]
    if changed and is_running(old):
        raise UsageError(
            f"the server of {old.name} is running: stop it first to change {', '.join(changed)}",
            hint=f"mlxchat stop {old.name}, edit the profile, then mlxchat start {old.name}",
        )


def copy(src: str, dst: str, port: int | None) -> Change:
    """``src`` under the name ``dst``, with its own port: ``port``, else a free one."""
    check_name(dst)

    def change(profiles: dict[str, Profile]) -> Change:
        if src not in profiles:
            raise unknown_profile(src, sorted(profiles))
        check_new_name(dst, profiles)
        original = profiles[src]
        copied = dataclasses.replace(original, name=dst, port=port, extra_args=list(original.extra_args))
        notices = prepare(copied, profiles, given={"port"} if port is not None else set())
        profiles[dst] = copied
        return Change(copied, notices)

    return update_profiles(change)


def remove(name: str) -> Profile:
    """Remove a profile whose server is not running."""
    if is_running(get_profile(name)):
        raise UsageError(f"the server of {name} is running: stop it first", hint=f"mlxchat stop {name}")
    return remove_profile(name)
