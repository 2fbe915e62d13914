"""Pretty rendering of chat events on a terminal, with Rich.

While the model reasons: a spinner, "Thinking...", and the reasoning streaming dimmed underneath,
on stderr; when reasoning ends it collapses to one line, "Thought for 3.2s" (``show_thinking``
keeps the text). The answer renders live as Markdown on stdout. Finished Markdown blocks are
printed once and never re-rendered; only the block still being written is re-rendered, at a
bounded rate, so the cost grows linearly with the answer. Errors become a panel on stderr after
whatever answer arrived. The renderer consumes the typed events every writer consumes, so a saved
NDJSON run (read back by ``mlxchat render``) renders exactly as the live one did.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mlxchat.chat.events import Done, Error, Event, Response, Thinking, ThinkingDone, ToolCall
from mlxchat.output.markdown_blocks import MarkdownBlocks
from mlxchat.terminal import stdout_guard
from mlxchat.units import human_duration

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
    from rich.live import Live

    from mlxchat.terminal import Terminal

REFRESH_PER_SECOND = 10
CODE_THEME = "monokai"


@dataclass
class PrettyOptions:
    show_thinking: bool = False
    """Keep the reasoning on screen when it is done, above "Thought for ..."."""
    hide_thinking: bool = False
    """Show only the spinner while the model reasons, not the reasoning."""
    stats: bool = False


class _Tail:
    """The unfinished end of a text, showing at most the last lines that fit on the screen.

    Rendering is cached by (text, width), so idle refreshes cost nothing.
    """

    def __init__(self, markdown: bool, style: str = "") -> None:
        self.text = ""
        self.markdown = markdown
        self.style = style
        self._cache_key: tuple[str, int, int] | None = None
        self._cache: list[Any] = []

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from rich.segment import Segment

        height = max(3, (options.height or console.size.height) - 2)
        key = (self.text, options.max_width, height)
        if key != self._cache_key:
            lines = console.render_lines(self._renderable(), options.update(height=None), pad=False)
            self._cache = lines[-height:]
            self._cache_key = key
        for line in self._cache:
            yield from line
            yield Segment.line()

    def _renderable(self) -> RenderableType:
        if self.markdown:
            from rich.markdown import Markdown

            return Markdown(self.text, code_theme=CODE_THEME)
        from rich.text import Text

        return Text(self.text, style=self.style)


class PrettyRenderer:
    """Feed it events with :meth:`handle`; call :meth:`close` at the end (always)."""

    def __init__(self, out: Console, err: Console, options: PrettyOptions | None = None) -> None:
        self.out = out
        self.err = err
        self.options = options or PrettyOptions()
        self._live: Live | None = None
        self._live_kind = ""
        self._blocks = MarkdownBlocks()
        self._printed_blocks = 0
        self._thinking = _Tail(markdown=False, style="dim")
        self._answer = _Tail(markdown=True)
        self._thought_for: float | None = None
        self.saw_terminal = False

    # -- events -------------------------------------------------------------------------------

    def handle(self, event: Event) -> None:
        """Render one event (``start`` shows nothing)."""
        if isinstance(event, Response):
            self._on_response(event.content)
        elif isinstance(event, Thinking):
            self._on_thinking(event.content)
        elif isinstance(event, ThinkingDone):
            self._on_thinking_done(event.duration)
        elif isinstance(event, ToolCall):
            self._on_tool_call(event)
        elif isinstance(event, Done):
            self.saw_terminal = True
            self._finish_answer()
            if self.options.stats:
                self._stats(event)
        elif isinstance(event, Error):
            self.saw_terminal = True
            self._finish_answer()
            self._error(event)

    def close(self) -> None:
        """End every live display; the partial answer stays on screen."""
        self._finish_answer()

    # -- thinking -----------------------------------------------------------------------------

    def _on_thinking(self, text: str) -> None:
        if self._live_kind != "thinking":
            self._stop_live()
            self._start_thinking()
        self._thinking.text += text

    def _start_thinking(self) -> None:
        from rich.console import Group
        from rich.live import Live
        from rich.spinner import Spinner

        spinner = Spinner("dots", text="Thinking...", style="cyan")
        view = spinner if self.options.hide_thinking else Group(spinner, self._thinking)
        self._live = Live(
            view,
            console=self.err,
            refresh_per_second=REFRESH_PER_SECOND,
            transient=True,
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self._live_kind = "thinking"
        self._live.start()

    def _on_thinking_done(self, duration: float) -> None:
        if self._live_kind == "thinking":
            self._stop_live()
        self._thought_for = duration
        if self.options.show_thinking and not self.options.hide_thinking and self._thinking.text.strip():
            from rich.text import Text

            self.err.print(Text(self._thinking.text.strip("\n"), style="dim"))
        self.err.print(f"[dim]Thought for {human_duration(duration)}[/dim]\n", highlight=False)

    # -- answer -------------------------------------------------------------------------------

    def _on_response(self, text: str) -> None:
        if self._live_kind == "thinking":
            # No thinking_done came (an older or odd stream): close the thinking display anyway.
            self._stop_live()
        if self._live_kind != "answer":
            self._start_answer()
        finished = self._blocks.feed(text)
        # The live region is redrawn below each printed block: give it the new tail first, or it
        # would render the finished block a second time.
        self._answer.text = self._blocks.tail
        for block in finished:
            self._print_block(block)

    def _start_answer(self) -> None:
        from rich.live import Live

        self._live = Live(
            self._answer,
            console=self.out,
            refresh_per_second=REFRESH_PER_SECOND,
            transient=True,
            redirect_stdout=False,
            redirect_stderr=False,
            vertical_overflow="visible",
        )
        self._live_kind = "answer"
        self._live.start()

    def _print_block(self, block: str) -> None:
        """Render one finished block, once, with exactly one blank line between blocks."""
        from rich.markdown import Markdown
        from rich.segment import Segment, Segments

        lines = self.out.render_lines(Markdown(block, code_theme=CODE_THEME), pad=False, new_lines=False)
        # Rich opens tables, lists and quotes with an empty line of its own (a code block's padding
        # lines are spaces with a background, and stay).
        while lines and not "".join(seg.text for seg in lines[0]):
            lines.pop(0)
        while lines and not "".join(seg.text for seg in lines[-1]):
            lines.pop()
        segments: list[Segment] = [Segment.line()] if self._printed_blocks else []
        for line in lines:
            segments.extend(line)
            segments.append(Segment.line())
        self.out.print(Segments(segments), end="")
        self._printed_blocks += 1

    def _finish_answer(self) -> None:
        if self._live_kind == "thinking":
            self._stop_live()
            return
        if self._live_kind != "answer":
            return
        self._answer.text = ""
        self._stop_live()
        for block in self._blocks.close():
            self._print_block(block)

    def _stop_live(self) -> None:
        if self._live is not None:
            self._live.stop()
        self._live = None
        self._live_kind = ""

    # -- the rest -----------------------------------------------------------------------------

    def _on_tool_call(self, event: ToolCall) -> None:
        from rich.text import Text

        self._finish_answer()
        # Built from parts, never parsed as markup: the model chose these strings.
        name = event.name or "?"
        self.err.print(Text.assemble(("tool call ", "bold magenta"), (name, "bold"), f"({event.arguments})"))

    def _stats(self, event: Done) -> None:
        usage, timing = event.usage or {}, event.timing
        parts: list[str] = []
        if usage.get("completion_tokens") is not None:
            parts.append(f"{usage['completion_tokens']} tokens")
        if timing.tokens_per_second:
            parts.append(f"{timing.tokens_per_second:.1f} tok/s")
        if timing.ttft is not None:
            parts.append(f"first token {timing.ttft:.2f}s")
        parts.append(f"total {timing.total:.2f}s")
        self.err.print("[dim]" + " · ".join(parts) + "[/dim]", highlight=False)

    def _error(self, event: Error) -> None:
        from rich.panel import Panel
        from rich.text import Text

        title = f"error: {event.code}" + (f" (HTTP {event.status})" if event.status else "")
        message = Text(event.message)
        if event.hint:
            message.append(f"\nhint: {event.hint}", style="dim")
        # Text objects, never markup: these strings come from the server or a saved file.
        self.err.print(Panel(message, title=Text(title), title_align="left", style="red"))


class PrettyWriter:
    """The pretty renderer as an event writer (see mlxchat.output.EventWriter)."""

    def __init__(self, terminal: Terminal, options: PrettyOptions | None = None) -> None:
        self.renderer = PrettyRenderer(terminal.out_console(), terminal.err_console(), options)

    def write_batch(self, events: list[Event]) -> None:
        handle = self.renderer.handle
        with stdout_guard():
            for event in events:
                handle(event)

    def close(self) -> None:
        with stdout_guard():
            self.renderer.close()
