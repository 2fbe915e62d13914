"""Every filesystem location mlxchat uses, in one place.

By default the profile file lives in the user's config directory and run state (pid records,
logs, locks) in the user's state directory, as platformdirs defines them. ``MLXCHAT_HOME``
relocates both: ``$MLXCHAT_HOME/config`` and ``$MLXCHAT_HOME/state``.
"""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "mlxchat"
HOME_ENV = "MLXCHAT_HOME"


def config_dir() -> Path:
    home = os.environ.get(HOME_ENV)
    if home:
        return Path(home).expanduser() / "config"
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def state_dir() -> Path:
    home = os.environ.get(HOME_ENV)
    if home:
        return Path(home).expanduser() / "state"
    import platformdirs

    return Path(platformdirs.user_state_dir(APP_NAME, appauthor=False))


def profiles_file() -> Path:
    return config_dir() / "profiles.toml"


def run_dir() -> Path:
    """Pid records of running servers, one JSON file per profile."""
    return state_dir() / "run"


def logs_dir() -> Path:
    """Server logs, one file per profile."""
    return state_dir() / "logs"


def locks_dir() -> Path:
    """Per-profile lock files that serialise start and stop."""
    return state_dir() / "locks"


def history_file() -> Path:
    """Lines typed in interactive chat (readline's history), kept across sessions."""
    return state_dir() / "chat-history"


def hf_cache_dir() -> Path:
    """An existing, empty Hugging Face cache for servers (mlx_lm.server lists no models without one)."""
    return state_dir() / "hf-cache"


def package_models_dir() -> Path:
    """Models shipped inside the package (the tiny test model)."""
    return Path(__file__).resolve().parent / "models"


def tiny_model_dir() -> Path:
    return package_models_dir() / "tiny-qwen3"
