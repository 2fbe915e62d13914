"""``mlxchat profile add|list|show|edit|rm|copy``: thin commands over mlxchat.profile_edit and profile_store.

The options of ``add`` and ``edit`` are named after the profile fields they set: ``ctx.params`` is
the set of fields given.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from mlxchat.profile_edit import Change
    from mlxchat.terminal import Terminal

NameArg = Annotated[str, typer.Argument(help="Profile name.", metavar="NAME")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON (stable keys, docs/profiles.md).")]
ServerOpt = Annotated[
    str | None,
    typer.Option(
        "--server",
        metavar="KIND",
        help="Server kind: mlx-openai-server (default), mlx-lm, mlx-vlm, command, remote.",
    ),
]
ModelPathOpt = Annotated[
    str | None, typer.Option("--model-path", metavar="PATH", help="Local model directory.")
]
ModelOpt = Annotated[
    str | None,
    typer.Option("--model", metavar="NAME", help="Model name sent in requests (default per kind)."),
]
ModelTypeOpt = Annotated[
    str | None,
    typer.Option("--model-type", metavar="lm|multimodal", help="Detected from config.json if not given."),
]
HostOpt = Annotated[
    str | None, typer.Option("--host", metavar="HOST", help="Listen address (default 127.0.0.1).")
]
PortOpt = Annotated[
    int | None, typer.Option("--port", metavar="N", help="Port (default: a free one, assigned now).")
]
ReasoningOpt = Annotated[
    str | None, typer.Option("--reasoning-parser", metavar="P", help="mlx-openai-server reasoning parser.")
]
ToolOpt = Annotated[
    str | None, typer.Option("--tool-call-parser", metavar="P", help="mlx-openai-server tool-call parser.")
]
ContextOpt = Annotated[int | None, typer.Option("--context-length", metavar="N", help="Context length.")]
ExtraOpt = Annotated[
    str | None,
    typer.Option(
        "--extra-args", metavar="ARGS", help="More server arguments, split like a shell: '--a 1 --b'."
    ),
]
CommandOpt = Annotated[
    str | None,
    typer.Option(
        "--command",
        metavar="TEMPLATE",
        help="command kind: server command with {host} {port} {model_path} {model}.",
    ),
]
UrlOpt = Annotated[
    str | None, typer.Option("--url", metavar="URL", help="remote kind: base URL ending in /v1.")
]
KeyEnvOpt = Annotated[
    str | None,
    typer.Option(
        "--api-key-env", metavar="VAR", help="Name of the env var holding the API key (never the key)."
    ),
]
SystemOpt = Annotated[
    str | None, typer.Option("--system-prompt", metavar="TEXT", help="Default system prompt.")
]
MaxTokensOpt = Annotated[int | None, typer.Option("--max-tokens", metavar="N", help="Default max_tokens.")]
TemperatureOpt = Annotated[
    float | None, typer.Option("--temperature", metavar="T", help="Default temperature.")
]
ThinkingOpt = Annotated[
    bool | None,
    typer.Option(
        "--thinking-prefilled/--no-thinking-prefilled",
        help="The chat template opens <think> itself (default: detected from it).",
        show_default=False,
    ),
]
ImageSizeOpt = Annotated[
    int | None, typer.Option("--max-image-size", metavar="PX", help="Shrink images to this longer side.")
]
BatchJobsOpt = Annotated[
    int | None,
    typer.Option("--batch-jobs", metavar="N", help="Requests `mlxchat batch` keeps in flight (default 4)."),
]


def _report(term: Terminal, change: Change) -> None:
    for note in change.notices.notes:
        term.info(note)
    for warning in change.notices.warnings:
        term.warn(warning)


def _fields(ctx: typer.Context, *, leave: tuple[str, ...]) -> dict[str, object]:
    from mlxchat.profile_edit import given_fields

    return given_fields({k: v for k, v in ctx.params.items() if k not in leave})


def _add(  # noqa: PLR0917 (typer options)
    ctx: typer.Context,
    name: NameArg,
    server: ServerOpt = None,
    model_path: ModelPathOpt = None,
    model: ModelOpt = None,
    model_type: ModelTypeOpt = None,
    host: HostOpt = None,
    port: PortOpt = None,
    reasoning_parser: ReasoningOpt = None,
    tool_call_parser: ToolOpt = None,
    context_length: ContextOpt = None,
    extra_args: ExtraOpt = None,
    command: CommandOpt = None,
    url: UrlOpt = None,
    api_key_env: KeyEnvOpt = None,
    system_prompt: SystemOpt = None,
    max_tokens: MaxTokensOpt = None,
    temperature: TemperatureOpt = None,
    thinking_prefilled: ThinkingOpt = None,
    max_image_size: ImageSizeOpt = None,
    batch_jobs: BatchJobsOpt = None,
) -> None:
    """Add a profile. Detects model type and reasoning parser from the model's config.json."""
    from mlxchat import profile_edit
    from mlxchat.cli.context import context_of
    from mlxchat.servers.kinds import kind_of

    change = profile_edit.add(name, _fields(ctx, leave=("name",)))
    term = context_of(ctx).terminal
    _report(term, change)
    profile = change.profile
    if kind_of(profile).is_remote:
        term.info(f"added profile {name} (remote, {profile.base_url()})")
    else:
        term.info(f"added profile {name} ({profile.server}); start it with: mlxchat start {name}")


def _edit(  # noqa: PLR0917 (typer options)
    ctx: typer.Context,
    name: NameArg,
    server: ServerOpt = None,
    model_path: ModelPathOpt = None,
    model: ModelOpt = None,
    model_type: ModelTypeOpt = None,
    host: HostOpt = None,
    port: PortOpt = None,
    reasoning_parser: ReasoningOpt = None,
    tool_call_parser: ToolOpt = None,
    context_length: ContextOpt = None,
    extra_args: ExtraOpt = None,
    command: CommandOpt = None,
    url: UrlOpt = None,
    api_key_env: KeyEnvOpt = None,
    system_prompt: SystemOpt = None,
    max_tokens: MaxTokensOpt = None,
    temperature: TemperatureOpt = None,
    thinking_prefilled: ThinkingOpt = None,
    max_image_size: ImageSizeOpt = None,
    batch_jobs: BatchJobsOpt = None,
    unset: Annotated[
        list[str] | None,
        typer.Option("--unset", metavar="FIELD", help="Clear a field (back to its default); repeatable."),
    ] = None,
) -> None:
    """Change fields of a profile; the others stay as they are."""
    from mlxchat import profile_edit
    from mlxchat.cli.context import context_of

    change = profile_edit.edit(name, _fields(ctx, leave=("name", "unset")), unset or [])
    term = context_of(ctx).terminal
    _report(term, change)
    term.info(f"changed profile {name}")
    if change.runs_old_settings:
        fields = ", ".join(change.runs_old_settings)
        term.info(f"its server still runs with the old {fields}: mlxchat restart {name}")


def _list(ctx: typer.Context, json_: JsonOpt = False) -> None:
    """List profiles (a table; --json for a stable array)."""
    from mlxchat.cli.context import context_of
    from mlxchat.output.profile_view import profile_json, profiles_table
    from mlxchat.profile_store import load_profiles

    term = context_of(ctx).terminal
    profiles = [p for _, p in sorted(load_profiles().items())]
    if json_:
        import json

        term.write_out(json.dumps([profile_json(p) for p in profiles], indent=2) + "\n")
    elif not profiles:
        term.info("no profiles yet: mlxchat profile add NAME --model-path DIR")
    else:
        term.write_out(profiles_table(profiles))


def _show(ctx: typer.Context, name: NameArg, json_: JsonOpt = False) -> None:
    """Show every field of a profile."""
    from mlxchat.cli.context import context_of
    from mlxchat.output.profile_view import profile_json, profile_text
    from mlxchat.profile_store import get_profile

    term = context_of(ctx).terminal
    profile = get_profile(name)
    if json_:
        import json

        term.write_out(json.dumps(profile_json(profile), indent=2) + "\n")
    else:
        term.write_out(profile_text(profile))


def _rm(ctx: typer.Context, name: NameArg) -> None:
    """Remove a profile (its server must be stopped first)."""
    from mlxchat import profile_edit
    from mlxchat.cli.context import context_of

    profile_edit.remove(name)
    context_of(ctx).terminal.info(f"removed profile {name}")


def _copy(
    ctx: typer.Context,
    src: Annotated[str, typer.Argument(help="Profile to copy.", metavar="SRC")],
    dst: Annotated[str, typer.Argument(help="Name of the new profile.", metavar="DST")],
    port: PortOpt = None,
) -> None:
    """Copy a profile under a new name (with its own port: a free one unless --port)."""
    from mlxchat import profile_edit
    from mlxchat.cli.context import context_of

    change = profile_edit.copy(src, dst, port)
    term = context_of(ctx).terminal
    _report(term, change)
    term.info(f"copied profile {src} to {dst}")


def _names(ctx: typer.Context) -> None:
    """Profile names, one a line (for shell completion)."""
    from mlxchat.cli.context import context_of
    from mlxchat.errors import MlxchatError
    from mlxchat.profile_store import profile_names

    try:
        names = profile_names()
    except MlxchatError:
        return  # completion stays quiet about a broken file
    context_of(ctx).terminal.write_out("".join(n + "\n" for n in names))


def register(app: typer.Typer) -> None:
    profile_app = typer.Typer(
        name="profile",
        help="Keep named server profiles (stored in one TOML file; see docs/profiles.md).",
        no_args_is_help=True,
        rich_markup_mode=None,
    )
    profile_app.command("add")(_add)
    profile_app.command("list")(_list)
    profile_app.command("show")(_show)
    profile_app.command("edit")(_edit)
    profile_app.command("rm")(_rm)
    profile_app.command("copy")(_copy)
    profile_app.command("names", hidden=True)(_names)
    app.add_typer(profile_app)
