"""What ``mlxchat chat`` does with the history: ``-c``/``--cid`` (the conversation a chat continues)
and the log its turns go to (``--no-log``, ``--log-attachments``). Rules in docs/history.md."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlxchat.errors import UsageError

if TYPE_CHECKING:
    from mlxchat.chat.options import ChatOptions
    from mlxchat.cli.context import CliContext
    from mlxchat.history.log import ConversationLog
    from mlxchat.history.turns import Continuation
    from mlxchat.profile import Profile
    from mlxchat.terminal import Terminal

RECAP_TURNS = 3
"""How many of the last turns a resumed conversation shows."""
RECAP_LINES = 12
"""Lines of each answer shown (the rest is one line saying how much was left out)."""


class HistoryFlags:
    """``-c``, ``--cid``, ``--no-log`` and ``--log-attachments`` as given (a plain class: nothing is
    built when this module is imported, on every chat)."""

    __slots__ = ("continue_latest", "conversation_id", "log_attachments", "no_log")

    def __init__(
        self,
        continue_latest: bool = False,
        conversation_id: str | None = None,
        no_log: bool = False,
        log_attachments: bool = False,
    ) -> None:
        self.continue_latest = continue_latest
        self.conversation_id = conversation_id
        self.no_log = no_log
        self.log_attachments = log_attachments


def check_flags(flags: HistoryFlags, messages_file: str | None) -> None:
    if flags.continue_latest and flags.conversation_id is not None:
        raise UsageError("-c/--continue and --cid contradict each other: give one")
    continuing = flags.continue_latest or flags.conversation_id is not None
    if continuing and messages_file is not None:
        raise UsageError(
            "--messages and -c/--cid contradict each other: the conversation supplies the messages",
            hint="mlxchat history show ID --messages > FILE writes a conversation as a --messages file",
        )
    if flags.no_log and flags.log_attachments:
        raise UsageError("--no-log and --log-attachments contradict each other")


def resume(
    profile: Profile, flags: HistoryFlags, terminal: Terminal, *, needs_prompt: bool
) -> Continuation | None:
    """The conversation ``-c`` or ``--cid`` names; UsageError when there is none, or when there is
    no prompt to send after it (``needs_prompt``: not an interactive session)."""
    if not flags.continue_latest and flags.conversation_id is None:
        return None
    if needs_prompt:
        raise UsageError(
            "nothing to send: give a prompt to continue the conversation with",
            hint=f'mlxchat chat {profile.name} "your follow-up" -c  (on a terminal, no prompt: interactive)',
        )
    from mlxchat.history.queries import continuation, find_id, latest_of, reading, turns_of

    with reading() as con:
        if flags.conversation_id is not None:
            cid = find_id(con, flags.conversation_id)
        else:
            found = latest_of(con, profile.name)
            if found is None:
                raise UsageError(
                    f"no conversation with {profile.name} in the history to continue",
                    hint=f'start one: mlxchat chat {profile.name} "your question"',
                )
            cid = found
        assert con is not None
        resumed = continuation(con, turns_of(con, cid), cid)
    if resumed.dropped:
        terminal.warn(
            f"{resumed.dropped} attachment(s) of earlier turns are not sent again: their bytes were not "
            "kept (--log-attachments keeps them)"
        )
    return resumed


def continued(options: ChatOptions, resumed: Continuation | None) -> ChatOptions:
    """The options of a turn that continues ``resumed``: its messages, and its system prompt unless
    ``--system`` is given (a conversation that had none goes on without one)."""
    if resumed is None:
        return options
    system = options.system if options.system is not None else (resumed.system or "")
    return options.with_(messages=tuple(resumed.messages), system=system)


def turn_log(
    profile: Profile, context: CliContext, flags: HistoryFlags, resumed: Continuation | None
) -> ConversationLog | None:
    if flags.no_log:
        return None
    from mlxchat.history.log import open_log

    return open_log(
        profile,
        environ=context.environ,
        warn=context.terminal.warn,
        keep_attachments=flags.log_attachments,
        continuing=resumed,
    )


def show_recap(resumed: Continuation, terminal: Terminal) -> str:
    """Show the last turns of a conversation resumed interactively, dimmed, on stderr; what the
    session's banner calls the conversation."""
    from mlxchat.output.history_view import recap_lines

    total = len(resumed.recap)
    shown = resumed.recap[-RECAP_TURNS:]
    terminal.info(terminal.dim(f"conversation {resumed.conversation_id}: {total} answered turn(s)"))
    for line in recap_lines(shown, max_lines=RECAP_LINES, skipped=total - len(shown)):
        terminal.info(terminal.dim(line))
    return f"conversation {resumed.conversation_id}"
