"""``mlxchat render [FILE]``: show saved or piped NDJSON chat events as ``chat`` shows them."""

from __future__ import annotations

from collections.abc import Generator, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mlxchat.output import OutputFormat

if TYPE_CHECKING:
    from mlxchat.chat.events import Event
    from mlxchat.terminal import Terminal


def register(app: typer.Typer) -> None:
    app.command("render")(render)


FileArg = Annotated[
    str,
    typer.Argument(metavar="[FILE]", help="NDJSON events from 'mlxchat chat --json' ('-' or none: stdin)."),
]
FormatOpt = Annotated[
    OutputFormat | None,
    typer.Option("--format", "-f", help="Output: pretty (default on a terminal), text, or ndjson."),
]


def render(  # noqa: PLR0917 (typer options)
    ctx: typer.Context,
    file: FileArg = "-",
    output_format: FormatOpt = None,
    show_thinking: Annotated[
        bool, typer.Option("--show-thinking", help="Keep the reasoning on screen when it is done.")
    ] = False,
    hide_thinking: Annotated[
        bool, typer.Option("--hide-thinking", help="Do not show the reasoning.")
    ] = False,
    stats: Annotated[bool, typer.Option("--stats", "-v", help="A footer with tokens and timing.")] = False,
) -> None:
    """Render chat events (NDJSON) as chat would show them live.

    For example: mlxchat chat p "..." --json | tee run.ndjson | mlxchat render.
    Exits with the code the chat had (from its terminal event); 5 when the events end without one.
    """
    from mlxchat.chat.turn import play
    from mlxchat.cli.context import context_of
    from mlxchat.errors import UsageError
    from mlxchat.output import OutputOptions, default_format, make_writer

    terminal = context_of(ctx).terminal
    if file == "-":
        if terminal.stdin_isatty:
            raise UsageError(
                "no events to render", hint="pipe them in: mlxchat chat p '...' --json | mlxchat render"
            )
        source = terminal.stdin.buffer
    else:
        try:
            source = Path(file).open("rb")  # noqa: SIM115 (closed below)
        except OSError as exc:
            raise UsageError(f"cannot read {file}: {exc.strerror}") from None
    fmt = output_format or default_format(terminal)
    options = OutputOptions(fmt, show_thinking=show_thinking, hide_thinking=hide_thinking, stats=stats)
    writer = make_writer(terminal, options)
    try:
        result = play(_replayed(source, terminal), writer)
    finally:
        if source is not terminal.stdin.buffer:
            source.close()
    writer.close()
    if result.exit_code:
        raise typer.Exit(int(result.exit_code))


def _replayed(lines: Iterable[bytes], terminal: Terminal) -> Generator[list[Event], None, None]:
    """The saved events one by one, as a chat stream: lines that are no event are reported and
    skipped, so are events after the terminal one; events that end without one end as a stream
    that broke (the partial answer stays, then the error)."""
    from mlxchat.chat.events import Done, Error
    from mlxchat.output.replay import Skipped, read_events

    ended = False
    unknown: set[str] = set()
    for item in read_events(lines):
        if isinstance(item, Skipped):
            if item.reason not in unknown:
                terminal.warn(f"line {item.line}: {item.reason}, skipped")
                if item.reason.startswith("unknown event type"):
                    unknown.add(item.reason)  # say it once per type
        elif ended:
            terminal.warn(f"a {item.type!r} event after the stream's end, skipped")
        else:
            yield [item]
            ended = isinstance(item, Done | Error)
    if not ended:
        yield [Error("stream_broken", "the events end without a 'done' or 'error' event: cut short")]
