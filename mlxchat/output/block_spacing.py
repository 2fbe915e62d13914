"""The empty rows Rich puts between the blocks of a Markdown text, for blocks rendered one by one.

Rich's ``Markdown`` writes an empty row before a top-level block when the last element it left (closed)
asks for one: every element does but a rule (``---``), which ends in an empty row of its own, and an
image. The element left last before a block is rendered is the previous block, for a paragraph, a
heading or a code block; for a list, a quote or a table it is one of its own children, so such a block
has an empty row above it whatever came before, even when it opens the text.

So a block rendered alone (its first decision made as at the start of a text: no row) differs from the
same block inside the whole text by at most one empty row at its top, which :func:`leads_on_previous`
says it takes from the block before; :func:`leaves_new_line` is what it hands on to the next block.
"""

from __future__ import annotations

from collections.abc import Iterator

from markdown_it.token import Token

_NOT_ELEMENTS = frozenset({"text", "hardbreak", "softbreak", "link_open", "link_close", "html_inline"})
_INLINE_STYLES = frozenset({"em", "strong", "code", "s"})  # Rich's inline styles, by tag
_KEEP_CHILDREN = frozenset(
    {
        "blockquote_open",
        "bullet_list_open",
        "ordered_list_open",
        "list_item_open",
        "table_open",
        "thead_open",
        "tbody_open",
        "tr_open",
    }
)
"""Elements that take their children in (and render them themselves, later)."""
_NO_NEW_LINE = frozenset({"hr", "image"})


def _flat(tokens: list[Token]) -> Iterator[Token]:
    """The tokens as Rich walks them: inline tokens replaced by their children (not images, fences)."""
    for token in tokens:
        if token.children and token.tag != "img" and token.type != "fence":
            yield from _flat(token.children)
        else:
            yield token


def _elements(tokens: list[Token]) -> Iterator[Token]:
    for token in _flat(tokens):
        styled = token.tag in _INLINE_STYLES and token.type not in ("fence", "code_block")
        if token.type not in _NOT_ELEMENTS and not styled:
            yield token


def leads_on_previous(tokens: list[Token]) -> bool:
    """Whether the first row Rich decides about for these tokens follows the block before them
    (True: an empty row when the previous block left a new line; else the block decides itself)."""
    open_types: list[str] = []
    for token in _elements(tokens):
        if token.nesting == 1:
            open_types.append(token.type)
            continue
        if token.nesting == -1:
            open_types.pop()
        rendered = not open_types or open_types[-1] not in _KEEP_CHILDREN
        # (Rich renders an empty inline without a row before it, but leaves a new line.)
        return rendered and token.type != "inline"
    return False


def leaves_new_line(tokens: list[Token], before: bool) -> bool:
    """Whether the block after these tokens gets an empty row above it (``before``: for no tokens)."""
    last = None
    for token in _elements(tokens):
        if token.nesting != 1:
            last = token
    return before if last is None else last.type not in _NO_NEW_LINE
