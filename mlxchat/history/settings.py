"""Whether chats are logged: ``--no-log``, ``MLXCHAT_NO_HISTORY``, and ``mlxchat history off|on``.

The setting lives in the settings file (``[history] log = false``); a settings file that cannot be
read is never overwritten, and a chat treats it as "off" (better a turn not kept than one kept
against the user's wish).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from mlxchat import paths
from mlxchat.errors import ConfigError

NO_HISTORY_ENV: Final = "MLXCHAT_NO_HISTORY"
_FALSE: Final = ("", "0", "false", "no", "off")


def env_disables(environ: Mapping[str, str]) -> bool:
    """``MLXCHAT_NO_HISTORY`` set to anything but empty, 0, false, no or off."""
    return environ.get(NO_HISTORY_ENV, "").strip().lower() not in _FALSE


def _read(path: Path) -> dict[str, Any]:
    import tomllib

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the settings file {path}: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"the settings file {path} is not valid TOML ({exc}); it is left as it is",
            hint=f"fix it, or remove it to go back to the defaults: rm '{path}'",
        ) from None
    return data


def setting_on(path: Path | None = None) -> bool:
    """``mlxchat history on|off`` as set (on when never set); ConfigError when unreadable."""
    path = path or paths.settings_file()
    if not path.exists():
        return True
    section = _read(path).get("history")
    value = section.get("log", True) if isinstance(section, dict) else True
    if not isinstance(value, bool):
        raise ConfigError(f"{path}: [history] log must be true or false, not {value!r}")
    return value


def set_setting(on: bool, path: Path | None = None) -> None:
    import tomli_w

    from mlxchat.files import atomic_write

    path = path or paths.settings_file()
    data = _read(path)
    section = data.get("history")
    if not isinstance(section, dict):
        section = data["history"] = {}
    section["log"] = on
    atomic_write(path, tomli_w.dumps(data).encode())
