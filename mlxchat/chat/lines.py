"""What a line typed in a conversation means: a message, a slash command, or a mistake. Pure.

:func:`parse_line` turns one typed line into a :class:`Message`, a :class:`Command` or a
:class:`CommandError`; mlxchat.cli.interactive reads the lines and acts on them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class CommandSpec:
    name: str
    usage: str
    help: str
    arg: bool | None
    """True: an argument is required; False: none is allowed; None: optional."""


COMMANDS: Final[tuple[CommandSpec, ...]] = (
    CommandSpec("image", "/image PATH|URL", "attach an image to your next message", True),
    CommandSpec("video", "/video PATH|URL", "attach a video to your next message", True),
    CommandSpec("system", "/system [TEXT|-]", "set the system prompt; alone: show it; '-': none", None),
    CommandSpec("clear", "/clear", "forget the conversation so far (the system prompt stays)", False),
    CommandSpec("save", "/save FILE", "write the conversation as NDJSON (load it with --messages)", True),
    CommandSpec("help", "/help", "this list", False),
    CommandSpec("exit", "/exit", "end the session (also /quit, or Ctrl-D)", False),
)
SPECS: Final[dict[str, CommandSpec]] = {spec.name: spec for spec in COMMANDS}
ALIASES: Final[dict[str, str]] = {"quit": "exit", "q": "exit", "?": "help"}


@dataclass(frozen=True)
class Message:
    """Text to send to the model."""

    text: str


@dataclass(frozen=True)
class Command:
    """A slash command, by its canonical name, and its argument (stripped; "" when none)."""

    name: str
    arg: str = ""


@dataclass(frozen=True)
class CommandError:
    """A line that looked like a command but was not a valid one; ``message`` says why."""

    message: str
    show_help: bool = False


Parsed = Message | Command | CommandError


def parse_line(line: str) -> Parsed | None:
    """What a typed line means; None for a blank line.

    A line starting with ``/`` is a command; ``//`` escapes it (``//etc is a folder`` sends
    ``/etc is a folder``). Anything else is a message, sent as typed.
    """
    stripped = line.strip()
    if not stripped:
        return None
    if not stripped.startswith("/"):
        return Message(line)
    if stripped.startswith("//"):
        return Message(stripped[1:])
    return _command(stripped[1:])


def _command(text: str) -> Command | CommandError:
    """``text`` after the ``/``: a command name (or alias) and its argument."""
    word, _, rest = text.partition(" ")
    name = ALIASES.get(word.lower(), word.lower())
    spec = SPECS.get(name)
    if spec is None:
        return CommandError(f"unknown command /{word}" if word else "a command name must follow '/'", True)
    arg = rest.strip()
    if spec.arg is True and not arg:
        return CommandError(f"usage: {spec.usage}")
    if spec.arg is False and arg:
        return CommandError(f"/{spec.name} takes no argument (usage: {spec.usage})")
    return Command(name, arg)


def help_lines() -> list[str]:
    width = max(len(spec.usage) for spec in COMMANDS)
    lines = [f"{spec.usage.ljust(width)}  {spec.help}" for spec in COMMANDS]
    lines.append(f"{'//TEXT'.ljust(width)}  send a message that starts with '/'")
    return lines


def command_names() -> list[str]:
    """Every command as typed, aliases included (for tab completion)."""
    return sorted([f"/{spec.name}" for spec in COMMANDS] + [f"/{alias}" for alias in ALIASES])
