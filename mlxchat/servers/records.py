"""Run records: one JSON file per running server in the run directory, written atomically.

A record says which process mlxchat started for a profile and how to recognise it later: its pid
and create time (its identity), the boot it was started in, its run id, and the descendants mlxchat
has seen (the evidence of identity.py). The records are the truth of what runs, whatever the
profile file says now.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlxchat import paths
from mlxchat.files import atomic_write
from mlxchat.servers.identity import Evidence, Identity
from mlxchat.servers.identity import find as find_process

if TYPE_CHECKING:
    import psutil
from mlxchat.typed_json import FieldError, decode


@dataclass
class Seen:
    """A descendant of the server, as mlxchat saw it."""

    pid: int
    create_time: float


@dataclass
class ServerRecord:
    profile: str
    pid: int
    create_time: float
    """psutil's create_time of the process: with the pid, its identity."""
    cmdline: list[str]
    """The command line launched (shown, never compared: the process may exec into another)."""
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
    run_id: str = ""
    """Set in the server's environment (identity.RUN_ID_ENV); older records: empty."""
    boot_time: float | None = None
    """The machine's boot time when the server started: a record of another boot proves nothing."""
    descendants: list[Seen] = field(default_factory=list)
    """The server's descendants mlxchat has seen (at start-up, readiness, status, stop)."""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def identity(self) -> Identity:
        return Identity(self.pid, self.create_time)

    def evidence(self) -> Evidence:
        return Evidence(
            server=self.identity,
            descendants=tuple(Identity(d.pid, d.create_time) for d in self.descendants),
            run_id=self.run_id or None,
            boot=self.boot_time,
        )

    def live_process(self) -> psutil.Process | None:
        """The recorded server while it runs, or None: gone, a zombie, its pid reused, or the record
        is from another boot (pids and clocks started over: a process that matches it is not it)."""
        return find_process(self.identity) if self.evidence().same_boot() else None

    def remember(self, seen: tuple[Identity, ...]) -> bool:
        """Record these as the descendants alive now; True when that changed the record."""
        now = [Seen(i.pid, i.create_time) for i in seen]
        if now == self.descendants:
            return False
        self.descendants = now
        return True


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
        _discard(path)
        return None
    record = _from_json(data)
    if record is None or record.profile != name:
        _discard(path)
        return None
    return record


def _discard(path: Path) -> None:
    """Remove a record that cannot be trusted (unless the state directory is read-only)."""
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)


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
    """Remove the record; OSError when the run directory cannot be written."""
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
