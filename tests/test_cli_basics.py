"""The root command: version, help, unknown commands."""

from __future__ import annotations

from mlxchat import __version__
from tests.fixtures.common import RunCli


def test_version_prints_the_package_version(run_cli: RunCli) -> None:
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout == f"mlxchat {__version__}\n"
    assert result.stderr == ""


def test_help_lists_usage(run_cli: RunCli) -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    assert "Usage: mlxchat" in result.stdout


def test_unknown_command_is_a_usage_error_without_traceback(run_cli: RunCli) -> None:
    result = run_cli("no-such-command")
    assert result.returncode == 2
    assert "No such command" in result.stderr
    assert "Traceback" not in result.stderr
