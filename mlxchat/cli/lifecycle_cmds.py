"""(placeholder: commands registered by this module arrive with their issue)"""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    pass
