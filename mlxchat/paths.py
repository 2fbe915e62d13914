"""Every filesystem location mlxchat uses, in one place.

By default the profile file and settings live in the user's config directory, run state (pid
records, logs, locks) in the user's state directory and kept data (the conversation history) in
the user's data directory, as platformdirs defines them. ``MLXCHAT_HOME`` relocates all three:
``$MLXCHAT_HOME/config``, ``$MLXCHAT_HOME/state`` and ``$MLXCHAT_HOME/data``.

Every path here is absolute: a relative ``MLXCHAT_HOME`` is resolved against the working directory
of the mlxchat command, once, here. (Servers run in the state directory: a relative path handed to
one, such as its ``HF_HUB_CACHE``, would point somewhere else.)
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from mlxchat.errors import UsageError

if TYPE_CHECKING:
    from mlxchat.files import LockUnavailable

APP_NAME = "mlxchat"
HOME_ENV = "MLXCHAT_HOME"


def _home() -> Path | None:
    home = os.environ.get(HOME_ENV)
    return Path(home).expanduser().absolute() if home else None


def config_dir() -> Path:
    home = _home()
    if home:
        return home / "config"
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)).absolute()


def state_dir() -> Path:
    home = _home()
    if home:
        return home / "state"
    import platformdirs

    return Path(platformdirs.user_state_dir(APP_NAME, appauthor=False)).absolute()


def data_dir() -> Path:
    home = _home()
    if home:
        return home / "data"
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)).absolute()


def not_writable(path: Path, exc: OSError) -> UsageError:
    """The clear error (exit 2) for a state or config location that cannot be written, whatever
    the reason (permissions, a read-only file system, a full disk or quota, a file in the way)."""
    reason = exc.strerror or type(exc).__name__
    return UsageError(f"cannot write to {path}: {reason}", hint=_way_out(exc.errno))


def not_writable_from(exc: OSError | LockUnavailable, fallback: Path | None = None) -> UsageError:
    """not_writable() for the place the failure names: the directory of a lock file that cannot be
    opened, or the file an OSError names (else ``fallback``, by default the state directory)."""
    if isinstance(exc, OSError):
        return not_writable(Path(exc.filename or fallback or state_dir()), exc)
    return not_writable(exc.path.parent, exc.error)


def _way_out(code: int | None) -> str:
    import errno

    elsewhere = f"set {HOME_ENV} to a directory"
    if code in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return f"free some space there (the disk or your quota is full), or {elsewhere} on another disk"
    if code == errno.EROFS:
        return f"its file system is mounted read-only: {elsewhere} on a writable one"
    if code in (errno.EEXIST, errno.ENOTDIR):
        return f"a file stands where mlxchat needs a directory: move it away, or {elsewhere} of your own"
    return f"make it writable by you (it may belong to another user, e.g. after sudo), or {elsewhere} you own"


def ensure_writable(directory: Path) -> None:
    """Create ``directory`` if needed and prove a file can be written there; else not_writable()."""
    import tempfile

    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=directory):
            pass
    except OSError as exc:
        raise not_writable(directory, exc) from None


def profiles_file() -> Path:
    return config_dir() / "profiles.toml"


def settings_file() -> Path:
    """Settings that are not about one profile (``mlxchat history off``)."""
    return config_dir() / "settings.toml"


def history_db() -> Path:
    """The conversation history: a SQLite database (docs/history.md)."""
    return data_dir() / "history.db"


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


def tiny_vlm_dir() -> Path:
    """The tiny vision model (docs/tiny-model.md): it tells colours and the red corner of a picture."""
    return package_models_dir() / "tiny-vlm"
