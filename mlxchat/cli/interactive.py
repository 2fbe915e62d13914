"""Interactive chat: ``mlxchat chat PROFILE`` with no prompt, on a terminal. This module owns the input.

Each line typed is a message or a slash command (mlxchat.chat.lines parses it;
mlxchat.chat.conversation holds the state). Each message is one turn like ``mlxchat chat``'s:
resolved against the profile with the conversation supplying the messages, run by ``run_turn``
into the writer ``mlxchat chat`` would use.

Line editing and history come from the standard library's ``readline`` (GNU readline, or libedit on
macOS); the history is kept in ``paths.history_file()``. Ctrl-C while an answer streams cancels that
answer and keeps the session; Ctrl-C at the prompt clears the line; Ctrl-D at an empty prompt ends
the session. Behaviour is documented in docs/interactive.md.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from mlxchat.chat.conversation import describe_attachment
from mlxchat.chat.lines import Command, CommandError, Message, command_names, help_lines, parse_line
from mlxchat.chat.request import start_conversation
from mlxchat.errors import MlxchatError
from mlxchat.output import OutputFormat

if TYPE_CHECKING:
    from mlxchat.chat.options import ChatOptions
    from mlxchat.chat.turn import TurnLog
    from mlxchat.cli.context import CliContext
    from mlxchat.output import OutputOptions
    from mlxchat.profile import Profile
    from mlxchat.terminal import Terminal

HISTORY_LENGTH = 1000
CONTINUATION = "\\"
"""A line ending with a backslash continues on the next line (multi-line messages)."""
FILE_COMMANDS = ("/image ", "/video ", "/save ")


def wants_session(
    prompt: str | None, messages_file: str | None, stdin_isatty: bool, stdout_isatty: bool
) -> bool:
    """No prompt (and no messages to read from stdin), with stdin and stdout both terminals."""
    return prompt is None and messages_file != "-" and stdin_isatty and stdout_isatty


def run_session(
    session: Session, *, seed_source: str | None = None, start_server: Callable[[], None] | None = None
) -> None:
    """Converse until /exit or Ctrl-D. The options' attachments wait for the first message, each
    prepared first (a bad one raises UsageError before the session starts), then ``start_server``
    runs."""
    for source in session.options.images:
        session.attach("image", source)
    for source in session.options.videos:
        session.attach("video", source)
    if start_server is not None:
        start_server()
    session.banner(seed_source)
    reader = LineReader(session.terminal)
    try:
        session.loop(reader)
    finally:
        reader.close()


class Session:
    """A conversation with one profile: ``options`` shape every turn (their messages and system
    prompt start the conversation), ``output`` says how answers are shown."""

    log: TurnLog | None = None
    """Where each turn is kept (the conversation history), when it is."""

    def __init__(
        self, profile: Profile, context: CliContext, options: ChatOptions, output: OutputOptions
    ) -> None:
        self.profile = profile
        self.context = context
        self.terminal = context.terminal
        self.options = options
        self.output = output
        self.conversation = start_conversation(options, profile)
        self.turn_options = options.with_(messages=(), images=(), videos=(), stdin_text=None)
        """Every turn's options but its text (the conversation holds the messages and attachments)."""

    def banner(self, seed_source: str | None) -> None:
        from mlxchat.servers.kinds import kind_of

        model = kind_of(self.profile).request_model(self.profile)
        self.terminal.info(
            self.terminal.dim(
                f"chatting with {self.profile.name} ({model}) · /help for commands · Ctrl-D to leave"
            )
        )
        if seed_source is not None:
            count = len(self.conversation.history)
            self.terminal.info(self.terminal.dim(f"continuing {count} earlier messages from {seed_source}"))

    def loop(self, reader: LineReader) -> None:
        prompt = self._prompt()
        while True:
            try:
                line = reader.read_message(prompt)
            except KeyboardInterrupt:
                # Like a shell: the line is dropped, a fresh prompt follows.
                self.terminal.write_out("\n")
                continue
            except EOFError:
                self.terminal.write_out("\n")
                return
            except UnicodeDecodeError:
                self.terminal.error("that line was not valid UTF-8 text: nothing was sent")
                continue
            try:
                if not self.handle(line):
                    return
            except MlxchatError as exc:
                self.terminal.error(exc.message, exc.hint)
            except KeyboardInterrupt:
                self.terminal.info("interrupted")
            except Exception as exc:  # a bug in a turn must not cost the conversation
                self._internal_error(exc)

    def _internal_error(self, exc: Exception) -> None:
        import os
        import traceback

        from mlxchat.cli.app import DEBUG_ENV

        if os.environ.get(DEBUG_ENV):
            self.terminal.info("".join(traceback.format_exception(exc)).rstrip())
        self.terminal.error(
            f"internal error: {type(exc).__name__}: {exc}",
            hint=f"a bug in mlxchat; the conversation goes on ({DEBUG_ENV}=1 shows where it happened)",
        )

    def handle(self, line: str) -> bool:
        """Act on one typed line; False when the session should end."""
        parsed = parse_line(line)
        if parsed is None:
            return True
        if isinstance(parsed, Message):
            self.send(parsed.text)
        elif isinstance(parsed, CommandError):
            self.terminal.error(parsed.message)
            if parsed.show_help:
                self.show_help()
        elif isinstance(parsed, Command):
            return self.command(parsed)
        return True

    # -- commands -----------------------------------------------------------------------------

    def command(self, command: Command) -> bool:
        name, arg = command.name, command.arg
        conversation = self.conversation
        if name == "exit":
            return False
        if name == "help":
            self.show_help()
        elif name == "clear":
            dropped = conversation.clear()
            self.terminal.info(f"forgot {dropped} messages; the system prompt stays")
        elif name == "system":
            if arg:
                conversation.set_system(arg)
                self.terminal.info("no system prompt" if conversation.system is None else "system prompt set")
            elif conversation.system is None:
                self.terminal.info("no system prompt (set one with /system TEXT)")
            else:
                self.terminal.info(f"system prompt: {conversation.system}")
        elif name in ("image", "video"):
            self.attach_typed(name, arg)
        elif name == "save":
            self.save(arg)
        return True

    def show_help(self) -> None:
        self.terminal.info("commands:")
        for line in help_lines():
            self.terminal.info(f"  {line}")
        self.terminal.info(
            "Ctrl-C stops an answer; Ctrl-D on an empty line leaves; end a line with \\ to go on"
        )

    def attach_typed(self, kind: str, typed: str) -> None:
        """``/image ARG``: ARG read like shell words (quotes, escaped spaces), each word attached."""
        from mlxchat.attachments.sources import split_words

        for source in split_words(typed):
            self.attach(kind, source)

    def attach(self, kind: str, source: str) -> None:
        """Prepare an image or video now (errors show at once) and queue it for the next message.

        ``source`` is named in messages as typed (``~`` is expanded only to read the file)."""
        from mlxchat.chat.attachments_policy import attachment_parts
        from mlxchat.errors import UsageError

        if source == "-":
            raise UsageError(f"/{kind} cannot read stdin here: stdin is the conversation's terminal")
        if kind == "image":
            options = self.turn_options.with_(images=(source,))
        else:
            options = self.turn_options.with_(videos=(source,))
        attached = attachment_parts(self.profile, options, warn=self.terminal.warn)
        self.conversation.attach(source, attached.parts, attached.summaries)
        if attached.parts:
            for summary in attached.summaries:
                self.terminal.info(f"attached {describe_attachment(summary)}: sent with your next message")

    def save(self, typed: str) -> None:
        from mlxchat.attachments.sources import split_words
        from mlxchat.errors import UsageError

        words = split_words(typed)
        if len(words) != 1:
            raise UsageError("usage: /save FILE (quote a name with spaces, or escape them with \\)")
        path = Path(words[0]).expanduser()
        data = self.conversation.to_ndjson()
        try:
            path.write_bytes(data)
        except OSError as exc:
            raise UsageError(f"cannot save to {path}: {exc.strerror or exc}") from None
        count = len(self.conversation.saved_messages())
        self.terminal.info(f"saved {count} messages to {path} (continue with: --messages {path})")

    # -- a turn -------------------------------------------------------------------------------

    def send(self, text: str) -> None:
        """One turn with the history before it; only an answered turn joins the history."""
        from mlxchat.chat.request import resolve
        from mlxchat.chat.turn import run_turn
        from mlxchat.output import make_writer

        conversation = self.conversation
        options = self.turn_options.with_(prompt=text)
        request = resolve(options, self.profile, conversation)
        writer = make_writer(self.terminal, self.output)
        try:
            result = run_turn(request, writer, now=self.context.now, log=self.log)
        finally:
            with contextlib.suppress(KeyboardInterrupt):
                writer.close()
        if result.ok:
            conversation.record(request.user_content or text, result.answer)
            if result.tool_calls:
                self.terminal.info(self.terminal.dim("(tool calls are shown, not run)"))
        else:
            self.terminal.info(self.terminal.dim("(not kept in the conversation)"))
        if self.output.fmt is not OutputFormat.ndjson:
            self.terminal.write_out("\n")

    def _prompt(self) -> str:
        if self.terminal.stdout_color and _readline_kind() == "gnu":
            # \001 and \002 tell readline that the colour codes take no room on the line.
            return "\001\x1b[1;32m\002you>\001\x1b[0m\002 "
        return "you> "


# -- reading lines ----------------------------------------------------------------------------


def _readline() -> ModuleType | None:
    try:
        import readline
    except ImportError:  # pragma: no cover - Python built without it
        return None
    return readline


def _readline_kind() -> str:
    """ "gnu", "libedit" (macOS), or "" when there is no readline module."""
    module = _readline()
    if module is None:
        return ""
    return "libedit" if "libedit" in (module.__doc__ or "") else "gnu"


class LineReader:
    """``input()`` with readline's line editing, history (kept in a file) and tab completion."""

    def __init__(self, terminal: Terminal, history: Path | None = None) -> None:
        from mlxchat import paths
        from mlxchat.cli.line_history import LineHistory

        self.terminal = terminal
        self.history = LineHistory(history if history is not None else paths.history_file(), HISTORY_LENGTH)
        self.history_ok = True
        self.readline = _readline()
        if self.readline is None:
            return
        readline = self.readline
        try:
            for entry in self.history.load():
                readline.add_history(entry)
        except OSError as exc:
            self._history_failed(exc)
        readline.set_completer_delims(" \t\n")
        readline.set_completer(_Completer(readline.get_line_buffer).complete)
        if _readline_kind() == "libedit":
            readline.parse_and_bind("bind ^I rl_complete")
        else:
            readline.parse_and_bind("tab: complete")
            # A paste arrives as one piece of text, line breaks included: one message, not one per line.
            readline.parse_and_bind("set enable-bracketed-paste on")

    def read_message(self, prompt: str) -> str:
        """One message: a line, or several when each but the last ends with a backslash.

        Raises EOFError (Ctrl-D on an empty line) and KeyboardInterrupt (Ctrl-C).
        """
        lines: list[str] = []
        line = self._input(prompt)
        while line.endswith(CONTINUATION):
            lines.append(line[: -len(CONTINUATION)])
            line = self._input("...> ")
        lines.append(line)
        return "\n".join(lines)

    def _input(self, prompt: str) -> str:
        """One line from readline (a paste may hold several), kept in the history file at once."""
        line = input(prompt).replace("\r\n", "\n").replace("\r", "\n")
        if line and self.readline is not None and self.history_ok:
            try:
                self.history.append(line)
            except OSError as exc:
                self._history_failed(exc)
        return line

    def _history_failed(self, exc: OSError) -> None:
        self.history_ok = False
        where = self.history.path
        self.terminal.warn(f"the input history in {where} is not kept: {exc.strerror or exc}")

    def close(self) -> None:
        """Nothing to write: every line went to the history file as it was entered."""


class _Completer:
    """Tab completion: command names after ``/``, file names after /image, /video and /save."""

    def __init__(self, line_buffer: Callable[[], str]) -> None:
        self.line_buffer = line_buffer
        self.matches: list[str] = []

    def complete(self, text: str, state: int) -> str | None:
        if state == 0:
            self.matches = self._matches(self.line_buffer(), text)
        return self.matches[state] if state < len(self.matches) else None

    @staticmethod
    def _matches(line: str, text: str) -> list[str]:
        if line.startswith("/") and " " not in line:
            return [name + " " for name in command_names() if name.startswith(text)]
        if line.startswith(FILE_COMMANDS):
            import glob

            found = sorted(glob.glob(str(Path(text).expanduser()) + "*"))  # noqa: PTH207
            return [f + "/" if Path(f).is_dir() else f for f in found]
        return []
