"""Plain text: the answer alone on stdout (so ``x=$(mlxchat chat p "...")`` works), reasoning on stderr.

Reasoning is dimmed when stderr is a terminal with colour, and not written at all with
``--hide-thinking``. Leading blank lines of the answer are dropped (models start answers with the
newlines that followed ``</think>``) and the answer ends with a newline. Errors go to stderr through
``Terminal.error``; the events themselves keep every character.
"""

from __future__ import annotations

from typing import TextIO

from mlxchat.chat.events import Error, Event, Response, Thinking, ThinkingDone, ToolCall
from mlxchat.terminal import Terminal, stdout_guard


class TextWriter:
    def __init__(self, terminal: Terminal, *, show_thinking: bool = True) -> None:
        self.terminal = terminal
        self.out: TextIO = terminal.stdout
        self.err: TextIO = terminal.stderr
        self.show_thinking = show_thinking
        self.dim = terminal.stderr_color
        self._answer_started = False
        self._lead = ""
        self._answer_ends_with_newline = True
        self._thinking_open = False
        self._thinking_ends_with_newline = True

    def write_batch(self, events: list[Event]) -> None:
        out_parts: list[str] = []
        err_parts: list[str] = []
        for event in events:
            cls = type(event)
            if cls is Response:
                self._answer(event.content, out_parts)  # type: ignore[union-attr]
            elif cls is Thinking:
                if self.show_thinking:
                    self._thinking(event.content, err_parts)  # type: ignore[union-attr]
            elif cls is ThinkingDone:
                if self.show_thinking and self._thinking_open:
                    self._end_thinking(err_parts)
            elif cls is ToolCall:
                assert isinstance(event, ToolCall)
                self._answer(f"tool call: {event.name}({event.arguments})\n", out_parts)
            elif cls is Error:
                assert isinstance(event, Error)
                self._end_answer(out_parts)
                self._write(out_parts, err_parts)
                out_parts, err_parts = [], []
                if event.code == "interrupted":
                    self.terminal.info("interrupted")
                else:
                    self.terminal.error(event.message, event.hint)
            elif event.type == "done":
                self._end_answer(out_parts)
        self._write(out_parts, err_parts)

    def _thinking(self, text: str, parts: list[str]) -> None:
        if not self._thinking_open:
            self._thinking_open = True
            text = text.lstrip("\n")
        if text:
            parts.append(f"\x1b[2m{text}\x1b[0m" if self.dim else text)
            self._thinking_ends_with_newline = text.endswith("\n")

    def _end_thinking(self, parts: list[str]) -> None:
        """Reasoning is over: it ends its line, then a blank line before the answer."""
        self._thinking_open = False
        if not self._thinking_ends_with_newline:
            parts.append("\n")
        parts.append("\n")

    def _answer(self, text: str, parts: list[str]) -> None:
        if not self._answer_started:
            # Drop the blank lines before the answer (what followed </think>), keep the first
            # line's indentation: whitespace is held until the first visible character.
            self._lead += text
            visible = self._lead.lstrip()
            if not visible:
                return
            blank = self._lead[: len(self._lead) - len(visible)]
            text = blank[blank.rfind("\n") + 1 :] + visible
            self._answer_started = True
        parts.append(text)
        self._answer_ends_with_newline = text.endswith("\n")

    def _end_answer(self, parts: list[str]) -> None:
        if self._answer_started and not self._answer_ends_with_newline:
            parts.append("\n")
            self._answer_ends_with_newline = True

    def _write(self, out_parts: list[str], err_parts: list[str]) -> None:
        if err_parts:
            try:
                self.err.write("".join(err_parts))
                self.err.flush()
            except (BrokenPipeError, ValueError):
                pass
        if out_parts:
            with stdout_guard():
                self.out.write("".join(out_parts))
                self.out.flush()

    def close(self) -> None:
        with stdout_guard():
            self.out.flush()
