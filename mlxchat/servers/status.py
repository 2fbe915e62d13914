"""Status rows: state, pid, port, uptime, memory of the whole process tree, model.

The run records are the truth of what runs: a row per profile, and a row for every record whose
profile is gone (``orphaned``); a recorded server is shown where it runs (the record's kind, host
and port), whatever its profile says now. States: ``running`` (answers as ready), ``starting``
(alive, not ready yet, never was), ``unhealthy`` (alive, was ready, no longer answers), ``crashed``
(recorded but gone: shown once, then the record is cleaned), ``stopped`` (no record). A remote
profile is ``running`` when its endpoint answers, else ``unhealthy``. Health checks run
concurrently with short timeouts.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from mlxchat.profile import Profile, ServerKindName
from mlxchat.servers.kinds import kind_of

if TYPE_CHECKING:
    import psutil

    from mlxchat.servers.identity import Identity
    from mlxchat.servers.process import ProcessTable
    from mlxchat.servers.records import ServerRecord

StatusState = Literal["running", "starting", "unhealthy", "crashed", "stopped"]
HEALTH_TIMEOUT = 1.0
Descendants = tuple["Identity", ...]


@dataclass
class StatusRow:
    name: str
    server: ServerKindName
    state: StatusState
    pid: int | None
    host: str | None
    port: int | None
    url: str | None
    uptime_seconds: float | None
    memory_bytes: int | None
    model: str
    log: str | None
    orphaned: bool = False
    """A server runs (or ran) under this name, but no profile has it any more."""
    leftovers: bool = False
    """A crashed server's child processes still run (``mlxchat stop NAME`` ends them)."""
    notes: list[str] = field(default_factory=list)
    """What the table output says under the table about this row (not part of the JSON)."""

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        del out["leftovers"], out["notes"]
        return out


def _base_row(profile: Profile | None, record: ServerRecord | None, name: str) -> StatusRow:
    from mlxchat.servers.logs import log_path
    from mlxchat.servers.running import running_profile

    log = log_path(name)
    shown = running_profile(profile, record) if record is not None else profile
    assert shown is not None
    remote = kind_of(shown).is_remote
    return StatusRow(
        name=name,
        server=shown.server,
        state="stopped",
        pid=record.pid if record is not None else None,
        host=None if remote else shown.host,
        port=shown.port,
        url=shown.base_url() if (shown.url or shown.port) else None,
        uptime_seconds=None,
        memory_bytes=None,
        model=profile.model_label() if profile is not None else "-",
        log=str(log) if log.exists() else None,
        orphaned=profile is None,
    )


def row_for(
    profile: Profile | None,
    record: ServerRecord | None,
    *,
    timeout: float = HEALTH_TIMEOUT,
    table: ProcessTable | None = None,
) -> StatusRow:
    name = profile.name if profile is not None else record.profile if record is not None else ""
    row = _base_row(profile, record, name)
    if record is None:
        if profile is not None and kind_of(profile).is_remote:
            row.state = "running" if kind_of(profile).healthy(profile, timeout) else "unhealthy"
        return row
    _note_drift(row, profile, record)
    proc = record.live_process()
    if proc is None:
        _crashed(row, record)
        return row
    from mlxchat.servers.running import running_profile

    seen = _measure(row, record, proc, table)
    running = running_profile(profile, record)
    if kind_of(running).healthy(running, timeout):
        row.state = "running"
    else:
        row.state = "unhealthy" if record.ready else "starting"
    _remember(row, record, seen)
    return row


def _crashed(row: StatusRow, record: ServerRecord) -> None:
    from mlxchat.servers import identity

    row.state = "crashed"
    if identity.members(record.evidence(), None):
        row.leftovers = True  # kept until `mlxchat stop` ends them
    else:
        _forget(record.profile, record.pid)


def _measure(
    row: StatusRow, record: ServerRecord, proc: psutil.Process, table: ProcessTable | None
) -> Descendants:
    """Uptime and memory of the whole tree; returns the descendants seen (to remember)."""
    from mlxchat.servers.identity import descendants_now
    from mlxchat.servers.process import rss, tree_members

    members = tree_members(proc, table)
    row.uptime_seconds = round(max(time.time() - record.create_time, 0.0), 1)
    row.memory_bytes = rss(members)
    return descendants_now(proc, members[1:])


def _remember(row: StatusRow, record: ServerRecord, seen: Descendants) -> None:
    """Keep the record up to date: the descendants seen now, and that a --no-wait start answers."""

    def update(now: ServerRecord) -> bool:
        changed = now.remember(seen)
        if row.state == "running" and not now.ready:
            now.ready, now.ready_at, changed = True, time.time(), True
        return changed

    if record.remember(seen) or (row.state == "running" and not record.ready):
        _update_record_if_idle(record.profile, record.pid, update)


def _note_drift(row: StatusRow, profile: Profile | None, record: ServerRecord) -> None:
    """Say where the record and the profile disagree: the row shows what runs."""
    name = record.profile
    if profile is None:
        row.notes.append(f"{name} has no profile any more (removed by hand?): mlxchat stop {name} stops it")
        return
    said = {"server": profile.server, "host": profile.host, "port": profile.port}
    runs = {"server": record.kind, "host": record.host, "port": record.port}
    changed = [f"{key} {said[key]}" for key in said if said[key] != runs[key]]
    if kind_of(profile).is_remote:
        changed = ["a remote server"]
    if changed:
        where = f"{record.kind} on {record.host}:{record.port}"
        row.notes.append(
            f"{name} runs as {where}, but its profile now says {', '.join(changed)} "
            f"(changed while it ran): mlxchat restart {name} applies it"
        )


def _forget(name: str, pid: int) -> None:
    """Clean the record of a dead server, unless a start or stop of it is under way right now."""
    from mlxchat.servers.records import remove_record

    def forget(record: ServerRecord) -> bool:
        remove_record(name)
        return False

    _update_record_if_idle(name, pid, forget)


def _update_record_if_idle(name: str, pid: int, change: Callable[[ServerRecord], bool]) -> None:
    """``change`` the record of ``pid`` (written back when it says so), unless a start or stop of the
    profile holds its lock now. Status never fails for want of write access: then nothing changes."""
    from mlxchat.files import LockBusy, LockUnavailable, profile_lock
    from mlxchat.servers.records import read_record, write_record

    lock = profile_lock(name)
    try:
        lock.acquire(wait=0)
    except (LockBusy, LockUnavailable):
        return
    try:
        record = read_record(name)
        if record is not None and record.pid == pid and change(record):
            write_record(record)
    except OSError:
        pass
    finally:
        lock.release()


def collect(
    profiles: list[Profile],
    records: dict[str, ServerRecord] | None = None,
    *,
    timeout: float = HEALTH_TIMEOUT,
) -> list[StatusRow]:
    """A row per profile, in the order given, then one per record whose profile is not among them
    (``records``: all of them unless given). Rows are checked concurrently."""
    from mlxchat.servers.records import all_records

    if records is None:
        records = all_records()
    targets: list[tuple[Profile | None, ServerRecord | None]] = [(p, records.get(p.name)) for p in profiles]
    named = {p.name for p in profiles}
    targets += [(None, records[n]) for n in sorted(records) if n not in named]
    if len(targets) <= 1:
        return [row_for(p, r, timeout=timeout) for p, r in targets]
    import threading

    from mlxchat.servers.process import ProcessTable

    table = ProcessTable()  # read at most once, by the first row that needs it
    rows: list[StatusRow | None] = [None] * len(targets)
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            rows[i] = row_for(*targets[i], timeout=timeout, table=table)
        except BaseException as exc:  # re-raised in the caller's thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(len(targets))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return [r for r in rows if r is not None]
