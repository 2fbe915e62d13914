"""``mlxchat batch PROFILE [PROFILE...]``: many requests from a file, fanned out over profiles.

Thin: the options become a BatchSpec; mlxchat.batch.job runs it; the summary goes to stderr and
the tally becomes the exit code (docs/batch.md, docs/exit-codes.md).
"""

from __future__ import annotations

from typing import Annotated

import typer

from mlxchat.cli.chat_cmd import IdleOpt, MaxImageSizeOpt, MaxTokensOpt, NoThinkOpt, SystemOpt, TemperatureOpt


def register(app: typer.Typer) -> None:
    app.command("batch")(batch)


ProfilesArg = Annotated[
    list[str], typer.Argument(metavar="PROFILE...", help="The profiles to send to (one or more).")
]
InputOpt = Annotated[
    str | None,
    typer.Option("--input", "-i", metavar="FILE|-", help="Request lines (default: stdin)."),
]
OutputOpt = Annotated[
    str | None,
    typer.Option("--output", "-o", metavar="FILE|-", help="Result lines (default: stdout)."),
]
JobsOpt = Annotated[
    int | None,
    typer.Option(
        "--jobs", "-j", min=1, max=1024, metavar="N",
        help="Requests in flight per profile (default: the profile's batch_jobs, else 4).",
    ),
]  # fmt: skip
EventsOpt = Annotated[
    bool, typer.Option("--events", help="Write the protocol's events (each with custom_id), not results.")
]
OrderedOpt = Annotated[bool, typer.Option("--ordered", help="Results in input order (default: as they end).")]
ResumeOpt = Annotated[
    bool, typer.Option("--resume", help="Continue -o FILE: skip ids it has a successful result for.")
]
OverwriteOpt = Annotated[bool, typer.Option("--overwrite", help="Replace -o FILE if it exists.")]
RetriesOpt = Annotated[
    int,
    typer.Option("--retries", min=0, max=100, metavar="N", help="Retries after connection errors, 429, 5xx."),
]
TextOpt = Annotated[bool, typer.Option("--text", help="Each input line is a prompt (not JSON).")]
StrictOpt = Annotated[
    bool, typer.Option("--strict", help="Refuse the whole input if any line is bad, before sending.")
]
StartOpt = Annotated[
    bool, typer.Option("--start", help="Start the profiles' servers first if they are not running.")
]
ProfileModelOpt = Annotated[
    bool,
    typer.Option("--profile-model", help="Send each profile's model, whatever the OpenAI lines name."),
]
ProgressOpt = Annotated[
    bool | None,
    typer.Option(
        "--progress/--no-progress",
        help="Progress on stderr (default: only when stderr is a terminal).",
        show_default=False,
    ),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No summary on stderr at the end.")]
LogOpt = Annotated[
    bool, typer.Option("--log", help="Keep each request in the conversation history (docs/history.md).")
]
FetchImagesOpt = Annotated[
    bool, typer.Option("--fetch-images", help="Download image URLs and prepare them here.")
]


def batch(  # noqa: PLR0917 (typer options)
    ctx: typer.Context,
    profile_names: ProfilesArg,
    input_path: InputOpt = None,
    output_path: OutputOpt = None,
    jobs: JobsOpt = None,
    events: EventsOpt = False,
    ordered: OrderedOpt = False,
    resume: ResumeOpt = False,
    overwrite: OverwriteOpt = False,
    retries: RetriesOpt = 3,
    text: TextOpt = False,
    strict: StrictOpt = False,
    start: StartOpt = False,
    profile_model: ProfileModelOpt = False,
    progress: ProgressOpt = None,
    quiet: QuietOpt = False,
    system: SystemOpt = None,
    max_tokens: MaxTokensOpt = None,
    temperature: TemperatureOpt = None,
    no_think: NoThinkOpt = False,
    idle_timeout: IdleOpt = 300.0,
    max_image_size: MaxImageSizeOpt = None,
    fetch_images: FetchImagesOpt = False,
    log: LogOpt = False,
) -> None:
    """Send every request line of the input to PROFILE(s), many at a time; write a result per line.

    Lines are OpenAI Batch requests, short-form objects ({"id", "prompt", ...}) or, with --text,
    prompts. Exit 6 when some requests failed (each has an error result). docs/batch.md.
    """
    from mlxchat.batch.job import BatchSpec, check_running, run_batch
    from mlxchat.batch.progress import summary_lines
    from mlxchat.chat.options import ChatOptions
    from mlxchat.cli.chat_cmd import start_if_needed
    from mlxchat.cli.context import context_of
    from mlxchat.exitcodes import ExitCode
    from mlxchat.profile_store import get_profile

    context = context_of(ctx)
    terminal = context.terminal
    profiles = [get_profile(name) for name in profile_names]
    check_running(profiles, (lambda p: start_if_needed(p, terminal)) if start else None)
    options = ChatOptions(
        system=system,
        max_tokens=max_tokens,
        temperature=temperature,
        no_think=no_think,
        max_image_size=max_image_size,
        fetch_images=fetch_images,
        strict=strict,
        idle_timeout=idle_timeout,
    )
    spec = BatchSpec(
        profiles, options, input_path, output_path, jobs, text, strict, resume, overwrite,
        events, ordered, retries, profile_model, progress, log=log,
    )  # fmt: skip
    report = run_batch(spec, terminal, context.now, terminal.info, environ=context.environ)
    if not quiet:
        for line in summary_lines(report.tally, report.lanes, report.wall):
            terminal.info(line)
    tally = report.tally
    if tally.interrupted:
        raise typer.Exit(int(ExitCode.INTERRUPTED))
    if tally.failed:
        raise typer.Exit(int(ExitCode.SOME_FAILED))
