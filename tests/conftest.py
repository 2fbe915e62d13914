"""Shared test setup. Fixtures live in tests/fixtures/ (one module per area) and are loaded here."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = [
    "tests.fixtures.common",
    "tests.fixtures.standin",
    "tests.fixtures.real_servers",
    "tests.fixtures.lifecycle",
    "tests.fixtures.llama_server",
]


@pytest.fixture(autouse=True)
def mlxchat_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own MLXCHAT_HOME: no test reads or writes the user's real profiles."""
    home = tmp_path / "mlxchat-home"
    monkeypatch.setenv("MLXCHAT_HOME", str(home))
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    return home
