"""Pretty rendering of chat events on a terminal, with Rich.

While the model reasons: a spinner, "Thinking...", and the end of the reasoning dimmed underneath,
on stderr; when reasoning ends it collapses to one line, "Thought for 3.2s" (``show_thinking``
keeps the text). The answer renders live as Markdown on stdout (mlxchat.output.live_answer): rows
that are final are written once and scroll away like any output; only the rows still changing are
redrawn, at most ``REFRESH_PER_SECOND`` times a second and only when they changed, each frame in
one synchronized write (mlxchat.output.live_region). Drawing happens on a thread of its own
(mlxchat.output.painter), so a slow terminal drops frames instead of holding back the stream.

An interrupted or failed answer leaves what was shown of it once, and the reasoning shown so far,
then the error panel on stderr. The renderer consumes the typed events every writer consumes, so a
saved NDJSON run (read back by ``mlxchat render``) renders exactly as the live one did. On a
console that is not interactive (a dumb terminal, a file) nothing is drawn live: each block is
printed once it is finished.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mlxchat.chat.events import Done, Error, Event, Response, Thinking, ThinkingDone, ToolCall
from mlxchat.output.live_answer import AnswerView
from mlxchat.output.live_region import LiveRegion, quiet_input
from mlxchat.output.markdown_render import MarkdownRenderer
from mlxchat.output.painter import Painter
from mlxchat.output.thinking_view import ThinkingView
from mlxchat.terminal import stdout_guard
from mlxchat.units import human_duration

if TYPE_CHECKING:
    from rich.console import Console

    from mlxchat.terminal import Terminal

REFRESH_PER_SECOND = 10


@dataclass
class PrettyOptions:
    show_thinking: bool = False
    """Keep the reasoning on screen when it is done, above "Thought for ..."."""
    hide_thinking: bool = False
    """Show only the spinner while the model reasons, not the reasoning."""
    stats: bool = False


class PrettyRenderer:
    """Feed it events with :meth:`handle`; call :meth:`close` at the end (always)."""

    def __init__(self, out: Console, err: Console, options: PrettyOptions | None = None) -> None:
        self.options = options or PrettyOptions()
        self.out = MarkdownRenderer(out)
        self.err = MarkdownRenderer(err, parser=self.out.parser)
        self.out_region = LiveRegion(out.file, live=out.is_interactive)
        self.err_region = LiveRegion(err.file, live=err.is_interactive)
        self.answer = AnswerView(self.out, live=self.out_region.live)
        self.thinking = ThinkingView(self.err, show_text=not self.options.hide_thinking)
        self.phase = ""  # "thinking" or "answer" while one of them is shown live
        self._arrived: list[str] = []  # answer text not yet given to the answer view
        self.saw_terminal = False
        self._modes = contextlib.ExitStack()
        self._painter: Painter[Event | None] | None = None
        live = self.out_region.live or self.err_region.live
        if live:
            self._modes.enter_context(quiet_input(out.file if self.out_region.live else err.file))
            self._painter = Painter(self._tick, self._animated, REFRESH_PER_SECOND)

    # -- the two ways in ------------------------------------------------------------------------

    def handle(self, event: Event) -> None:
        """Render one event (``start`` shows nothing)."""
        self.handle_batch([event])

    def handle_batch(self, events: list[Event]) -> None:
        if self._painter is not None:
            self._painter.post(list(events))
        else:
            self._tick(list(events))

    def close(self) -> None:
        """End every live display; the partial answer stays on screen."""
        try:
            if self._painter is not None:
                self._painter.post([None])  # the end: what is live becomes final
                self._painter.close()
            else:
                self._end_phase(interrupted=False)
        finally:
            self._modes.close()

    # -- drawing (on the painter's thread when live) --------------------------------------------

    def _animated(self) -> bool:
        return self.phase == "thinking" and self.err_region.live

    def _tick(self, events: list[Event | None]) -> None:
        for event in events:
            if event is None:
                self._end_phase(interrupted=False)
            else:
                self._apply(event)
        self._take_answer()
        self._draw()

    def _take_answer(self) -> None:
        """The answer text of a frame goes to the answer view at once: its cost is per frame."""
        if self._arrived:
            text, self._arrived = "".join(self._arrived), []
            self.answer.feed(text)

    def _draw(self) -> None:
        if self.phase == "thinking" and self.err_region.live:
            size = self.err.console.size
            self.err_region.draw([], self.thinking.rows(size.width, size.height, time.monotonic()))
        elif self.phase == "answer":
            if self.out_region.live:
                size = self.out.console.size
                self.out_region.draw(*self.answer.frame(size.width, size.height))
            else:
                self.out_region.draw(self.answer.take_final(), [])

    def _apply(self, event: Event) -> None:
        if isinstance(event, Response):
            if self.phase != "answer":
                self._end_phase(interrupted=False)
                self.phase = "answer"
            self._arrived.append(event.content)
        elif isinstance(event, Thinking):
            if self.phase != "thinking":
                self._end_phase(interrupted=False)
                self.phase = "thinking"
                self.thinking = ThinkingView(self.err, show_text=not self.options.hide_thinking)
            self.thinking.feed(event.content)
        elif isinstance(event, ThinkingDone):
            self._thought(event.duration)
        elif isinstance(event, ToolCall):
            self._end_phase(interrupted=False)
            self._tool_call(event)
        elif isinstance(event, Done):
            self.saw_terminal = True
            self._end_phase(interrupted=False)
            if self.options.stats:
                self._stats(event)
        elif isinstance(event, Error):
            self.saw_terminal = True
            self._end_phase(interrupted=True)
            self._error(event)

    def _end_phase(self, *, interrupted: bool) -> None:
        """Whatever is live becomes final: the rest of the answer; the reasoning, if it was cut off."""
        if self.phase == "answer":
            self._take_answer()
            self.out_region.draw(self.answer.close(), [])
        elif self.phase == "thinking":
            keep = interrupted and self.thinking.show_text
            self.err_region.draw(self.thinking.kept_rows(self._err_width()) if keep else [], [])
        self.phase = ""

    def _err_width(self) -> int:
        return self.err.console.size.width

    def _say(self, renderable: Any) -> None:
        """Something lasting on stderr (tool calls, timings, errors)."""
        self.err_region.draw(self.err.encode_lines(self.err.render(renderable, self._err_width())), [])

    # -- the rest -------------------------------------------------------------------------------

    def _thought(self, duration: float) -> None:
        from rich.text import Text

        kept: list[str] = []
        if self.phase == "thinking":
            if self.options.show_thinking and self.thinking.show_text:
                kept = self.thinking.kept_rows(self._err_width())
            self.phase = ""
        line = Text(f"Thought for {human_duration(duration)}", style="dim")
        rows = self.err.encode_lines(self.err.render(line, self._err_width()))
        self.err_region.draw([*kept, *rows, ""], [])

    def _tool_call(self, event: ToolCall) -> None:
        from rich.text import Text

        # Built from parts, never parsed as markup: the model chose these strings.
        name = event.name or "?"
        self._say(Text.assemble(("tool call ", "bold magenta"), (name, "bold"), f"({event.arguments})"))

    def _stats(self, event: Done) -> None:
        from rich.text import Text

        usage, timing = event.usage or {}, event.timing
        parts: list[str] = []
        if usage.get("completion_tokens") is not None:
            parts.append(f"{usage['completion_tokens']} tokens")
        if timing.tokens_per_second:
            parts.append(f"{timing.tokens_per_second:.1f} tok/s")
        if timing.ttft is not None:
            parts.append(f"first token {timing.ttft:.2f}s")
        parts.append(f"total {timing.total:.2f}s")
        self._say(Text(" · ".join(parts), style="dim"))

    def _error(self, event: Error) -> None:
        from rich.panel import Panel
        from rich.text import Text

        title = f"error: {event.code}" + (f" (HTTP {event.status})" if event.status else "")
        message = Text(event.message)
        if event.hint:
            message.append(f"\nhint: {event.hint}", style="dim")
        # Text objects, never markup: these strings come from the server or a saved file.
        self._say(Panel(message, title=Text(title), title_align="left", style="red"))


class PrettyWriter:
    """The pretty renderer as an event writer (see mlxchat.output.EventWriter)."""

    def __init__(self, terminal: Terminal, options: PrettyOptions | None = None) -> None:
        self.renderer = PrettyRenderer(terminal.out_console(), terminal.err_console(), options)

    def write_batch(self, events: list[Event]) -> None:
        with stdout_guard():
            self.renderer.handle_batch(events)

    def close(self) -> None:
        with stdout_guard():
            self.renderer.close()
