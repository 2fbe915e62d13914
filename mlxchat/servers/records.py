"""Pid records: one JSON file per running profile in the run directory, written atomically.

A record says which process mlxchat started for a profile and how to recognise it later (its
create time and command line), so a reused pid is never mistaken for our server.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from mlxchat import paths
from mlxchat.files import atomic_write
from mlxchat.typed_json import FieldError, decode


@dataclass
class ServerRecord:
    profile: str
    pid: int
    create_time: float
    """psutil's create_time of the process: with the pid, its identity."""
    cmdline: list[str]
    """The process's command line as the OS showed it right after start."""
    command: list[str]
    """The argv mlxchat launched."""
    kind: str
    host: str
    port: int
    log_path: str
    started_at: float
    """Wall-clock time of the start (seconds since the epoch)."""
    ready: bool = False
    """Set once the server was seen ready; a server that stops answering is then 'unhealthy'."""
    ready_at: float | None = None
    log_offset: int = 0
    """Where this start's output begins in the log (records of older versions: 0)."""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def record_path(name: str) -> Path:
    return paths.run_dir() / f"{name}.json"


def read_record(name: str) -> ServerRecord | None:
    """The record of ``name``, or None. A record that cannot be read or has a field of the wrong
    type is treated as none and removed (mlxchat never acts on a record it cannot trust)."""
    path = record_path(name)
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        path.unlink(missing_ok=True)
        return None
    record = _from_json(data)
    if record is None or record.profile != name:
        path.unlink(missing_ok=True)
        return None
    return record


def _from_json(data: object) -> ServerRecord | None:
    """A record from its JSON, or None when a field is missing or of the wrong type. Keys this
    version does not know are ignored (a newer mlxchat may add some)."""
    if not isinstance(data, dict):
        return None
    try:
        record = decode(ServerRecord, data)
    except FieldError:
        return None
    return record if record.pid > 0 else None


def write_record(record: ServerRecord) -> None:
    atomic_write(record_path(record.profile), json.dumps(record.to_json(), indent=1).encode())


def remove_record(name: str) -> None:
    record_path(name).unlink(missing_ok=True)


def all_records() -> dict[str, ServerRecord]:
    out: dict[str, ServerRecord] = {}
    try:
        files = sorted(paths.run_dir().glob("*.json"))
    except OSError:
        return out
    for path in files:
        record = read_record(path.stem)
        if record is not None:
            out[record.profile] = record
    return out
