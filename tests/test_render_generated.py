"""Generated Markdown documents: mlxchat's final rows, live or not, are Rich's render of the whole text.

Documents are built from the blocks models write (paragraphs with inline markup, tight and loose lists,
bullets and numbers that cross from 9 to 10, nested lists, fenced code, tables, quotes, headings, rules,
text that looks like HTML), joined by one to three newlines (a single newline lets a block run into the
next, as models do). The live display is fed in random chunks with a frame after each, on a screen tall
enough for every row (``test_render_pretty`` covers screens that scroll).
"""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.render_rows import block_by_block_rows, incremental_rows, one_shot_rows, rich_rows, same_links

WORDS = [
    "model",
    "tokens",
    "**bold**",
    "*it*",
    "`code`",
    "a<b",
    "<div>",
    "[link](http://x.org)",
    "![an image](http://x.org/i.png)",
    "x_y",
    "~~no~~",
]

words = st.lists(st.sampled_from(WORDS), min_size=1, max_size=12).map(" ".join)


@st.composite
def paragraph(draw: st.DrawFn) -> str:
    return "\n".join(draw(st.lists(words, min_size=1, max_size=3)))


@st.composite
def a_list(draw: st.DrawFn, depth: int = 0) -> str:
    ordered = draw(st.booleans())
    start = draw(st.sampled_from([1, 1, 7, 98])) if ordered else 0
    marker = draw(st.sampled_from([".", ")"] if ordered else ["-", "*", "+"]))
    count = draw(st.integers(min_value=1, max_value=12 if depth == 0 else 3))
    gap = draw(st.sampled_from(["", "", "\n", "\n\n"]))  # tight, or loose
    items = []
    for i in range(count):
        bullet = f"{start + i}{marker}" if ordered else marker
        pad = " " * (len(bullet) + 1)
        item = f"{bullet} {draw(words)}\n"
        if draw(st.integers(0, 5)) == 0:
            item += f"\n{pad}{draw(words)}\n"  # a second paragraph in the item
        if depth == 0 and draw(st.integers(0, 8)) == 0:
            nested = draw(a_list(depth=1))
            item += "".join(f"{pad}{line}\n" if line else "\n" for line in nested.split("\n"))
        items.append(item)
    return gap.join(items).rstrip("\n")


@st.composite
def code(draw: st.DrawFn) -> str:
    language = draw(st.sampled_from(["", "python", "js", "sh"]))
    body = draw(
        st.lists(st.sampled_from(["x = 1", "  return f(x)  # done", "/* a", "b */", "", "\tt"]), max_size=6)
    )
    return "\n".join([f"```{language}", *body, "```"])


@st.composite
def table(draw: st.DrawFn) -> str:
    rows = draw(st.lists(st.tuples(words, st.integers(0, 10**6)), max_size=5))
    return "\n".join(["| word | n |", "|---|---:|", *(f"| {w} | {n} |" for w, n in rows)])


@st.composite
def quote(draw: st.DrawFn) -> str:
    lines = draw(st.lists(st.one_of(words, st.just(""), st.just("- a point")), min_size=1, max_size=4))
    return "\n".join(f"> {line}".rstrip() for line in lines)


@st.composite
def heading(draw: st.DrawFn) -> str:
    text = draw(words)
    return draw(st.sampled_from([f"# {text}", f"## {text}", f"### {text}", f"{text}\n===", f"{text}\n---"]))


block = st.one_of(
    paragraph(),
    a_list(),
    code(),
    table(),
    quote(),
    heading(),
    st.sampled_from(["***", "---", "___", "<div>\n<b>x</b>\n</div>"]),
)


@st.composite
def document(draw: st.DrawFn, blocks_from: st.SearchStrategy[str] = block) -> str:
    blocks: list[str] = draw(st.lists(blocks_from, min_size=1, max_size=5))
    text = blocks[0]
    for part in blocks[1:]:
        text += draw(st.sampled_from(["\n", "\n\n", "\n\n", "\n\n\n"])) + part
    return text + draw(st.sampled_from(["", "\n"]))


@given(document(), st.sampled_from([40, 90]))
@settings(max_examples=150, deadline=None)
def test_mlxchat_prints_a_finished_answer_as_rich_renders_it_whole(text: str, width: int) -> None:
    assert same_links(one_shot_rows(text, width)) == same_links(rich_rows(text, width))


@given(document(), st.lists(st.integers(min_value=1, max_value=40), max_size=120), st.sampled_from([40, 90]))
@settings(max_examples=150, deadline=None)
def test_the_live_answer_ends_as_rich_renders_it_whole(text: str, chunks: list[int], width: int) -> None:
    assert same_links(incremental_rows(text, chunks, width, 500)) == same_links(rich_rows(text, width))


# (Link reference definitions: Rich's whole render resolves ``[x]`` through one in another block;
# mlxchat renders each finished block as it parses alone, so the text stays as written there.)
with_references = st.one_of(block, st.just("[x]: http://x.org"), st.just("See [x] and [link][x]."))


@given(document(with_references), st.sampled_from([40, 90]))
@example("See [x] and [link][x].\n\n[x]: http://x.org\n\nmore\n", 40)
@settings(max_examples=150, deadline=None)
def test_blocks_finished_together_render_as_they_do_one_by_one(text: str, width: int) -> None:
    # An instant answer finishes many blocks a frame; they are rendered together, by one render.
    assert same_links(one_shot_rows(text, width)) == same_links(block_by_block_rows(text, width))
