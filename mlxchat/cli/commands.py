"""Which command modules make up the CLI. Each module has a ``register(app)`` function."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    pass
