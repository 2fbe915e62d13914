"""``mlxchat chat PROFILE [PROMPT]``: stream an answer as text, pretty output, or NDJSON events.

The command reads what the user gave (prompt, stdin, ``--messages``) into ChatOptions, then either
starts a conversation (mlxchat.cli.interactive) or runs one turn: resolve, run_turn, exit code.
"""

# No ``from __future__ import annotations`` here: typer reads the command's signature with
# typing.get_type_hints on every run, and annotations kept as strings would be compiled there one
# by one (a few million instructions for chat's options; docs/development.md, performance). Names
# imported only for type checking are quoted instead.

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, BinaryIO

import typer

from mlxchat.output import OutputFormat

if TYPE_CHECKING:
    from mlxchat.chat.options import ChatOptions
    from mlxchat.chat.turn import TurnLog
    from mlxchat.cli.context import CliContext
    from mlxchat.exitcodes import ExitCode
    from mlxchat.output import OutputOptions
    from mlxchat.profile import Profile
    from mlxchat.terminal import Terminal


def register(app: typer.Typer) -> None:
    app.command("chat")(chat)


ProfileArg = Annotated[str, typer.Argument(metavar="PROFILE", help="The profile to chat with.")]
PromptArg = Annotated[
    str | None,
    typer.Argument(help="The prompt; '-' reads it from stdin. Piped stdin is put before the prompt."),
]
SystemOpt = Annotated[str | None, typer.Option("--system", "-s", help="System prompt (else the profile's).")]
MaxTokensOpt = Annotated[int | None, typer.Option("--max-tokens", min=1, help="Most tokens to generate.")]
TemperatureOpt = Annotated[
    float | None, typer.Option("--temperature", "-t", min=0.0, help="Sampling temperature.")
]
NoThinkOpt = Annotated[bool, typer.Option("--no-think", help="Ask the model not to reason first.")]
MessagesOpt = Annotated[
    str | None,
    typer.Option(
        "--messages",
        metavar="FILE",
        help="Earlier messages: a JSON array or NDJSON of OpenAI messages ('-' for stdin).",
    ),
]
IdleOpt = Annotated[
    float,
    typer.Option(
        "--idle-timeout", min=0.001, metavar="SECONDS", help="Give up after this long without a byte."
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="NDJSON events (same as --format ndjson).")]
FormatOpt = Annotated[
    OutputFormat | None,
    typer.Option("--format", "-f", help="Output: pretty (default on a terminal), text, or ndjson."),
]
HideOpt = Annotated[bool, typer.Option("--hide-thinking", help="Do not show the model's reasoning.")]
ShowOpt = Annotated[
    bool, typer.Option("--show-thinking", help="Pretty output: keep the reasoning on screen when it is done.")
]
StatsOpt = Annotated[
    bool, typer.Option("--stats", "-v", help="Pretty output: a footer with tokens, tokens/s and latency.")
]
StartOpt = Annotated[
    bool, typer.Option("--start", help="Start the profile's server first if it is not running.")
]
ImageOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--image",
        "-i",
        metavar="PATH|URL|-",
        help="Attach an image (repeatable); '-' reads its bytes from stdin. Multimodal profiles only.",
    ),
]
VideoOpt = Annotated[
    list[str] | None,
    typer.Option("--video", metavar="PATH|URL", help="Attach a video: mp4, mov or avi (repeatable)."),
]
FetchImagesOpt = Annotated[
    bool,
    typer.Option(
        "--fetch-images", help="Download image URLs and prepare them here (else the server fetches)."
    ),
]
MaxImageSizeOpt = Annotated[
    int | None,
    typer.Option(
        "--max-image-size",
        min=0,
        metavar="PIXELS",
        help="Shrink images to this long edge (default: the profile's, else 2048; 0 = never).",
    ),
]
StrictOpt = Annotated[
    bool,
    typer.Option("--strict", help="Attachments for a text-only profile are an error, not a warning."),
]
ContinueOpt = Annotated[
    bool,
    typer.Option("--continue", "-c", help="Continue the latest conversation with PROFILE (docs/history.md)."),
]
CidOpt = Annotated[
    str | None, typer.Option("--cid", metavar="ID", help="Continue the conversation ID of the history.")
]
NoLogOpt = Annotated[bool, typer.Option("--no-log", help="Keep this chat out of the history.")]
LogAttachmentsOpt = Annotated[
    bool, typer.Option("--log-attachments", help="Keep the bytes of images and videos in the history too.")
]


def chat(  # noqa: PLR0917 (typer options)
    ctx: typer.Context,
    profile_name: ProfileArg,
    prompt: PromptArg = None,
    system: SystemOpt = None,
    max_tokens: MaxTokensOpt = None,
    temperature: TemperatureOpt = None,
    no_think: NoThinkOpt = False,
    messages_file: MessagesOpt = None,
    idle_timeout: IdleOpt = 300.0,
    json_output: JsonOpt = False,
    output_format: FormatOpt = None,
    hide_thinking: HideOpt = False,
    show_thinking: ShowOpt = False,
    stats: StatsOpt = False,
    start: StartOpt = False,
    images: ImageOpt = None,
    videos: VideoOpt = None,
    fetch_images: FetchImagesOpt = False,
    max_image_size: MaxImageSizeOpt = None,
    strict: StrictOpt = False,
    continue_latest: ContinueOpt = False,
    conversation_id: CidOpt = None,
    no_log: NoLogOpt = False,
    log_attachments: LogAttachmentsOpt = False,
) -> None:
    """Ask PROFILE's model something and stream the answer (reasoning goes to stderr).

    With no prompt, on a terminal: a conversation (type /help in it; docs/interactive.md).
    """
    from mlxchat.chat.options import ChatOptions
    from mlxchat.cli import chat_history
    from mlxchat.cli.context import context_of
    from mlxchat.output import OutputOptions
    from mlxchat.profile_store import get_profile

    context = context_of(ctx)
    terminal = context.terminal
    fmt = _format(json_output, output_format, terminal)
    flags = chat_history.HistoryFlags(continue_latest, conversation_id, no_log, log_attachments)
    chat_history.check_flags(flags, messages_file)
    profile = get_profile(profile_name)
    given_prompt, stdin_text, messages = _read_inputs(terminal, prompt, messages_file, images or [])
    options = ChatOptions(
        prompt=given_prompt,
        stdin_text=stdin_text,
        messages=messages,
        system=system,
        max_tokens=max_tokens,
        temperature=temperature,
        no_think=no_think,
        images=tuple(images or ()),
        videos=tuple(videos or ()),
        max_image_size=max_image_size,
        fetch_images=fetch_images,
        strict=strict,
        idle_timeout=idle_timeout,
    )
    output = OutputOptions(fmt, show_thinking=show_thinking, hide_thinking=hide_thinking, stats=stats)
    start_server = (lambda: start_if_needed(profile, terminal)) if start else None
    interactive = prompt is None and _wants_session(messages_file, terminal)
    resumed = chat_history.resume(profile, flags, terminal, needs_prompt=not interactive and not options.text)
    options = chat_history.continued(options, resumed)
    log = chat_history.turn_log(profile, context, flags, resumed)
    if interactive:
        # No prompt on a terminal: a conversation (docs/interactive.md), seeded with --messages
        # or with the conversation -c/--cid continues.
        from mlxchat.cli.interactive import Session, run_session

        seed = messages_file if resumed is None else chat_history.show_recap(resumed, terminal)
        session = Session(profile, context, options, output)
        session.log = log
        run_session(session, seed_source=seed, start_server=start_server)
        return
    code = _one_turn(profile, context, options, output, start_server, log)
    if code:
        raise typer.Exit(int(code))


def _one_turn(  # noqa: PLR0917 (one turn's inputs)
    profile: "Profile",
    context: "CliContext",
    options: "ChatOptions",
    output: "OutputOptions",
    start_server: Callable[[], None] | None,
    log: "TurnLog | None",
) -> "ExitCode":
    from mlxchat.chat.request import resolve
    from mlxchat.chat.turn import run_turn
    from mlxchat.output import make_writer

    terminal = context.terminal
    # Every attachment is read and checked here, before a server is started or a request sent.
    image_stdin = _binary_stdin(terminal) if "-" in options.images else None
    request = resolve(options, profile, stdin=image_stdin, warn=terminal.warn)
    if output.fmt is not OutputFormat.ndjson:
        # What preparation changed or left out (NDJSON carries it in the start event instead).
        for summary in request.attachments:
            for note in summary.get("notes") or []:
                terminal.info(terminal.dim(f"{summary['kind']} {summary['name']}: {note}"))
    if start_server is not None:
        start_server()
    writer = make_writer(terminal, output)
    result = run_turn(request, writer, now=context.now, log=log)
    writer.close()
    return result.exit_code


def _format(json_output: bool, output_format: OutputFormat | None, terminal: "Terminal") -> OutputFormat:
    from mlxchat.errors import UsageError
    from mlxchat.output import default_format

    if json_output and output_format not in (None, OutputFormat.ndjson):
        raise UsageError("--json and --format text/pretty contradict each other")
    if json_output:
        return OutputFormat.ndjson
    return output_format or default_format(terminal)


def _read_inputs(
    terminal: "Terminal", prompt: str | None, messages_file: str | None, images: list[str]
) -> tuple[str | None, str | None, list[dict[str, Any]]]:
    """The prompt, the text piped in beside it, and the ``--messages``: stdin holds one of them at most."""
    from mlxchat.errors import UsageError

    if prompt == "-" and messages_file == "-":
        raise UsageError("stdin can hold the prompt or the messages, not both")
    image_from_stdin = "-" in images
    if image_from_stdin and "-" in (prompt, messages_file):
        what = "prompt" if prompt == "-" else "messages"
        raise UsageError(f"stdin can hold the image (--image -) or the {what}, not both")
    messages = _read_messages(terminal, messages_file)
    if prompt == "-":
        return _read_stdin(terminal), None, messages
    piped = messages_file != "-" and not image_from_stdin and not terminal.stdin_isatty
    return prompt, _read_stdin(terminal) if piped and terminal.stdin is not None else None, messages


def _read_messages(terminal: "Terminal", messages_file: str | None) -> list[dict[str, Any]]:
    from mlxchat.chat.options import parse_messages
    from mlxchat.errors import UsageError

    if messages_file is None:
        return []
    if messages_file == "-":
        return parse_messages(_read_stdin(terminal), "--messages -")
    path = Path(messages_file)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read --messages file {path}: {exc}") from None
    return parse_messages(text, str(path))


def _wants_session(messages_file: str | None, terminal: "Terminal") -> bool:
    from mlxchat.cli.interactive import wants_session

    return wants_session(None, messages_file, terminal.stdin_isatty, terminal.stdout_isatty)


def _read_stdin(terminal: "Terminal") -> str:
    from mlxchat.errors import UsageError

    stream = terminal.stdin
    if stream is None:
        raise UsageError("stdin is closed")
    data = stream.buffer.read() if hasattr(stream, "buffer") else stream.read().encode()
    try:
        return str(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise UsageError("stdin is not UTF-8 text") from None


def _binary_stdin(terminal: "Terminal") -> BinaryIO:
    from mlxchat.errors import UsageError

    stream = terminal.stdin
    if stream is None:
        raise UsageError("stdin is closed: nothing to read for --image -")
    return stream.buffer


def start_if_needed(profile: "Profile", terminal: "Terminal") -> None:
    from mlxchat.servers import lifecycle

    if not lifecycle.needs_start(profile):
        return
    terminal.info(f"starting {profile.name}…")
    lifecycle.start(profile)
