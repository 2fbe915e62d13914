"""One status row per profile: state, pid, port, uptime, memory of the whole process tree, model.

States: ``running`` (answers as ready), ``starting`` (alive, not ready yet, never was),
``unhealthy`` (alive, was ready, no longer answers), ``crashed`` (recorded but gone: shown once,
then the record is cleaned), ``stopped`` (no record). A remote profile is ``running`` when its
endpoint answers, else ``unhealthy``. Health checks run concurrently with short timeouts.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Literal

from mlxchat.profile import Profile, ServerKindName
from mlxchat.servers.kinds import kind_of

if TYPE_CHECKING:
    from mlxchat.servers.process import ProcessTable
    from mlxchat.servers.records import ServerRecord

StatusState = Literal["running", "starting", "unhealthy", "crashed", "stopped"]
HEALTH_TIMEOUT = 1.0


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
    leftovers: bool = False
    """A crashed server's child processes still run (``mlxchat stop NAME`` ends them)."""

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        del out["leftovers"]
        return out


def row_for(
    profile: Profile, *, timeout: float = HEALTH_TIMEOUT, table: ProcessTable | None = None
) -> StatusRow:
    from mlxchat.servers.lifecycle import live_process
    from mlxchat.servers.logs import log_path
    from mlxchat.servers.records import read_record

    kind = kind_of(profile)
    log = log_path(profile.name)
    row = StatusRow(
        name=profile.name,
        server=profile.server,
        state="stopped",
        pid=None,
        host=None if kind.is_remote else profile.host,
        port=profile.port,
        url=profile.base_url() if (profile.url or profile.port) else None,
        uptime_seconds=None,
        memory_bytes=None,
        model=profile.model_label(),
        log=str(log) if log.exists() else None,
    )
    if kind.is_remote:
        row.state = "running" if kind.healthy(profile, timeout) else "unhealthy"
        return row
    record = read_record(profile.name)
    if record is None:
        return row
    row.pid = record.pid
    proc = live_process(record)
    if proc is None:
        from mlxchat.servers.process import group_survivors

        row.state = "crashed"
        if group_survivors(record.pid, record.create_time):
            row.leftovers = True  # kept until `mlxchat stop` ends them
        else:
            _forget(record.profile, record.pid)
        return row
    from mlxchat.servers.process import tree_rss

    row.uptime_seconds = round(max(time.time() - record.create_time, 0.0), 1)
    row.memory_bytes = tree_rss(proc, table)
    if kind.healthy(profile, timeout):
        row.state = "running"
        if not record.ready:
            _mark_ready(record.profile, record.pid)
    else:
        row.state = "unhealthy" if record.ready else "starting"
    return row


def _forget(name: str, pid: int) -> None:
    """Clean the record of a dead server, unless a start or stop of it is under way right now."""
    from mlxchat.servers.records import remove_record

    _update_record_if_idle(name, pid, lambda record: remove_record(name))


def _mark_ready(name: str, pid: int) -> None:
    """A server started with --no-wait answers now: remember that it was ready once."""
    from mlxchat.servers.records import write_record

    def mark(record: ServerRecord) -> None:
        if not record.ready:
            record.ready = True
            record.ready_at = time.time()
            write_record(record)

    _update_record_if_idle(name, pid, mark)


def _update_record_if_idle(name: str, pid: int, change: Callable[[ServerRecord], None]) -> None:
    """``change`` the record of ``pid``, unless a start or stop of the profile holds its lock now."""
    from mlxchat.files import LockBusy, profile_lock
    from mlxchat.servers.records import read_record

    lock = profile_lock(name)
    try:
        lock.acquire(wait=0)
    except LockBusy:
        return
    try:
        record = read_record(name)
        if record is not None and record.pid == pid:
            change(record)
    finally:
        lock.release()


def collect(profiles: list[Profile], *, timeout: float = HEALTH_TIMEOUT) -> list[StatusRow]:
    """Rows in the order given; profiles are checked concurrently."""
    if len(profiles) <= 1:
        return [row_for(p, timeout=timeout) for p in profiles]
    import threading

    from mlxchat.servers.process import ProcessTable

    table = ProcessTable()  # read at most once, by the first row that needs it
    rows: list[StatusRow | None] = [None] * len(profiles)
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            rows[i] = row_for(profiles[i], timeout=timeout, table=table)
        except BaseException as exc:  # re-raised in the caller's thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(len(profiles))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return [r for r in rows if r is not None]
