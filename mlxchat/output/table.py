"""Plain aligned columns: the tables of ``profile list`` and ``status`` (data for stdout)."""

from __future__ import annotations


def table(header: list[str], rows: list[list[str]]) -> str:
    """Columns two spaces apart, no colour, no box drawing; trailing spaces trimmed."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in [header, *rows]
    ]
    return "\n".join(lines) + "\n"
