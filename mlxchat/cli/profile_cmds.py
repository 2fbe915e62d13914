"""``mlxchat profile add|list|show|edit|rm|copy``: thin commands over mlxchat.profile_store."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from mlxchat.profile import Profile
    from mlxchat.terminal import Terminal

profile_app = typer.Typer(
    name="profile",
    help="Keep named server profiles (stored in one TOML file; see docs/profiles.md).",
    no_args_is_help=True,
    rich_markup_mode=None,
)

NameArg = Annotated[str, typer.Argument(help="Profile name.", metavar="NAME")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON (stable keys, docs/profiles.md).")]
ServerOpt = Annotated[
    str | None,
    typer.Option(
        "--server", metavar="KIND", help="Server kind: mlx-openai-server (default), mlx-lm, command, remote."
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
        help="The chat template opens <think> itself.",
        show_default=False,
    ),
]
ImageSizeOpt = Annotated[
    int | None, typer.Option("--max-image-size", metavar="PX", help="Shrink images to this longer side.")
]


def _given(**options: Any) -> dict[str, Any]:
    """The options the user set, as profile field values."""
    import shlex

    from mlxchat.errors import UsageError

    out = {k: v for k, v in options.items() if v is not None}
    if "extra_args" in out:
        try:
            out["extra_args"] = shlex.split(out["extra_args"])
        except ValueError as exc:
            raise UsageError(f"--extra-args: {exc}") from None
    return out


def _report(term: Terminal, notices: Any) -> None:
    for note in notices.notes:
        term.info(note)
    for warning in notices.warnings:
        term.warn(warning)


def _add(  # noqa: PLR0917 (typer options)
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
) -> None:
    """Add a profile. Detects model type and reasoning parser from the model's config.json."""
    options = {k: v for k, v in locals().items() if k != "name"}
    from mlxchat.profile import Profile, check_name
    from mlxchat.profile_store import check_new_name, update_profiles
    from mlxchat.servers.prepare import Notices, prepare
    from mlxchat.terminal import Terminal

    check_name(name)
    values = _given(**options)
    profile = Profile(name=name, **values)
    notices = Notices()

    def change(profiles: dict[str, Profile]) -> None:
        nonlocal notices
        check_new_name(name, profiles)
        notices = prepare(profile, profiles, given=set(values))
        profiles[name] = profile

    update_profiles(change)
    term = Terminal()
    _report(term, notices)
    if profile.is_remote:
        term.info(f"added profile {name} (remote, {profile.base_url()})")
    else:
        term.info(f"added profile {name} ({profile.server}); start it with: mlxchat start {name}")


def _edit(  # noqa: PLR0917 (typer options)
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
    unset: Annotated[
        list[str] | None,
        typer.Option("--unset", metavar="FIELD", help="Clear a field (back to its default); repeatable."),
    ] = None,
) -> None:
    """Change fields of a profile; the others stay as they are."""
    options = {k: v for k, v in locals().items() if k not in ("name", "unset")}
    import dataclasses

    from mlxchat.errors import UsageError
    from mlxchat.profile import FIELD_NAMES, Profile
    from mlxchat.profile_store import unknown_profile, update_profiles
    from mlxchat.servers.prepare import Notices, prepare
    from mlxchat.terminal import Terminal

    values = _given(**options)
    cleared = [f.replace("-", "_") for f in unset or []]
    bad = sorted(set(cleared) - set(FIELD_NAMES) | ({"server"} & set(cleared)))
    if bad:
        raise UsageError(
            f"--unset: cannot clear {', '.join(bad)}",
            hint="fields: " + ", ".join(f for f in FIELD_NAMES if f != "server"),
        )
    both = sorted(set(cleared) & set(values))
    if both:
        raise UsageError(f"--unset {both[0]} and a new value for it at once")
    if not values and not cleared:
        raise UsageError(
            "nothing to change",
            hint=f"see `mlxchat profile edit --help`; current: mlxchat profile show {name}",
        )
    notices = Notices()
    defaults = Profile(name=name)

    def change(profiles: dict[str, Profile]) -> Profile:
        nonlocal notices
        if name not in profiles:
            raise unknown_profile(name, sorted(profiles))
        profile = dataclasses.replace(profiles[name], **values)
        for key in cleared:
            setattr(profile, key, getattr(defaults, key))
        if values.get("server") == "remote" and "port" not in values:
            profile.port = None  # the URL says where a remote server is
        _refuse_launch_change_while_running(profiles[name], profile)
        notices = prepare(profile, profiles, given=set(values) | set(cleared))
        profiles[name] = profile
        return profile

    profile = update_profiles(change)
    term = Terminal()
    _report(term, notices)
    term.info(f"changed profile {name}")
    from mlxchat.servers.lifecycle import is_running

    if not profile.is_remote and is_running(profile):
        term.info(f"its server still runs with the old settings: mlxchat restart {name}")


def _refuse_launch_change_while_running(old: Profile, new: Profile) -> None:
    """A running server is found and stopped through what its profile says: keep that true."""
    from mlxchat.errors import UsageError
    from mlxchat.profile import LAUNCH_FIELDS
    from mlxchat.servers.lifecycle import is_running

    changed = [key for key in LAUNCH_FIELDS if getattr(old, key) != getattr(new, key)]
    if changed and is_running(old):
        raise UsageError(
            f"the server of {old.name} is running: stop it first to change {', '.join(changed)}",
            hint=f"mlxchat stop {old.name}, edit the profile, then mlxchat start {old.name}",
        )


def _list(json_: JsonOpt = False) -> None:
    """List profiles (a table; --json for a stable array)."""
    from mlxchat.profile_store import load_profiles
    from mlxchat.terminal import Terminal

    term = Terminal()
    profiles = [p for _, p in sorted(load_profiles().items())]
    if json_:
        import json

        term.write_out(json.dumps([p.to_json() for p in profiles], indent=2) + "\n")
        return
    if not profiles:
        term.info("no profiles yet: mlxchat profile add NAME --model-path DIR")
        return
    rows = [[p.name, p.server, _where(p), p.model_label()] for p in profiles]
    term.write_out(table(["NAME", "SERVER", "ADDRESS", "MODEL"], rows))


def table(header: list[str], rows: list[list[str]]) -> str:
    """Plain aligned columns (data for stdout: no colour, no box drawing)."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in [header, *rows]
    ]
    return "\n".join(lines) + "\n"


def _where(p: Profile) -> str:
    return p.base_url() if p.is_remote else f"{p.host}:{p.port}"


def _show(name: NameArg, json_: JsonOpt = False) -> None:
    """Show every field of a profile."""
    from mlxchat.profile_store import get_profile
    from mlxchat.terminal import Terminal

    term = Terminal()
    profile = get_profile(name)
    data = profile.to_json()
    if json_:
        import json

        term.write_out(json.dumps(data, indent=2) + "\n")
        return
    width = max(len(k) for k in data)
    lines = []
    for key, value in data.items():
        if isinstance(value, list):
            import shlex

            shown = shlex.join(value) if value else "-"
        elif value is None:
            shown = "-"
        elif isinstance(value, bool):
            shown = "yes" if value else "no"
        else:
            shown = str(value)
        lines.append(f"{key.ljust(width)}  {shown}")
    term.write_out("\n".join(lines) + "\n")


def _rm(name: NameArg) -> None:
    """Remove a profile (its server must be stopped first)."""
    from mlxchat.errors import UsageError
    from mlxchat.profile_store import get_profile, remove_profile
    from mlxchat.servers.lifecycle import is_running
    from mlxchat.terminal import Terminal

    profile = get_profile(name)
    if is_running(profile):
        raise UsageError(f"the server of {name} is running: stop it first", hint=f"mlxchat stop {name}")
    remove_profile(name)
    Terminal().info(f"removed profile {name}")


def _copy(
    src: Annotated[str, typer.Argument(help="Profile to copy.", metavar="SRC")],
    dst: Annotated[str, typer.Argument(help="Name of the new profile.", metavar="DST")],
    port: PortOpt = None,
) -> None:
    """Copy a profile under a new name (with its own port: a free one unless --port)."""
    import dataclasses

    from mlxchat.profile import check_name
    from mlxchat.profile_store import check_new_name, unknown_profile, update_profiles
    from mlxchat.servers.prepare import Notices, prepare
    from mlxchat.terminal import Terminal

    check_name(dst)
    notices = Notices()

    def change(profiles: dict[str, Profile]) -> None:
        nonlocal notices
        if src not in profiles:
            raise unknown_profile(src, sorted(profiles))
        check_new_name(dst, profiles)
        copy = dataclasses.replace(
            profiles[src], name=dst, port=port, extra_args=list(profiles[src].extra_args)
        )
        notices = prepare(copy, profiles, given={"port"} if port is not None else set())
        profiles[dst] = copy

    update_profiles(change)
    term = Terminal()
    _report(term, notices)
    term.info(f"copied profile {src} to {dst}")


def _names() -> None:
    """Profile names, one a line (for shell completion)."""
    from mlxchat.errors import MlxchatError
    from mlxchat.profile_store import profile_names
    from mlxchat.terminal import Terminal

    try:
        names = profile_names()
    except MlxchatError:
        return  # completion stays quiet about a broken file
    Terminal().write_out("".join(n + "\n" for n in names))


def register(app: typer.Typer) -> None:
    profile_app.command("add")(_add)
    profile_app.command("list")(_list)
    profile_app.command("show")(_show)
    profile_app.command("edit")(_edit)
    profile_app.command("rm")(_rm)
    profile_app.command("copy")(_copy)
    profile_app.command("names", hidden=True)(_names)
    app.add_typer(profile_app)
