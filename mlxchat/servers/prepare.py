"""Complete and check a profile against this machine before it is saved: resolve the model
directory, detect model type and reasoning parser from it and whether its chat template opens
``<think>`` (``thinking_prefilled``), check parser names against the installed mlx-openai-server,
check that this machine can listen on the host, assign a free port (a port another profile uses is
refused when the file is written: profile_store).

Nothing is printed: notes (what was chosen) and warnings are returned for the CLI to show.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from mlxchat.errors import UsageError
from mlxchat.profile import LOCAL_HOSTS, Profile
from mlxchat.servers.kinds import ServerKind, check_profile


@dataclass
class Notices:
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def prepare(profile: Profile, others: dict[str, Profile], *, given: set[str]) -> Notices:
    """Edit ``profile`` in place; ``given`` names the fields the user set in this command (those are
    never replaced by detection). ``others`` are the other profiles in the file."""
    out = Notices()
    kind = check_profile(profile)
    if not kind.is_remote:
        _model_path(profile, kind, given, out)
        if kind.takes_parsers:
            _parsers(profile, given, out)
        _host(profile, given, out)
        _port(profile, others, out)
    out.warnings += kind.warnings(profile, given)
    check_profile(profile)
    return out


def _host(profile: Profile, given: set[str], out: Notices) -> None:
    if "host" in given:
        from mlxchat.servers.ports import check_listen_host

        check_listen_host(profile.host)
    if profile.host not in LOCAL_HOSTS:
        out.warnings.append(
            f"the server will listen on {profile.host}, reachable from other machines; "
            "mlx-openai-server and mlx_lm.server have no authentication"
        )


def _model_path(profile: Profile, kind: ServerKind, given: set[str], out: Notices) -> None:
    from mlxchat.servers.model_dir import read_facts, resolve_model_dir

    if profile.model_path is None or "model_path" not in given:
        return  # resolution and detection run when the model path is new
    if not kind.reads_model_dir:
        path = Path(profile.model_path).expanduser()
        if path.exists():
            profile.model_path = str(path.resolve())
            if path.is_dir() and "thinking_prefilled" not in given:
                _thinking_prefilled(profile, path.resolve(), out)
        else:
            out.warnings.append(f"model path {profile.model_path!r} does not exist here")
        return
    model_dir = resolve_model_dir(profile.model_path)
    profile.model_path = str(model_dir)
    if "thinking_prefilled" not in given:
        _thinking_prefilled(profile, model_dir, out)
    facts = read_facts(model_dir)
    if facts is None:
        out.warnings.append(f"{model_dir}/config.json is missing or unreadable; nothing detected")
        return
    if "model_type" not in given:
        detected = kind.model_type_from(facts, out.warnings)
        if detected != profile.model_type or facts.multimodal:
            out.notes.append(f"model type: {detected} (detected from config.json)")
        profile.model_type = detected
    if "reasoning_parser" not in given and kind.takes_parsers:
        _detected_parser(profile, facts.architecture, facts.reasoning_parser, out)


def _thinking_prefilled(profile: Profile, model_dir: Path, out: Notices) -> None:
    """The default of ``thinking_prefilled``: does the chat template open ``<think>`` itself?"""
    from mlxchat.servers.chat_template import opens_think, read_chat_template

    template = read_chat_template(model_dir)
    prefilled = template is not None and opens_think(template)
    if prefilled:
        out.notes.append("thinking_prefilled: true (the chat template opens <think> itself)")
    elif profile.thinking_prefilled:
        out.notes.append("thinking_prefilled: false (the chat template does not open <think>)")
    profile.thinking_prefilled = prefilled


def _detected_parser(profile: Profile, architecture: str | None, parser: str | None, out: Notices) -> None:
    if parser is not None:
        from mlxchat.servers.parsers import installed_choices

        choices = installed_choices()
        if choices is not None and parser not in choices.reasoning:
            out.warnings.append(
                f"model type {architecture} would use reasoning parser {parser}, "
                "which the installed mlx-openai-server does not know; none set"
            )
            parser = None
    if parser is not None:
        out.notes.append(f"reasoning parser: {parser} (detected from config.json: {architecture})")
    elif profile.reasoning_parser is not None:
        out.notes.append("reasoning parser: none (no parser known for this model type)")
    profile.reasoning_parser = parser


def _parsers(profile: Profile, given: set[str], out: Notices) -> None:
    wanted = {
        key: getattr(profile, key)
        for key in ("reasoning_parser", "tool_call_parser")
        if key in given and getattr(profile, key)
    }
    if not wanted:
        return
    from mlxchat.servers.parsers import installed_choices

    choices = installed_choices()
    if choices is None:
        out.warnings.append("mlx-openai-server is not installed here: parser names were not checked")
        return
    for key, value in wanted.items():
        known = choices.reasoning if key == "reasoning_parser" else choices.tool_call
        if value not in known:
            flag = "--" + key.replace("_", "-")
            raise UsageError(
                f"unknown {key.replace('_', ' ')} {value!r} for the installed mlx-openai-server",
                hint=f"{flag} choices: {', '.join(known)}",
            )


def _port(profile: Profile, others: dict[str, Profile], out: Notices) -> None:
    """A free port for a profile without one."""
    if profile.port is not None:
        return
    from mlxchat.servers.ports import pick_free_port

    used = [p.port for p in others.values() if p.port is not None and p.name != profile.name]
    profile.port = pick_free_port(profile.host, used)
    out.notes.append(f"port: {profile.port} (a free port, assigned)")
