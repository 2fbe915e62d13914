"""Which command modules make up the CLI. Each module has a ``register(app)`` function.

Only the module of the command being run is imported and registered (typer builds a click command
for every registered function, with all its options, on every run). Help, completion scripts and
anything that is not a known command name get them all.
"""

from __future__ import annotations

import importlib

import typer

MODULES: dict[str, str] = {
    "chat": "chat_cmd",
    "batch": "batch_cmd",
    "render": "render_cmd",
    "start": "lifecycle_cmds",
    "stop": "lifecycle_cmds",
    "restart": "lifecycle_cmds",
    "status": "lifecycle_cmds",
    "logs": "lifecycle_cmds",
    "profile": "profile_cmds",
    "history": "history_cmds",
}
ORDER = ("lifecycle_cmds", "chat_cmd", "batch_cmd", "render_cmd", "profile_cmds", "history_cmds")
"""Registration order of all modules, which is the order of the commands in --help."""


def register(app: typer.Typer, argv: list[str] | None = None) -> None:
    """Register the command modules ``argv`` needs (all of them when ``argv`` is None)."""
    first = next((arg for arg in argv or [] if not arg.startswith("-")), None)
    needs_all = argv is None or first not in MODULES or any(a in ("-h", "--help") for a in argv[:1])
    names = ORDER if needs_all else (MODULES[str(first)],)
    for name in names:
        importlib.import_module(f"mlxchat.cli.{name}").register(app)
