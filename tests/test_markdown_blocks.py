"""The incremental Markdown splitter: blocks come out once, whatever the chunking."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from mlxchat.output.markdown_blocks import ListMarker, MarkdownBlocks, list_marker, text_line

DOC = (
    "# Title\n"
    "Intro *para*\nstill intro.\n\n"
    "- a\n- b\n\n  continued item b\n\n"
    "1. one\n2. two\n\n"
    "Text before a fence\n"
    "```python\nx = 1\n\n\ny = 2\n```\n"
    "| a | b |\n|---|---|\n| 1 | 2 |\n\n"
    "~~~\n```not a close\n~~~\n\n"
    "End."
)

EXPECTED = [
    "# Title",
    "Intro *para*\nstill intro.",
    "- a\n- b\n\n  continued item b",
    "1. one\n2. two",
    "Text before a fence",
    "```python\nx = 1\n\n\ny = 2\n```",
    "| a | b |\n|---|---|\n| 1 | 2 |",
    "~~~\n```not a close\n~~~",
    "End.",
]


def split(chunks: list[str]) -> list[str]:
    splitter = MarkdownBlocks()
    blocks: list[str] = []
    for chunk in chunks:
        blocks.extend(splitter.feed(chunk))
    return blocks + splitter.close()


def test_whole_document_splits_into_its_blocks() -> None:
    assert split([DOC]) == EXPECTED


def test_blocks_are_released_as_soon_as_they_are_final() -> None:
    splitter = MarkdownBlocks()
    assert splitter.feed("# Head") == []
    assert splitter.tail == "# Head"
    assert splitter.feed("ing\nSome text") == ["# Heading"]
    assert splitter.feed("\n\n") == []  # a blank line alone does not end it: an indented line may follow
    assert splitter.feed("More") == ["Some text"]
    assert splitter.tail == "More"


def test_open_code_fence_keeps_blank_lines_inside_the_block() -> None:
    splitter = MarkdownBlocks()
    assert splitter.feed("```\na\n\n\nb\n") == []
    assert splitter.tail == "```\na\n\n\nb\n"
    assert splitter.feed("```\n") == ["```\na\n\n\nb\n```"]


def test_unclosed_fence_is_the_last_block_at_the_end() -> None:
    assert split(["```sh\necho hi\n"]) == ["```sh\necho hi"]


@given(st.lists(st.integers(min_value=0, max_value=len(DOC)), max_size=30))
def test_any_chunking_gives_the_same_blocks(cuts: list[int]) -> None:
    points = sorted(set(cuts))
    chunks = [DOC[a:b] for a, b in zip([0, *points], [*points, len(DOC)], strict=True)]
    assert split(chunks) == EXPECTED


@given(st.text(alphabet=st.sampled_from(list("ab #-|`~\n >1.*")), max_size=200), st.data())
def test_no_text_is_lost_or_repeated(text: str, data: st.DataObject) -> None:
    cuts = sorted(data.draw(st.lists(st.integers(min_value=0, max_value=len(text)), max_size=10)))
    chunks = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]
    blocks = split(chunks)
    assert re.sub(r"\s", "", "".join(blocks)) == re.sub(r"\s", "", text)
    assert blocks == split([text])


def test_a_paragraph_ends_where_another_block_interrupts_it() -> None:
    assert split(["Intro\n- a\n- b\n\nnext"]) == ["Intro", "- a\n- b", "next"]
    assert split(["Intro\n> quoted\n"]) == ["Intro", "> quoted"]
    assert split(["Intro\n## Head\nafter"]) == ["Intro", "## Head", "after"]
    assert split(["Intro\n1. one\n"]) == ["Intro", "1. one"]
    assert split(["Intro\n* * *\nafter"]) == ["Intro", "* * *\nafter"]
    # Not interruptions: a numbered item that does not start at 1, an empty item, lazy lines.
    assert split(["Intro\n2. two\n"]) == ["Intro\n2. two"]
    assert split(["Intro\n-\n"]) == ["Intro\n-"]
    assert split(["- a\n- b\nlazy\n> q\n"]) == ["- a\n- b\nlazy\n> q"]


def test_a_setext_underline_makes_a_heading_block_of_its_own() -> None:
    assert split(["Title\n===\nText"]) == ["Title\n===", "Text"]
    assert split(["Title\n---\nText"]) == ["Title\n---", "Text"]  # a heading, not a rule
    assert split(["Title\n- - -\nText"]) == ["Title", "- - -\nText"]  # that one is a rule


def test_what_counts_as_paragraph_text() -> None:
    for line in ["Plain words", "**Bold** start", "-5 degrees", "1990 was a year", "#hashtag", "<div>"]:
        assert text_line(line, complete=True) is True, line
    for line in ["- item", "1. one", "> quote", "## Head", "```py", "    code", "a | b", "===", "---", ""]:
        assert text_line(line, complete=True) is False, line
    # Partial lines that may still become something else wait.
    for line in ["-", "1", "1.", "#", "``", "**", "=="]:
        assert text_line(line, complete=False) is None, line
        assert text_line(line, complete=True) is False, line


def test_where_a_list_items_text_starts_follows_commonmark() -> None:
    assert list_marker("- foo\n") == ListMarker(indent=0, kind="-", number=None, content=2, text=True)
    assert list_marker("-   foo\n") == ListMarker(0, "-", None, 4, True)  # after the spaces (one to four)
    assert list_marker("-     code\n") == ListMarker(0, "-", None, 2, True)  # five: one, then indented code
    assert list_marker("-\n") == ListMarker(0, "-", None, 2, False)  # nothing after it: one
    assert list_marker("-   \n") == ListMarker(0, "-", None, 2, False)
    assert list_marker("  10) ten") == ListMarker(2, ")", 10, 6, True)
    assert list_marker("   1.  one") == ListMarker(3, ".", 1, 7, True)
    for line in ["-foo", "1.x", "    - code", "* * *", "- - -\n", "1234567890. big", "+"[1:]]:
        assert list_marker(line) is None, line


def test_an_item_nested_under_text_indented_past_the_marker_keeps_the_list_one_block() -> None:
    # "-     code": the item's text starts at column 2 (the rest indents a code block), so "  + x"
    # is a list nested in the item, and "- y" the outer list's next item: one list, one block.
    assert split(["-     code\n  + x\n\n- y\n"]) == ["-     code\n  + x\n\n- y"]


def test_a_list_after_a_paragraph_in_the_same_block_keeps_its_nested_list() -> None:
    # "7." cannot interrupt a paragraph, so the list that begins after the blank line is joined to
    # the paragraph's block; the bullet nested in its item is no paragraph's interruption.
    text = "model\n7. model\n\n8. model\n\n   model\n   - model\n\n     model"
    assert split([text]) == [text]
