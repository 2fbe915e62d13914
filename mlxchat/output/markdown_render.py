"""Markdown rendered with Rich, from one parser per run, into terminal lines.

Rich's ``Markdown`` builds a new markdown-it parser for every text it is given; a live answer renders
hundreds of blocks and pieces, so :class:`MarkdownRenderer` parses with one parser and hands Rich the
tokens. That parser has HTML off: model text is shown as text, so ``a<b and b>c`` and ``<div>`` stay
visible instead of being dropped as HTML (Rich renders no HTML anyway); and an image is shown as its
text where it stands (never fetched). Blocks that finished together are parsed and rendered together
(``block_rows``); :func:`keep` gives the element Rich would render for a paragraph, a list or a table
without rendering it, for the classes that render those piece by piece.

A rendered line is a string with its ANSI styles (``encode``), at most the width in cells: what the
live display compares and writes. A block's rows (``block_rows``) are those Rich renders for it within
the whole text: what it renders for the block alone, and the empty row above it that Rich's
``Markdown`` puts there when the block before asks for one (mlxchat.output.block_spacing).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from markdown_it import MarkdownIt
from markdown_it.token import Token
from rich.markdown import Markdown, MarkdownElement, Paragraph
from rich.segment import Segment
from rich.text import Text

from mlxchat.output.block_spacing import leads_on_previous, leaves_new_line

if TYPE_CHECKING:
    from markdown_it.rules_core import StateCore
    from pygments.lexer import Lexer
    from rich.console import Console, ConsoleOptions, RenderResult

CODE_THEME = "monokai"
TAB_SIZE = 4  # what Rich's Markdown code blocks use (Syntax's default)


class ParsedMarkdown(Markdown):
    """Rich's Markdown renderable for tokens that are already parsed (it parses nothing itself)."""

    def __init__(self, tokens: list[Token], code_theme: str = CODE_THEME) -> None:
        # Markdown.__init__ would build a parser; these are the attributes its rendering reads.
        self.markup = ""
        self.parsed = tokens
        self.code_theme = code_theme
        self.justify = None
        self.style = "none"
        self.hyperlinks = True
        self.inline_code_lexer = None
        self.inline_code_theme = code_theme


E = TypeVar("E", bound=MarkdownElement)


class _Keeping(ParsedMarkdown):
    """The Markdown :func:`keep` renders (a subclass per kind of element sets ``elements``)."""

    kept: MarkdownElement | None = None


def _render_nothing(self: MarkdownElement, console: Console, options: ConsoleOptions) -> RenderResult:
    return iter(())


def _silent(kind: type[MarkdownElement]) -> type[MarkdownElement]:
    """``kind``, except that the first one a :class:`_Keeping` makes is kept on it and renders
    nothing; the others (nested in it) are made and rendered as usual."""

    def create(cls: type[MarkdownElement], markdown: Markdown, token: Token) -> MarkdownElement:
        if not isinstance(markdown, _Keeping) or markdown.kept is not None:
            return kind.create(markdown, token)
        markdown.kept = super(silent, cls).create(markdown, token)  # type: ignore[misc]
        return markdown.kept

    members = {"create": classmethod(create), "__rich_console__": _render_nothing}
    silent: type[MarkdownElement] = type(f"Kept{kind.__name__}", (kind,), members)
    return silent


_KEEPING: dict[tuple[type[MarkdownElement], tuple[str, ...]], type[_Keeping]] = {}


def _keeping(kind: type[MarkdownElement], opened_by: tuple[str, ...]) -> type[_Keeping]:
    """The Markdown that keeps a ``kind`` (made once per run)."""
    if (kind, opened_by) not in _KEEPING:
        elements = {**Markdown.elements, **dict.fromkeys(opened_by, _silent(kind))}
        _KEEPING[kind, opened_by] = type(f"Keeping{kind.__name__}", (_Keeping,), {"elements": elements})
    return _KEEPING[kind, opened_by]


def keep(
    console: Console, options: ConsoleOptions, tokens: list[Token], kind: type[E], *opened_by: str
) -> E | None:
    """The first ``kind`` element (opened by a token of one of the ``opened_by`` types) that Rich's
    Markdown makes of ``tokens``, filled in as rendering fills it (a paragraph's text, a list's
    items, a table's rows) but not rendered: what mlxchat renders piece by piece itself."""
    markdown = _keeping(kind, opened_by)(tokens)
    for _ in console.render(markdown, options):
        pass
    kept = markdown.kept
    return kept if isinstance(kept, kind) else None


def make_parser() -> MarkdownIt:
    """CommonMark with GitHub's tables and strikethrough, as Rich's, but HTML off, and images shown
    where they stand, as their text (:func:`_images_in_place`)."""
    parser = MarkdownIt("commonmark", {"html": False}).enable("strikethrough").enable("table")
    parser.core.ruler.after("inline", "images_in_place", _images_in_place)
    return parser


IMAGE_MARK = "🌆 "
"""What Rich puts before an image's text."""


def _images_in_place(state: StateCore) -> None:
    """Each image becomes a link to its address whose text is Rich's mark and the image's alt text
    (its file name when it has none): model text, shown, never fetched. Rich's Markdown prints an
    image before the paragraph that holds it (``See ![a cat](cat.png) here.`` as ``🌆 a cat See
    here.``); as a link it stays where it was written."""
    for block in state.tokens:
        if block.type == "inline" and block.children:
            block.children = [piece for token in block.children for piece in _in_place(token)]


def _in_place(token: Token) -> list[Token]:
    if token.type != "image":
        return [token]
    source = str(token.attrs.get("src", ""))
    text = token.children or [Token("text", "", 0, content=source.strip("/").rsplit("/", 1)[-1])]
    return [
        Token("link_open", "a", 1, attrs={"href": source}),
        Token("text", "", 0, content=IMAGE_MARK),
        *text,
        Token("link_close", "a", -1),
    ]


class MarkdownRenderer:
    def __init__(
        self, console: Console, code_theme: str = CODE_THEME, parser: MarkdownIt | None = None
    ) -> None:
        self.console = console
        self.code_theme = code_theme
        self.parser = parser or make_parser()
        self._lexers: dict[str, Lexer] = {}

    def lexer(self, name: str) -> Lexer:
        """The Pygments lexer Rich uses for a code block's language (plain text when it has none),
        looked up once per run: a lookup by name costs milliseconds."""
        if name not in self._lexers:
            from pygments.lexers import get_lexer_by_name
            from pygments.util import ClassNotFound

            try:
                found = get_lexer_by_name(name or "text", stripnl=False, ensurenl=True, tabsize=TAB_SIZE)
            except ClassNotFound:
                found = self.lexer("text")
            self._lexers[name] = found
        return self._lexers[name]

    @property
    def width(self) -> int:
        return self.console.size.width

    def encode(self, segments: Iterable[Segment]) -> str:
        """One line's segments as the text and ANSI codes a terminal is sent."""
        return self.console._render_buffer(segments)

    def encode_lines(self, lines: Iterable[Sequence[Segment]]) -> list[str]:
        return [self.encode(line) for line in lines]

    def render(self, renderable: Any, width: int) -> list[list[Segment]]:
        options = self.console.options.update(width=width, height=None)
        return self.console.render_lines(renderable, options, pad=False, new_lines=False)

    def block_rows(self, blocks: Sequence[str], width: int, new_line: bool) -> tuple[list[str], bool]:
        """Finished blocks, one after another, as Rich renders them within a whole text where the
        block before them left ``new_line``; and what they leave for the block after them."""
        tokens = self.parse_blocks(blocks)
        rows = self.encode_lines(self.render(ParsedMarkdown(tokens, self.code_theme), width))
        lead = [""] if new_line and leads_on_previous(tokens) else []
        return lead + rows, leaves_new_line(tokens, new_line)

    def parse_blocks(self, blocks: Sequence[str]) -> list[Token]:
        """The tokens of each block parsed alone, one block's after another's. Parsed together, apart
        by a blank line, they are the same tokens (where a block ends, the next could not go on with
        it: mlxchat.output.markdown_blocks), for one parse's fixed cost, except where a link
        reference definition reaches across blocks: those blocks are parsed one by one after all."""
        if len(blocks) == 1:
            return self.parser.parse(blocks[0])
        env: dict[str, Any] = {}
        tokens = self.parser.parse("\n\n".join(blocks), env)
        if env.get("references"):
            tokens = [token for block in blocks for token in self.parser.parse(block)]
        return tokens

    def block_lines(self, text: str, width: int) -> list[str]:
        """One block (or several) rendered at ``width``, without empty lines at either end."""
        lines = self.render(ParsedMarkdown(self.parser.parse(text), self.code_theme), width)
        return self.encode_lines(strip_empty(lines))

    def inline_text(self, source: str) -> Text:
        """The text Rich renders for a paragraph whose inline content is ``source``."""
        tokens = [
            Token("paragraph_open", "p", 1, block=True),
            *self.parser.parseInline(source),
            Token("paragraph_close", "p", -1, block=True),
        ]
        paragraph = keep(self.console, self.console.options, tokens, Paragraph, "paragraph_open")
        return Text() if paragraph is None else paragraph.text

    def wrap(self, text: Text, width: int) -> list[Text]:
        """``text`` wrapped into lines exactly as Rich wraps a paragraph."""
        return list(text.wrap(self.console, width, justify="left", overflow="fold"))

    def text_line(self, line: Text) -> str:
        if not line.spans:  # Rich renders a text without spans as its characters, unstyled
            return line.plain
        return self.encode(line.render(self.console))


def strip_empty(lines: list[list[Segment]]) -> list[list[Segment]]:
    """Without the empty lines Rich opens or closes a block with (padding of spaces stays)."""
    start, end = 0, len(lines)
    while start < end and not "".join(seg.text for seg in lines[start]):
        start += 1
    while end > start and not "".join(seg.text for seg in lines[end - 1]):
        end -= 1
    return lines[start:end]
