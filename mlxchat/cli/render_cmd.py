"""``mlxchat render [FILE]``: show saved or piped NDJSON chat events as ``chat`` shows them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mlxchat.output import OutputFormat


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


def render(
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
    from mlxchat.chat.events import Done, Error, exit_code_for
    from mlxchat.errors import UsageError
    from mlxchat.exitcodes import ExitCode
    from mlxchat.output import OutputOptions, default_format, make_writer
    from mlxchat.output.replay import Skipped, read_events
    from mlxchat.terminal import Terminal

    terminal = Terminal()
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
    writer = make_writer(
        fmt, terminal, OutputOptions(show_thinking=show_thinking, hide_thinking=hide_thinking, stats=stats)
    )
    terminal_event: Done | Error | None = None
    unknown: set[str] = set()
    try:
        for item in read_events(source):
            if isinstance(item, Skipped):
                if item.reason not in unknown:
                    terminal.warn(f"line {item.line}: {item.reason}, skipped")
                    if item.reason.startswith("unknown event type"):
                        unknown.add(item.reason)  # say it once per type
                continue
            if terminal_event is not None:
                terminal.warn(f"a {item.type!r} event after the stream's end, skipped")
                continue
            writer.write_batch([item])
            if isinstance(item, Done | Error):
                terminal_event = item
    except KeyboardInterrupt:
        writer.close()
        raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
    finally:
        if source is not terminal.stdin.buffer:
            source.close()
    if terminal_event is None:
        # Rendered like a chat whose stream broke: the partial answer stays, then the error.
        terminal_event = Error("stream_broken", "the events end without a 'done' or 'error' event: cut short")
        writer.write_batch([terminal_event])
    writer.close()
    code = exit_code_for(terminal_event)
    if code:
        raise typer.Exit(int(code))
