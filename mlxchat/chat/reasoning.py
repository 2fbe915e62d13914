"""Separating reasoning from the answer when the server leaves ``<think>...</think>`` in the content.

Servers with a reasoning parser send reasoning in its own field (``reasoning_content`` or
``reasoning``), which needs no help. Without one, the tags arrive inside the content, and a tag can be
split across chunks at any character. The splitter holds back only a possible partial tag (text from
a ``<`` that could still become ``<think>`` or ``</think>``) and passes everything else on at once.

When a chat template pre-fills ``<think>``, the output starts inside reasoning and only ``</think>``
appears: start the splitter with ``in_think=True``. Tags never reach the output: a stray ``</think>``
outside reasoning, or a second ``<think>`` inside it, is dropped.
"""

from __future__ import annotations

OPEN = "<think>"
CLOSE = "</think>"


class ThinkSplitter:
    __slots__ = ("in_think", "pending")

    def __init__(self, *, in_think: bool = False) -> None:
        self.in_think = in_think
        self.pending = ""

    def feed(self, text: str) -> list[tuple[bool, str]]:
        """Split ``text``; return ``(is_reasoning, piece)`` pairs in order, adjacent kinds merged."""
        if not self.pending and "<" not in text:
            return [(self.in_think, text)] if text else []
        buf = self.pending + text
        self.pending = ""
        out: list[tuple[bool, str]] = []
        start = 0  # buf[start:i] is plain text of the current kind not yet emitted
        pos = 0
        while True:
            i = buf.find("<", pos)
            if i < 0:
                break
            if buf.startswith(OPEN, i) or buf.startswith(CLOSE, i):
                _emit(out, self.in_think, buf[start:i])
                is_open = buf[i + 1] != "/"
                self.in_think = is_open
                pos = start = i + (len(OPEN) if is_open else len(CLOSE))
                continue
            rest = buf[i:]
            if len(rest) < len(CLOSE) and (OPEN.startswith(rest) or CLOSE.startswith(rest)):
                # Could be the start of a tag whose end is in the next chunk.
                self.pending = rest
                _emit(out, self.in_think, buf[start:i])
                return out
            pos = i + 1
        _emit(out, self.in_think, buf[start:])
        return out

    def finish(self) -> list[tuple[bool, str]]:
        """The content ended: a held-back partial tag was text after all."""
        pending, self.pending = self.pending, ""
        return [(self.in_think, pending)] if pending else []


def _emit(out: list[tuple[bool, str]], kind: bool, text: str) -> None:
    if not text:
        return
    if out and out[-1][0] == kind:
        out[-1] = (kind, out[-1][1] + text)
    else:
        out.append((kind, text))
