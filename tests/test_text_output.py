"""The text writer: the answer alone on stdout, blank lines before it dropped, indentation kept."""

from __future__ import annotations

import io

import pytest

from mlxchat.chat.events import Done, Response, Timing
from mlxchat.output.text import TextWriter
from mlxchat.terminal import Terminal


def answer(*chunks: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    writer = TextWriter(Terminal(stdout=out, stderr=err))
    writer.write_batch([Response(c) for c in chunks])
    writer.write_batch([Done("stop", None, Timing(None, None, 0.1, None))])
    writer.close()
    return out.getvalue()


@pytest.mark.parametrize(
    ("chunks", "expected"),
    [
        (("\n\n", "The answer is 4."), "The answer is 4.\n"),
        (("\n\n", "    indented_code()\n"), "    indented_code()\n"),
        (("\n  \n", "  ", "- item\n"), "  - item\n"),
        (("\r\n", "\tx"), "\tx\n"),
        (("Hello",), "Hello\n"),
        (("\n\n",), ""),
    ],
)
def test_blank_lines_before_the_answer_go_and_indentation_stays(
    chunks: tuple[str, ...], expected: str
) -> None:
    assert answer(*chunks) == expected
