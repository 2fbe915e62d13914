"""What a run record says runs, as a profile: the kind, host and port its server was started with.

status probes and shows a recorded server through this, and start checks on one it finds running,
whatever the profile says now (changed by hand while the server ran) or without one (removed).
"""

from __future__ import annotations

from dataclasses import replace

from mlxchat.profile import Profile, ServerKindName
from mlxchat.servers.kinds import KINDS
from mlxchat.servers.records import ServerRecord


def running_profile(profile: Profile | None, record: ServerRecord) -> Profile:
    """The profile as its recorded server was started (the record's kind, host and port): what to
    probe and show, whatever the profile says now (or without one)."""
    kind = _recorded_kind(record)
    if profile is None:
        return Profile(name=record.profile, server=kind, host=record.host, port=record.port)
    return replace(profile, server=kind, host=record.host, port=record.port, url=None)


def _recorded_kind(record: ServerRecord) -> ServerKindName:
    """The record's kind; one this version does not know (a newer mlxchat's) is probed as a
    ``command`` server is (``/health``, else ``/v1/models``)."""
    for name in KINDS:
        if name == record.kind and not KINDS[name].is_remote:
            return name
    return "command"


def running_profile_url(record: ServerRecord) -> str:
    """Where to reach a recorded server (a wildcard host is reached on this machine)."""
    return running_profile(None, record).base_url()
