"""Deterministic Markdown answers for rendering tests and benchmarks, by kind and size.

Shared by the stand-in's ``markdown`` and ``paced`` scenarios, the rendering tests and the rendering
benchmark, so all of them see the same text. ``document(kind, size)`` builds one:

| kind | size is | what it holds |
|---|---|---|
| ``project`` | tokens | headings, paragraphs, Python code, tables and lists, in turn |
| ``code`` | lines | one fenced Python block (functions, docstrings, comments) |
| ``table`` | rows | one table with numbers, words and inline code |
| ``paragraph`` | characters | one long paragraph with bold, italics and inline code |
| ``blocks`` | tokens | many short blocks: headings, one-line paragraphs, two-item lists |
| ``nested`` | items | nested bullet and numbered lists, with a code block inside an item |
| ``quotes`` | quotes | block quotes with lists inside, between paragraphs |
| ``headings`` | sections | every heading level, rules, and a JavaScript block with a long comment |
| ``html`` | (any) | text that looks like HTML, inline and as a block |
| ``images`` | (any) | Markdown images in a paragraph, alone, in a table |
| ``shapes`` | list items | opens with a table; loose numbered lists past 9 items, rules before lists |
"""

from __future__ import annotations

import random
from collections.abc import Callable

WORDS = (  # noqa: SIM905 (a sentence reads better than a list of words)
    "the model streams tokens quickly while rendering markdown blocks with code tables and lists "
    "every answer should stay readable on a terminal however long it grows"
).split()
CHARS_PER_TOKEN = 4


def _words(rnd: random.Random, count: int) -> str:
    return " ".join(rnd.choice(WORDS) for _ in range(count))


def _grown(tokens: int, part: Callable[[int], str]) -> str:
    """``part(0)``, ``part(1)``, ... joined, until they hold about ``tokens`` tokens."""
    parts: list[str] = []
    size = 0
    while size < tokens * CHARS_PER_TOKEN:
        parts.append(part(len(parts)))
        size += len(parts[-1])
    return "".join(parts)


def markdown_doc(tokens: int, seed: int = 1) -> str:
    """About ``tokens`` tokens (of ~4 characters) of varied Markdown."""
    rnd = random.Random(seed)

    def section(n: int) -> str:
        kind = n % 4
        out = f"## Section {n}\n\n" if kind == 0 else ""
        out += _words(rnd, 40) + ".\n\n"
        if kind == 1:
            body = "\n".join(f"value_{i} = compute({i}) * 2  # step {i}" for i in range(8))
            out += f"```python\n{body}\n```\n\n"
        elif kind == 2:
            rows = "".join(f"| {i} | {i * i} | {rnd.choice(WORDS)} |\n" for i in range(6))
            out += f"| n | square | word |\n|---|---|---|\n{rows}\n"
        elif kind == 3:
            out += "".join(f"- item {i}: {_words(rnd, 2)}\n" for i in range(5)) + "\n"
        return out

    return _grown(tokens, section)


def code_doc(lines: int, seed: int = 1) -> str:
    """One fenced Python block of ``lines`` lines (about 17 characters a line)."""
    rnd = random.Random(seed)
    body: list[str] = []
    n = 0
    while len(body) < lines:
        word = rnd.choice(WORDS)
        body += [
            f"def {word}_{n}(x):",
            f'    """Step {n}: {word}."""',
            f"    y = x * {n} + 1",
            f"    # {word} {n}",
            f"    return y - {n % 7}",
            "",
        ]
        n += 1
    return "```python\n" + "\n".join(body[:lines]) + "\n```\n"


def table_doc(rows: int, seed: int = 1) -> str:
    """One table of ``rows`` rows; the number columns widen as the numbers grow."""
    rnd = random.Random(seed)
    lines = ["| n | square | word | note |", "|---:|---:|:---|---|"]
    for i in range(rows):
        note = f"`{rnd.choice(WORDS)}`" if i % 3 == 0 else f"**{rnd.choice(WORDS)}**"
        lines.append(f"| {i} | {i * i} | {rnd.choice(WORDS)} | {note} |")
    return "\n".join(lines) + "\n"


def paragraph_doc(chars: int, seed: int = 1) -> str:
    """One paragraph of about ``chars`` characters, one line, with some inline markup."""
    rnd = random.Random(seed)
    parts: list[str] = []
    size = 0
    n = 0
    while size < chars:
        word = rnd.choice(WORDS)
        piece = {0: f"**{word}**", 1: f"`{word}`", 2: f"*{word}*"}.get(n % 23, word)
        parts.append(piece)
        size += len(piece) + 1
        n += 1
    return " ".join(parts) + ".\n"


def short_blocks_doc(tokens: int, seed: int = 1) -> str:
    """About ``tokens`` tokens of very short blocks (about 13 characters each)."""
    rnd = random.Random(seed)

    def block(n: int) -> str:
        kind = n % 5
        if kind == 0:
            return f"### Part {n}\n\n"
        if kind == 3:
            return f"- {rnd.choice(WORDS)}\n- {n}\n\n"
        return f"{rnd.choice(WORDS).capitalize()} {n}.\n\n"

    return _grown(tokens, block)


def nested_lists_doc(items: int, seed: int = 1) -> str:
    rnd = random.Random(seed)
    parts = ["Steps to follow:\n\n"]
    for i in range(1, items + 1):
        parts.append(f"{i}. {_words(rnd, 6).capitalize()}\n")
        parts.append(f"   - {_words(rnd, 4)}\n   - {_words(rnd, 12)}\n")
        if i % 3 == 0:
            parts.append(f"     1. deeper {i}\n     2. `code {i}` here\n")
        if i % 4 == 0:
            parts.append(f"\n   ```sh\n   echo step {i}\n   ```\n\n")
    parts.append("\n- a bullet after\n  - and a **bold** child\n\nDone.\n")
    return "".join(parts)


def quotes_doc(quotes: int, seed: int = 1) -> str:
    rnd = random.Random(seed)
    parts: list[str] = []
    for i in range(quotes):
        parts.append(f"{_words(rnd, 25).capitalize()}.\n\n")
        parts.append(f"> {_words(rnd, 30)}\n> {_words(rnd, 10)}\n>\n> - point {i}\n> - *stress* {i}\n\n")
    return "".join(parts)


def headings_doc(sections: int, seed: int = 1) -> str:
    rnd = random.Random(seed)
    parts: list[str] = []
    for i in range(sections):
        level = i % 6 + 1
        parts.append(f"{'#' * level} Heading {i} {_words(rnd, 3)}\n\n{_words(rnd, 20)}.\n\n")
        if i % 3 == 2:
            parts.append("---\n\n")
    comment = "\n".join(f" * {_words(rnd, 6)}" for _ in range(6))
    parts.append(f"```js\n/**\n{comment}\n */\nconst x = 1; // done\n```\n\nSee the `x` constant.\n")
    return "".join(parts)


HTML_TEXT = "Compare a<b and b>c. Use the <div> tag.\n\n<div>\n<b>not bold</b> <!-- a note -->\n</div>\n"


def html_doc(_size: int) -> str:
    """Text that looks like HTML (it must be shown as written)."""
    return HTML_TEXT


IMAGES_TEXT = (
    "See ![a cat on a mat](http://127.0.0.1:9/cat.png) here, then ![](http://127.0.0.1:9/docs/plan.svg).\n\n"
    '![a chart *of sales*](chart.png "Sales")\n\n| picture |\n|---|\n| ![tiny](t.png) |\n'
)


def images_doc(_size: int) -> str:
    """Images in a paragraph, alone, with and without alt text, in a table (shown as text, in place)."""
    return IMAGES_TEXT


def shapes_doc(items: int, seed: int = 1) -> str:
    """Where a block-by-block render and Rich's whole render part easily: a table first, loose lists
    (items apart by blank lines) whose numbers widen, a rule right before a list, a quote, a rule last."""
    rnd = random.Random(seed)
    parts = ["| n | word |\n|---:|---|\n", *(f"| {i} | {rnd.choice(WORDS)} |\n" for i in range(3)), "\n"]
    parts += [f"{i}. {_words(rnd, 8)}\n\n" for i in range(1, items + 1)]
    parts += ["   continued last item\n\n***\n\n"]
    parts += [f"- {_words(rnd, 3)}\n\n\n" for _ in range(3)]
    parts += ["> a quote\n> - with a list\n\n---\n\n", f"{_words(rnd, 12)}.\n\n___\n"]
    return "".join(parts)


DOCUMENTS: dict[str, Callable[[int], str]] = {
    "project": markdown_doc,
    "code": code_doc,
    "table": table_doc,
    "paragraph": paragraph_doc,
    "blocks": short_blocks_doc,
    "nested": nested_lists_doc,
    "quotes": quotes_doc,
    "headings": headings_doc,
    "html": html_doc,
    "images": images_doc,
    "shapes": shapes_doc,
}


def document(kind: str, size: int) -> str:
    return DOCUMENTS[kind](size)


def token_chunks(text: str) -> list[str]:
    return [text[i : i + CHARS_PER_TOKEN] for i in range(0, len(text), CHARS_PER_TOKEN)]


def reasoning_text(tokens: int, seed: int = 2) -> str:
    """Plain reasoning of about ``tokens`` tokens, in lines of about 12 words."""
    rnd = random.Random(seed)
    lines: list[str] = []
    while sum(len(line) + 1 for line in lines) < tokens * CHARS_PER_TOKEN:
        lines.append(_words(rnd, 12))
    return "\n".join(lines) + "\n"
