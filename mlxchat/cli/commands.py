"""Which command modules make up the CLI. Each module has a ``register(app)`` function."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    from mlxchat.cli import chat_cmd, lifecycle_cmds, profile_cmds, render_cmd

    profile_cmds.register(app)
    lifecycle_cmds.register(app)
    chat_cmd.register(app)
    render_cmd.register(app)
