"""The profile file: one TOML table per profile under ``[profiles.NAME]`` (docs/profiles.md).

Reads use tomllib; writes use tomli-w, atomically (temp file in the same directory, fsync,
os.replace), mode 0600, under a lock so two writers never lose each other's change. A file that
cannot be read is reported with its path and line and is never overwritten.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from mlxchat import paths
from mlxchat.errors import ConfigError, UsageError
from mlxchat.files import LockUnavailable, atomic_write, profiles_file_lock
from mlxchat.profile import Profile, profile_from_dict
from mlxchat.servers.kinds import check_profile, kind_of

HEADER = "# mlxchat profiles: one [profiles.NAME] table each; fields in docs/profiles.md\n\n"
T = TypeVar("T")


def _read_tables(path: Path) -> dict[str, dict[str, Any]]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(f"cannot read the profile file {path}: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason})", hint=_fix_hint(path)) from None
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message ends with "(at line L, column C)", or "(at end of document)".
        message = str(exc)
        if "at end of document" in message:
            lines = raw.count(b"\n") + (0 if raw.endswith(b"\n") else 1)
            message += f" (line {lines})"
        raise ConfigError(f"{path}: invalid TOML: {message}", hint=_fix_hint(path)) from None
    unknown = sorted(set(data) - {"profiles"})
    if unknown:
        raise ConfigError(
            f"{path}: unknown top-level key(s): {', '.join(unknown)}",
            hint="profiles are tables named [profiles.NAME]",
        )
    tables = data.get("profiles", {})
    if not isinstance(tables, dict) or not all(isinstance(v, dict) for v in tables.values()):
        raise ConfigError(f"{path}: 'profiles' must hold one table per profile ([profiles.NAME])")
    return tables


def _fix_hint(path: Path) -> str:
    return f"fix or move {path}; mlxchat does not change it while it cannot be read"


def load_profiles() -> dict[str, Profile]:
    """Every profile in the file, by name (an absent file means no profiles)."""
    path = paths.profiles_file()
    out: dict[str, Profile] = {}
    for name, table in _read_tables(path).items():
        try:
            profile = profile_from_dict(name, table, str(path))
            check_profile(profile)
        except ConfigError:
            raise
        except UsageError as exc:
            message = exc.message if exc.message.startswith(str(path)) else f"{path}: {exc.message}"
            raise ConfigError(message, hint=exc.hint) from None
        out[name] = profile
    _refuse_hand_made_clash(out, path)
    return out


@dataclass(frozen=True)
class Clash:
    """Two profiles that may not be in one file: ``second`` shares ``first``'s name, ignoring case
    (their record, lock and log files would be one on a case-insensitive disk, the macOS default),
    or, both local, its ``port`` (one server's /health could answer for the other's start)."""

    first: str
    second: str
    port: int | None = None
    """The port both use; None when the names clash."""


def find_clash(profiles: Iterable[Profile]) -> Clash | None:
    """The first clash among ``profiles``, in their order (the one place of the rule)."""
    names: dict[str, str] = {}
    ports: dict[int, str] = {}
    for profile in profiles:
        other = names.setdefault(profile.name.lower(), profile.name)
        if other != profile.name:
            return Clash(other, profile.name)
        if kind_of(profile).is_remote or profile.port is None:
            continue
        other = ports.setdefault(profile.port, profile.name)
        if other != profile.name:
            return Clash(other, profile.name, profile.port)
    return None


def _refuse_hand_made_clash(profiles: dict[str, Profile], path: Path) -> None:
    """ConfigError for a file edited by hand into a clash (no command writes one)."""
    clash = find_clash(profiles.values())
    if clash is None:
        return
    both = f"{path}: profiles {clash.first!r} and {clash.second!r}"
    if clash.port is None:
        raise ConfigError(
            f"{both} differ only in case",
            hint="profile names are unique regardless of case (their files would clash on macOS): "
            "rename or remove one in the file",
        )
    raise ConfigError(
        f"{both} both use port {clash.port}",
        hint="each local profile needs a port of its own: change or remove one in the file",
    )


def _refuse_clash(loaded: dict[str, Profile], profiles: dict[str, Profile]) -> None:
    """UsageError when a change makes a profile clash with another: checked on the whole file just
    before it is written, under its lock, so two changes at once (two ``profile add``) cannot both
    take one name or port. The profiles the change left alone come first: a clash names one of
    them as the profile that has the name or port already."""
    kept = [p for name, p in profiles.items() if loaded.get(name) is p]
    changed = [p for name, p in profiles.items() if loaded.get(name) is not p]
    clash = find_clash(kept + changed)
    if clash is None:
        return
    if clash.port is None:
        raise UsageError(
            f"a profile named {clash.first!r} already exists: names may not differ only in case",
            hint="profile names are unique regardless of case (their files would clash on macOS)",
        )
    raise UsageError(
        f"port {clash.port} is already used by profile {clash.first!r}",
        hint="choose another --port, or leave it out to get a free one",
    )


def profile_names() -> list[str]:
    return sorted(load_profiles())


def unknown_profile(name: str, known: list[str]) -> UsageError:
    if not known:
        return UsageError(f"no profile named {name!r}", hint="create one with `mlxchat profile add NAME ...`")
    close = difflib.get_close_matches(name, known, n=1)
    hint = (f"did you mean {close[0]!r}? " if close else "") + "known profiles: " + ", ".join(known)
    return UsageError(f"no profile named {name!r}", hint=hint)


def get_profile(name: str) -> Profile:
    """The named profile; UsageError (exit 2) listing the known names when there is none."""
    profiles = load_profiles()
    if name not in profiles:
        raise unknown_profile(name, sorted(profiles))
    return profiles[name]


def update_profiles(change: Callable[[dict[str, Profile]], T]) -> T:
    """Read, let ``change`` edit the dict in place (it may raise to abort), write back atomically.

    The whole read-change-write runs under a lock; when ``change`` raises, the file is untouched.
    """
    lock = profiles_file_lock()
    try:
        lock.acquire()
    except LockUnavailable as exc:
        raise paths.not_writable_from(exc) from None
    try:
        profiles = load_profiles()
        loaded = dict(profiles)
        result = change(profiles)
        for profile in profiles.values():
            check_profile(profile)
        _refuse_clash(loaded, profiles)
        write_profiles(profiles)
        return result
    finally:
        lock.release()


def check_new_name(name: str, profiles: dict[str, Profile]) -> None:
    """UsageError when a profile of this very name exists (one that differs only in case is refused
    when the file is written: _refuse_clash)."""
    if name in profiles:
        raise UsageError(
            f"a profile named {name!r} already exists",
            hint=f"change it with `mlxchat profile edit {name} ...`, or remove it first",
        )


def save_profile(profile: Profile) -> None:
    """Add a profile as it is (UsageError if the name is taken); ``profile add`` also prepares it."""

    def change(profiles: dict[str, Profile]) -> None:
        check_new_name(profile.name, profiles)
        profiles[profile.name] = profile

    update_profiles(change)


def remove_profile(name: str) -> Profile:
    def change(profiles: dict[str, Profile]) -> Profile:
        if name not in profiles:
            raise unknown_profile(name, sorted(profiles))
        return profiles.pop(name)

    return update_profiles(change)


def render(profiles: dict[str, Profile]) -> str:
    import tomli_w

    body = tomli_w.dumps({"profiles": {name: p.to_dict() for name, p in sorted(profiles.items())}})
    return HEADER + body


def write_profiles(profiles: dict[str, Profile]) -> None:
    """Write the whole file atomically with mode 0600 (directories created as needed); a file
    that cannot be written (for any reason) is UsageError naming it, and stays as it was."""
    path = paths.profiles_file()
    try:
        atomic_write(path, render(profiles).encode("utf-8"))
    except OSError as exc:
        raise paths.not_writable_from(exc, path) from None
