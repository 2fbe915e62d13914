"""Separating reasoning from the answer when the server leaves ``<think>...</think>`` in the content.

Servers with a reasoning parser send reasoning in its own field (``reasoning_content`` or
``reasoning``), which needs no help. Without one, the tags arrive inside the content, and a tag can be
split across chunks at any character. The rules (docs/protocol.md, "Reasoning inside the answer
text"), which are those that vLLM's and sglang's reasoning parsers share:

- Only the first block is reasoning, and it can only start the output: ``<think>`` after nothing
  but whitespace opens it (the whitespace joins the reasoning). Text that starts any other way is
  the answer, and every tag in it is answer text.
- When the chat template pre-fills ``<think>`` (``prefilled``), the output starts inside the
  reasoning and usually shows only ``</think>``; a ``<think>`` the model writes again before any
  other text is that same opening tag.
- Reasoning ends at ``</think>`` or where a tool call begins (``<tool_call>``, which stays in the
  answer text: a tool parser, or the reader, needs it). Inside reasoning, another ``<think>`` is
  reasoning text.
- The tags that open and close the block never reach the output; every other tag does.

The splitter holds back only what it cannot decide yet: leading whitespace before anything else
(it may precede ``<think>``), and a possible partial tag at the end of a chunk. Once the answer has
begun, it passes everything on at once and looks at nothing (``answering``).
"""

from __future__ import annotations

from typing import Final

OPEN: Final = "<think>"
CLOSE: Final = "</think>"
TOOL_CALL: Final = "<tool_call>"
_LONGEST_END = max(len(CLOSE), len(TOOL_CALL))

BEFORE: Final = 0
"""Nothing but whitespace yet: ``<think>`` may still open the reasoning."""
REASONING: Final = 1
ANSWER: Final = 2
"""The answer has begun: everything is answer text from here on."""

Piece = tuple[bool, str]
"""``(is_reasoning, text)``."""


class ThinkSplitter:
    __slots__ = ("held", "opening", "state")

    def __init__(self, *, prefilled: bool = False) -> None:
        self.state = REASONING if prefilled else BEFORE
        self.opening = prefilled
        """In pre-filled reasoning with only whitespace so far: a ``<think>`` is the opening tag."""
        self.held = ""

    @property
    def answering(self) -> bool:
        return self.state == ANSWER

    def feed(self, text: str) -> list[Piece]:
        """Split ``text``; return ``(is_reasoning, piece)`` pairs in order, adjacent kinds merged."""
        if self.state == ANSWER:
            return [(False, text)] if text else []
        buf = self.held + text if self.held else text
        self.held = ""
        out: list[Piece] = []
        if self.state == BEFORE:
            buf = self._before(buf, out)
        if buf and self.opening:
            buf = self._opening(buf, out)
        if buf:
            self._reasoning(buf, out)
        return out

    def finish(self) -> list[Piece]:
        """The content ended: held-back text was text after all (answer text before any reasoning)."""
        held, self.held = self.held, ""
        return [(self.state == REASONING, held)] if held else []

    def to_answer(self) -> list[Piece]:
        """The server separates reasoning itself: from now on the content is the answer, as sent."""
        out = self.finish()
        self.state, self.opening = ANSWER, False
        return out

    # -- the states ----------------------------------------------------------------------------

    def _before(self, buf: str, out: list[Piece]) -> str:
        """Before anything but whitespace: is this the opening tag, or the answer?"""
        rest = buf.lstrip()
        if not rest or (len(rest) < len(OPEN) and OPEN.startswith(rest)):
            self.held = buf
            return ""
        if rest.startswith(OPEN):
            self.state = REASONING
            _emit(out, True, buf[: len(buf) - len(rest)])
            return rest[len(OPEN) :]
        self.state = ANSWER
        _emit(out, False, buf)
        return ""

    def _opening(self, buf: str, out: list[Piece]) -> str:
        """Pre-filled reasoning, only whitespace so far: a ``<think>`` now is the opening tag."""
        rest = buf.lstrip()
        _emit(out, True, buf[: len(buf) - len(rest)])
        if not rest:
            return ""
        if rest.startswith(OPEN):
            self.opening = False
            return rest[len(OPEN) :]
        if len(rest) < len(OPEN) and OPEN.startswith(rest):
            self.held = rest
            return ""
        self.opening = False
        return rest

    def _reasoning(self, buf: str, out: list[Piece]) -> None:
        close = buf.find(CLOSE)
        call = buf.find(TOOL_CALL)
        if close >= 0 and (call < 0 or close < call):
            _emit(out, True, buf[:close])
            self.state = ANSWER
            _emit(out, False, buf[close + len(CLOSE) :])
            return
        if call >= 0:
            _emit(out, True, buf[:call])
            self.state = ANSWER
            _emit(out, False, buf[call:])
            return
        # A possible partial tag at the end waits for the next chunk (a tag has one "<", first).
        lt = buf.rfind("<", max(0, len(buf) - _LONGEST_END + 1))
        if lt >= 0 and (CLOSE.startswith(buf[lt:]) or TOOL_CALL.startswith(buf[lt:])):
            self.held = buf[lt:]
            buf = buf[:lt]
        _emit(out, True, buf)


def _emit(out: list[Piece], kind: bool, text: str) -> None:
    if not text:
        return
    if out and out[-1][0] == kind:
        out[-1] = (kind, out[-1][1] + text)
    else:
        out.append((kind, text))
