"""Server failures mlxchat recognises by their message, with what the user can do about them.

Each entry is a known defect of a server, not of mlxchat or the request: the error event keeps the
server's own message and gains a hint. docs/servers.md lists them.
"""

from __future__ import annotations

from typing import Final

_DEFECTS: Final[tuple[tuple[str, str], ...]] = (
    (
        # mlx-openai-server 1.7/1.8 with mlx-vlm 0.4.4 on MLX 0.31.2 or later: the image inputs are
        # built on one thread and generated on another, and MLX streams belong to one thread.
        "in current thread",
        "a known defect of mlx-openai-server's multimodal mode with MLX 0.31.2 or later (every image "
        "request fails); serve the model with `--server mlx-vlm` instead, or run mlx-openai-server "
        "from an environment with MLX 0.31.1 (docs/servers.md: the multimodal set)",
    ),
)


def known_defect_hint(message: str) -> str | None:
    """The hint for a server error message that names a known defect, else None."""
    for marker, hint in _DEFECTS:
        if marker in message and "no Stream(" in message:
            return hint
    return None
