"""Generate the shell completion scripts in completions/ from the CLI itself.

    python tools/make_completions.py          # (re)write completions/mlxchat.{bash,zsh,fish}
    python tools/make_completions.py --check  # exit 1 when the files are stale

The scripts are static tables of commands and options (no Python runs on TAB), except for profile
names and conversation ids, which they ask `mlxchat profile names` and `mlxchat history ids` for,
so they are always current.
"""

from __future__ import annotations

import sys
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlxchat.profile import ServerKindName

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "completions"
PROG = "mlxchat"
HEADER = "# Completion for mlxchat, generated from the CLI by tools/make_completions.py: do not edit.\n"
# Positional arguments that name a profile, by their parameter name.
PROFILE_ARGS = {"name", "src", "profile", "profile_name"}
# Positional arguments and options that name a conversation of the history.
CONVERSATION_ARGS = {"conversation_id", "conversation_ids"}
CONVERSATION_OPTIONS = {"--cid"}
# Values for options that take one of a few words (from the profile rules).
KNOWN_VALUES = {
    "--server": typing.get_args(ServerKindName),
    "--model-type": ("lm", "multimodal"),
}
FILE_OPTIONS = {"--model-path", "--messages", "--image", "-i", "--file"}
# Options whose value is a field name.
FIELD_VALUE_OPTIONS = {"--unset"}


@dataclass
class Command:
    path: str
    subcommands: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    value_options: list[str] = field(default_factory=list)
    values: dict[str, tuple[str, ...]] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    profile_arg: bool = False
    conversation_arg: str = ""
    """"1": the first positional argument is a conversation id; "*": every one is."""
    conversation_options: list[str] = field(default_factory=list)
    help: dict[str, str] = field(default_factory=dict)


def _walk() -> list[Command]:
    import typer.main

    from mlxchat.cli.app import build_app

    root: Any = typer.main.get_command(build_app())
    out: list[Command] = []

    def visit(cmd: Any, path: str) -> None:
        node = Command(path)
        subs = getattr(cmd, "commands", {}) or {}
        node.subcommands = sorted(n for n, c in subs.items() if not getattr(c, "hidden", False))
        node.flags = ["-h", "--help"]
        for param in cmd.params:
            if param.param_type_name == "argument":
                if param.name in CONVERSATION_ARGS:
                    node.conversation_arg = "*" if param.nargs == -1 else "1"
                if param.name in PROFILE_ARGS and not node.profile_arg:
                    first = next(p for p in cmd.params if p.param_type_name == "argument")
                    node.profile_arg = first is param
                continue
            if getattr(param, "hidden", False):
                continue
            names = [*param.opts, *param.secondary_opts]
            if getattr(param, "is_flag", False) or getattr(param, "count", False):
                node.flags += [n for n in names if n not in node.flags]
            else:
                _value_option(node, param, names)
            node.help.update({n: (param.help or "").split("\n")[0] for n in names})
        out.append(node)
        for name in node.subcommands:
            visit(subs[name], f"{path} {name}".strip())

    visit(root, "")
    return out


def _value_option(node: Command, param: Any, names: list[str]) -> None:
    """What completes an option's value: its choices, known words, field names, files, or ids."""
    from mlxchat.profile import FIELD_NAMES

    node.value_options += names
    choices = getattr(param.type, "choices", None)
    for name in names:
        if choices:
            node.values[name] = tuple(str(getattr(c, "value", c)) for c in choices)
        elif name in KNOWN_VALUES:
            node.values[name] = KNOWN_VALUES[name]
        elif name in FIELD_VALUE_OPTIONS:
            node.values[name] = tuple(f for f in FIELD_NAMES if f != "server")
        elif name in FILE_OPTIONS:
            node.files.append(name)
        elif name in CONVERSATION_OPTIONS:
            node.conversation_options.append(name)


def _case(cases: list[tuple[str, str]], indent: str) -> str:
    lines = [f'{indent}case "$1" in']
    for key, value in cases:
        lines.append(f'{indent}    "{key}") echo "{value}" ;;')
    lines.append(f"{indent}esac")
    return "\n".join(lines)


def _tables(cmds: list[Command], fn_prefix: str) -> str:
    """Shell functions shared by bash and zsh (same case syntax): subcommands, options, value options,
    option values, file options, which commands take a profile name, and where a conversation id goes."""
    subs = [(c.path, " ".join(c.subcommands)) for c in cmds if c.subcommands]
    opts = [(c.path, " ".join(c.flags + c.value_options)) for c in cmds]
    valued = [(c.path, " ".join(c.value_options)) for c in cmds if c.value_options]
    values = [(f"{c.path}|{o}", " ".join(v)) for c in cmds for o, v in c.values.items()]
    files = [(f"{c.path}|{o}", "1") for c in cmds for o in c.files]
    profile = [(c.path, "1") for c in cmds if c.profile_arg]
    conversation = [(c.path, c.conversation_arg) for c in cmds if c.conversation_arg]
    conversation_opts = [(f"{c.path}|{o}", "1") for c in cmds for o in c.conversation_options]
    parts = []
    for name, cases in (
        ("subcommands", subs),
        ("options", opts),
        ("value_options", valued),
        ("option_values", values),
        ("file_option", files),
        ("takes_profile", profile),
        ("takes_conversation", conversation),
        ("conversation_option", conversation_opts),
    ):
        parts.append(f"{fn_prefix}_{name}() {{\n{_case(cases, '    ')}\n}}\n")
    return "\n".join(parts)


# Where on the command line are we? One loop for bash and zsh, which differ only in how their
# word arrays are indexed (bash from 0 with the word under the cursor last, zsh from 1).
LOCATE = r"""
# Where on the command line are we? Sets _mlxchat_path (e.g. "profile add"), _mlxchat_npos
# (positional arguments seen) and _mlxchat_prev_value_option (an option waiting for its value).
@FN@() {
    local i w
    _mlxchat_path=""
    _mlxchat_npos=0
    _mlxchat_prev_value_option=""
    for ((i = @FIRST@; i < @END@; i++)); do
        w="${__words[i]}"
        if [[ -n "$_mlxchat_prev_value_option" ]]; then
            _mlxchat_prev_value_option=""
            continue
        fi
        if [[ "$w" == -* ]]; then
            if [[ "$w" != *=* && " $(__mlxchat_value_options "$_mlxchat_path") " == *" $w "* ]]; then
                _mlxchat_prev_value_option="$w"
            fi
            continue
        fi
        if [[ " $(__mlxchat_subcommands "$_mlxchat_path") " == *" $w "* ]]; then
            _mlxchat_path="${_mlxchat_path:+$_mlxchat_path }$w"
        else
            _mlxchat_npos=$((_mlxchat_npos + 1))
        fi
    done
}
"""


def _locate(fn: str, first: str, end: str) -> str:
    return LOCATE.replace("@FN@", fn).replace("@FIRST@", first).replace("@END@", end)


BASH_BODY = _locate("__mlxchat_locate", "1", "${#__words[@]} - 1")


BASH_MAIN = r"""
_mlxchat() {
    local cur="${COMP_WORDS[COMP_CWORD]}"
    local -a __words=("${COMP_WORDS[@]:0:COMP_CWORD+1}")
    __mlxchat_locate
    COMPREPLY=()
    if [[ -n "$_mlxchat_prev_value_option" ]]; then
        local values
        values="$(__mlxchat_option_values "$_mlxchat_path|$_mlxchat_prev_value_option")"
        if [[ -n "$values" ]]; then
            mapfile -t COMPREPLY < <(compgen -W "$values" -- "$cur")
        elif [[ -n "$(__mlxchat_conversation_option "$_mlxchat_path|$_mlxchat_prev_value_option")" ]]; then
            mapfile -t COMPREPLY < <(compgen -W "$("${COMP_WORDS[0]}" history ids 2>/dev/null)" -- "$cur")
        elif [[ -n "$(__mlxchat_file_option "$_mlxchat_path|$_mlxchat_prev_value_option")" ]]; then
            mapfile -t COMPREPLY < <(compgen -f -- "$cur")
        fi
        return 0
    fi
    if [[ "$cur" == -* ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$(__mlxchat_options "$_mlxchat_path")" -- "$cur")
        return 0
    fi
    local subs
    subs="$(__mlxchat_subcommands "$_mlxchat_path")"
    if [[ -n "$subs" ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$subs" -- "$cur")
    elif [[ $_mlxchat_npos -eq 0 && -n "$(__mlxchat_takes_profile "$_mlxchat_path")" ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$("${COMP_WORDS[0]}" profile names 2>/dev/null)" -- "$cur")
    else
        local conv
        conv="$(__mlxchat_takes_conversation "$_mlxchat_path")"
        if [[ "$conv" == "*" || ( "$conv" == "1" && $_mlxchat_npos -eq 0 ) ]]; then
            mapfile -t COMPREPLY < <(compgen -W "$("${COMP_WORDS[0]}" history ids 2>/dev/null)" -- "$cur")
        fi
    fi
    return 0
}
complete -o default -F _mlxchat mlxchat
"""

ZSH_MAIN = r"""
_mlxchat() {
    local -a __words
    local cur="${words[CURRENT]}"
    # bash-style 0-based copy of the words up to the cursor
    __words=("${(@)words[1,CURRENT]}")
    __words=("" "${(@)__words[2,-1]}")
    __mlxchat_locate_zsh
    if [[ -n "$_mlxchat_prev_value_option" ]]; then
        local values
        values="$(__mlxchat_option_values "$_mlxchat_path|$_mlxchat_prev_value_option")"
        if [[ -n "$values" ]]; then
            compadd -- ${=values}
        elif [[ -n "$(__mlxchat_conversation_option "$_mlxchat_path|$_mlxchat_prev_value_option")" ]]; then
            compadd -- ${(f)"$(${words[1]} history ids 2>/dev/null)"}
        elif [[ -n "$(__mlxchat_file_option "$_mlxchat_path|$_mlxchat_prev_value_option")" ]]; then
            _files
        fi
        return
    fi
    if [[ "$cur" == -* ]]; then
        compadd -- ${=$(__mlxchat_options "$_mlxchat_path")}
        return
    fi
    local subs
    subs="$(__mlxchat_subcommands "$_mlxchat_path")"
    if [[ -n "$subs" ]]; then
        compadd -- ${=subs}
    elif [[ $_mlxchat_npos -eq 0 && -n "$(__mlxchat_takes_profile "$_mlxchat_path")" ]]; then
        compadd -- ${(f)"$(${words[1]} profile names 2>/dev/null)"}
    elif [[ "$(__mlxchat_takes_conversation "$_mlxchat_path")" == "*" || \
            ( "$(__mlxchat_takes_conversation "$_mlxchat_path")" == "1" && $_mlxchat_npos -eq 0 ) ]]; then
        compadd -- ${(f)"$(${words[1]} history ids 2>/dev/null)"}
    else
        _files
    fi
}
"""


def bash(cmds: list[Command]) -> str:
    return (
        HEADER
        + "# Install: source this file from ~/.bashrc (or copy it to your bash-completion dir).\n"
        + ("\n" + _tables(cmds, "__mlxchat") + BASH_BODY + BASH_MAIN)
    )


def zsh(cmds: list[Command]) -> str:
    return (
        "#compdef mlxchat\n"
        + HEADER
        + "# Install: copy to a directory on $fpath as _mlxchat (then compinit),\n"
        + "# or source it after compinit.\n\n"
        + _tables(cmds, "__mlxchat")
        + ZSH_MAIN
        + _locate("__mlxchat_locate_zsh", "2", "${#__words}")
        + "\ncompdef _mlxchat mlxchat\n"
    )


def _fish_quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _fish_option(c: Command, opt: str) -> str:
    spec = f"-s {opt[1:]}" if not opt.startswith("--") else f"-l {opt[2:]}"
    extra = ""
    if opt in c.value_options:
        extra = " -r"
        if opt in c.values:
            extra += " -a " + _fish_quote(" ".join(c.values[opt]))
        elif opt in c.files:
            extra += " -F"
        elif opt in c.conversation_options:
            extra += " -a '(mlxchat history ids 2>/dev/null)'"
    desc = c.help.get(opt, "")
    return spec + extra + (f" -d {_fish_quote(desc[:60])}" if desc else "")


def fish(cmds: list[Command]) -> str:
    lines = [
        HEADER.rstrip("\n"),
        "# Install: copy to ~/.config/fish/completions/mlxchat.fish",
        "",
        "# The command path so far (e.g. 'profile add'), skipping options and their values.",
        "function __mlxchat_path",
        "    set -l words (commandline -opc)",
        "    set -e words[1]",
        "    set -l path ''",
        "    set -l skip 0",
        "    for w in $words",
        "        if test $skip -eq 1",
        "            set skip 0",
        "            continue",
        "        end",
        "        if string match -q -- '-*' $w",
        "            if contains -- $w (__mlxchat_value_options $path)",
        "                set skip 1",
        "            end",
        "            continue",
        "        end",
        "        if contains -- $w (__mlxchat_subcommands $path)",
        '            set path (string trim -- "$path $w")',
        "        else",
        '            set path "$path#"',
        "        end",
        "    end",
        "    echo $path",
        "end",
        "",
        "function __mlxchat_subcommands",
        '    switch "$argv[1]"',
    ]
    for c in cmds:
        if c.subcommands:
            lines.append(f"        case {_fish_quote(c.path)}")
            lines.append(f"            printf '%s\\n' {' '.join(c.subcommands)}")
    lines += ["    end", "end", "", "function __mlxchat_value_options", '    switch "$argv[1]"']
    for c in cmds:
        if c.value_options:
            lines.append(f"        case {_fish_quote(c.path)}")
            lines.append(f"            printf '%s\\n' -- {' '.join(c.value_options)}")
    lines += ["    end", "end", "", "complete -c mlxchat -f"]
    for c in cmds:
        cond = f"test (__mlxchat_path) = {_fish_quote(c.path)}"
        for sub in c.subcommands:
            lines.append(f"complete -c mlxchat -n {_fish_quote(cond)} -a {sub}")
        for opt in [*c.flags, *c.value_options]:
            lines.append(f"complete -c mlxchat -n {_fish_quote(cond)} {_fish_option(c, opt)}")
        if c.profile_arg:
            lines.append(
                f"complete -c mlxchat -n {_fish_quote(cond)} -a '(mlxchat profile names 2>/dev/null)'"
            )
        if c.conversation_arg:
            lines.append(f"complete -c mlxchat -n {_fish_quote(cond)} -a '(mlxchat history ids 2>/dev/null)'")
    return "\n".join(lines) + "\n"


def render() -> dict[str, str]:
    cmds = _walk()
    return {"mlxchat.bash": bash(cmds), "mlxchat.zsh": zsh(cmds), "mlxchat.fish": fish(cmds)}


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for name, text in render().items():
        path = OUT / name
        current = path.read_text() if path.exists() else None
        if current == text:
            continue
        stale.append(name)
        if not check:
            OUT.mkdir(exist_ok=True)
            path.write_text(text)
    if check and stale:
        print(f"stale completion scripts: {', '.join(stale)} (run: make completions)")
        return 1
    if not check:
        print(f"completions: {len(stale)} file(s) updated in {OUT.relative_to(REPO)}/")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    sys.exit(main(sys.argv[1:]))
