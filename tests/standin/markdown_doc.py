"""A long, deterministic Markdown answer (headings, paragraphs, code, tables, lists) for rendering tests.

Shared by the stand-in's ``markdown`` scenario and the rendering benchmark, so both see the same text.
"""

from __future__ import annotations

import random

WORDS = (  # noqa: SIM905 (a sentence reads better than a list of words)
    "the model streams tokens quickly while rendering markdown blocks with code tables and lists "
    "every answer should stay readable on a terminal however long it grows"
).split()
CHARS_PER_TOKEN = 4


def markdown_doc(tokens: int, seed: int = 1) -> str:
    """About ``tokens`` tokens (of ~4 characters) of varied Markdown."""
    rnd = random.Random(seed)
    parts: list[str] = []
    size = 0
    section = 0
    while size < tokens * CHARS_PER_TOKEN:
        kind = section % 4
        if kind == 0:
            parts.append(f"## Section {section}\n\n")
        parts.append(" ".join(rnd.choice(WORDS) for _ in range(40)) + ".\n\n")
        if kind == 1:
            body = "\n".join(f"value_{i} = compute({i}) * 2  # step {i}" for i in range(8))
            parts.append(f"```python\n{body}\n```\n\n")
        elif kind == 2:
            rows = "".join(f"| {i} | {i * i} | {rnd.choice(WORDS)} |\n" for i in range(6))
            parts.append(f"| n | square | word |\n|---|---|---|\n{rows}\n")
        elif kind == 3:
            parts.append(
                "".join(f"- item {i}: {rnd.choice(WORDS)} {rnd.choice(WORDS)}\n" for i in range(5)) + "\n"
            )
        section += 1
        size = sum(len(p) for p in parts)
    return "".join(parts)


def token_chunks(text: str) -> list[str]:
    return [text[i : i + CHARS_PER_TOKEN] for i in range(0, len(text), CHARS_PER_TOKEN)]
