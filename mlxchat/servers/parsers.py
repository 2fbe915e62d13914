"""The reasoning and tool-call parser names the installed mlx-openai-server accepts.

They are click choices of ``mlx-openai-server launch`` and change between versions, so they are
read from its ``launch --help`` (slow: it imports the whole server) once and cached in the state
dir, keyed by the executable's path, size and modification time (reinstalling rewrites it).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from mlxchat import paths
from mlxchat.files import atomic_write

EXECUTABLE = "mlx-openai-server"
HELP_TIMEOUT = 120.0


@dataclass(frozen=True)
class ParserChoices:
    reasoning: tuple[str, ...]
    tool_call: tuple[str, ...]


def find_executable(name: str = EXECUTABLE) -> str | None:
    """Next to this Python first (same virtual environment), then on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which(name)


def cache_file() -> Path:
    return paths.state_dir() / "cache" / "mlx-openai-server-parsers.json"


def _key(executable: str) -> str:
    st = Path(executable).stat()
    return f"{executable}:{st.st_size}:{st.st_mtime_ns}"


def parse_help(text: str) -> ParserChoices:
    def choices(flag: str) -> tuple[str, ...]:
        match = re.search(re.escape(flag) + r"\s*\[([^\]]*)\]", text)
        if not match:
            return ()
        return tuple(c.strip() for c in re.sub(r"\s+", "", match.group(1)).split("|") if c.strip())

    return ParserChoices(choices("--reasoning-parser"), choices("--tool-call-parser"))


def installed_choices() -> ParserChoices | None:
    """The installed server's choices, or None when it is not installed or its help cannot be read."""
    executable = find_executable()
    if executable is None:
        return None
    key = _key(executable)
    cached = cache_file()
    try:
        data = json.loads(cached.read_text("utf-8"))
        if data.get("key") == key:
            return ParserChoices(tuple(data["reasoning"]), tuple(data["tool_call"]))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    from mlxchat.servers.process import run_capture

    try:
        code, text = run_capture(
            [executable, "launch", "--help"], timeout=HELP_TIMEOUT, env={"COLUMNS": "400", "NO_COLOR": "1"}
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    found = parse_help(text)
    if code != 0 or not found.reasoning:
        return None
    payload = {"key": key, "reasoning": list(found.reasoning), "tool_call": list(found.tool_call)}
    atomic_write(cached, json.dumps(payload).encode(), mode=0o644)
    return found
