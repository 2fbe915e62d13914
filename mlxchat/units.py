"""How sizes and durations read in messages and tables: one rule each, used everywhere."""

from __future__ import annotations


def human_bytes(n: int) -> str:
    """Decimal units, as file managers show them: ``999 bytes``, ``1.5 KB``, ``387.0 KB``, ``2.0 GB``."""
    if n < 1000:
        return f"{n} bytes"
    value = n / 1000
    for unit in ("KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            break
        value /= 1000
    return f"{value:.1f} {unit}"


def human_duration(seconds: float) -> str:
    """``0.05s`` and ``2.4s`` below a minute (two decimals below a second, so a fast step does not
    read as 0.0s), then whole units: ``1m05s``, ``2h03m``, ``3d04h``."""
    if seconds < 0.995:
        return f"{seconds:.2f}s"
    if seconds < 59.95:
        return f"{seconds:.1f}s"
    s = round(seconds)
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    if s < 86400:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    return f"{s // 86400}d{s % 86400 // 3600:02d}h"
