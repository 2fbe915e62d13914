"""The functions other parts call (``chat --start``, ``stop``): lifecycle.start / is_running /
stop_recorded, in-process."""

from __future__ import annotations

import pytest

from mlxchat.errors import UnreachableError, UsageError
from mlxchat.profile import Profile
from mlxchat.profile_store import get_profile
from mlxchat.servers import lifecycle
from tests.fixtures.lifecycle import AddStandin, pid_alive


def test_start_waits_reports_progress_and_stop_ends_it(add_standin_profile: AddStandin) -> None:
    add_standin_profile("api", "--startup-delay", "0.5")
    profile = get_profile("api")
    assert not lifecycle.is_running(profile)
    seen: list[lifecycle.StartProgress] = []
    record = lifecycle.start(profile, timeout=30, progress=seen.append)
    assert record.ready
    assert lifecycle.is_running(profile)
    assert seen
    assert all(p.profile == "api" for p in seen)
    assert any(p.last_log_line and "standin:" in p.last_log_line for p in seen)
    # A second start finds it running and returns the same record.
    assert lifecycle.start(profile).pid == record.pid
    outcome = lifecycle.stop_recorded(profile.name, grace=2)
    assert outcome.stopped
    assert outcome.signal == "SIGINT"
    assert not pid_alive(record.pid)
    assert not lifecycle.is_running(profile)


def test_start_failure_raises_unreachable_with_the_log_tail(add_standin_profile: AddStandin) -> None:
    add_standin_profile("api", "--exit-during-startup", "0")
    with pytest.raises(UnreachableError) as info:
        lifecycle.start(get_profile("api"), timeout=30)
    assert "exited during start-up" in info.value.message
    assert "Application startup failed" in info.value.message
    assert not lifecycle.is_running(get_profile("api"))


def test_remote_profiles_cannot_be_started() -> None:
    with pytest.raises(UsageError):
        lifecycle.start(Profile(name="far", server="remote", url="http://127.0.0.1:9/v1"))


@pytest.mark.parametrize("url", ["http://127.0.0.1:99999/v1", "http://[::1/v1", "https://[::1/v1"])
def test_a_url_that_cannot_be_parsed_is_no_answer_not_an_error(url: str) -> None:
    from mlxchat.servers.probe import request

    assert request(url, "models", timeout=0.5) is None
    assert request(url, "/v1/chat/completions", timeout=0.5, body={"model": "x"}) is None
