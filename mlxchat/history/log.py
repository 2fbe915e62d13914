"""Logging turns as they finish: :class:`ConversationLog` is the ``log`` that ``run_turn`` calls.

A log never fails or slows a chat: the first failure (disk full, locked, damaged or newer database,
unwritable directory) is one warning on stderr, and nothing more is tried for the rest of the
command. The turns of one command go to one conversation for as long as each request carries the
one before it (an interactive ``/clear`` starts a new one).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlxchat import paths

if TYPE_CHECKING:
    import sqlite3

    from mlxchat.chat.request import ChatRequest
    from mlxchat.chat.turn import TurnResult
    from mlxchat.history.turn_row import TurnRow
    from mlxchat.history.turns import Continuation
    from mlxchat.profile import Profile


class HistoryWriter:
    """The database connection of one command, shared by its conversation logs (thread-safe)."""

    def __init__(
        self, warn: Callable[[str], None], *, keep_attachments: bool = False, path: Path | None = None
    ) -> None:
        self.warn = warn
        self.keep_attachments = keep_attachments
        self.path = path or paths.history_db()
        self._lock = threading.Lock()
        self._held: sqlite3.Connection | None = None
        self.failed = False

    def write(
        self, row: TurnRow, conversation_id: str | None, previous_id: int | None = None
    ) -> tuple[str, int] | None:
        """Insert ``row``; the conversation id and the response id, or None when it was not kept.

        The database is opened for the turn and closed at once (unless :meth:`held`)."""
        from mlxchat.history.turn_row import insert_turn

        with self._lock:
            if self.failed:
                return None
            try:
                with self._connection() as con:
                    keep = self.keep_attachments
                    return insert_turn(con, row, conversation_id, keep_bytes=keep, previous_id=previous_id)
            except Exception as exc:
                self._fail(exc)
                return None

    @contextmanager
    def held(self) -> Iterator[None]:
        """Keep one connection open for the writes inside (a batch of many turns)."""
        from mlxchat.history.database import close, connect

        with self._lock:
            try:
                self._held = connect(self.path)
            except Exception as exc:
                self._fail(exc)
        try:
            yield
        finally:
            with self._lock:
                if self._held is not None:
                    close(self._held, self.path, wrote=True)
                    self._held = None

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        from mlxchat.history.database import close, connect

        if self._held is not None:
            yield self._held
            return
        con = connect(self.path)
        assert con is not None
        try:
            yield con
        finally:
            close(con, self.path, wrote=True)

    def _fail(self, exc: Exception) -> None:
        from mlxchat.history.database import failure

        self.failed = True
        error = failure(exc, self.path)
        hint = f" ({error.hint})" if error.hint else ""
        self.warn(f"not kept in the history: {error.message}{hint}")


class ConversationLog:
    """Implements ``mlxchat.chat.turn.TurnLog`` for the turns of one conversation."""

    def __init__(
        self,
        writer: HistoryWriter,
        profile: Profile,
        continuing: Continuation | None = None,
        *,
        last_user_is_prompt: bool = False,
    ) -> None:
        from mlxchat.servers.kinds import kind_of

        self.writer = writer
        self.server_kind = kind_of(profile).name
        self.conversation_id = continuing.conversation_id if continuing else None
        self.known: list[dict[str, Any]] = list(continuing.messages) if continuing else []
        """The messages of this conversation so far that the database holds (no system message)."""
        self.previous_id = continuing.previous_id if continuing else None
        self.last_user_is_prompt = last_user_is_prompt
        """A request made of messages only (a batch line's) has its last user message as its
        prompt; a chat's ``--messages`` without a prompt keeps them all as earlier messages."""

    def record(self, request: ChatRequest, result: TurnResult) -> None:
        from mlxchat.chat.conversation import text_of
        from mlxchat.history.turn_row import turn_row

        sent = list(request.messages)
        system = text_of(sent[0].get("content")) if sent and sent[0].get("role") == "system" else None
        rest = sent[1:] if system is not None else sent
        if self.conversation_id is not None and rest[: len(self.known)] != self.known:
            self.conversation_id, self.known, self.previous_id = None, [], None  # /clear: a new one
        new = rest[len(self.known) :]
        asked = request.user_content is not None or (
            self.last_user_is_prompt and bool(new) and new[-1].get("role") == "user"
        )
        prompt = new[-1] if asked and new else None
        seed = new[:-1] if prompt is not None else new
        row = turn_row(request, result, (system, seed, prompt), server_kind=self.server_kind)
        written = self.writer.write(row, self.conversation_id, self.previous_id)
        if written is None:
            return
        self.conversation_id, response_id = written
        self.known = [*self.known, *seed]
        if result.ok:
            if prompt is not None:
                self.known.append(prompt)
            self.known.append({"role": "assistant", "content": result.answer.strip()})
            self.previous_id = response_id


def logging_on(environ: Mapping[str, str], warn: Callable[[str], None]) -> bool:
    """Whether chats are kept: not with ``MLXCHAT_NO_HISTORY`` or ``history off``."""
    from mlxchat.errors import ConfigError
    from mlxchat.history.settings import env_disables, setting_on

    if env_disables(environ):
        return False
    try:
        return setting_on()
    except ConfigError as exc:
        warn(f"not kept in the history: {exc.message}")
        return False


def open_log(
    profile: Profile,
    *,
    environ: Mapping[str, str],
    warn: Callable[[str], None],
    keep_attachments: bool = False,
    continuing: Continuation | None = None,
) -> ConversationLog | None:
    """The log a chat command hands to ``run_turn``; None when the environment or the setting
    keeps chats out (``--no-log`` is the caller's: it asks for no log at all).

    ``batch --log`` makes one :class:`HistoryWriter` and a :class:`BatchTryLog` per try."""
    if not logging_on(environ, warn):
        return None
    return ConversationLog(HistoryWriter(warn, keep_attachments=keep_attachments), profile, continuing)


class BatchTryLog:
    """The log of one try of a batch request, each request its own conversation: it holds the
    try's result; :meth:`keep` writes it, for the try whose result is the request's (a try that is
    retried is dropped)."""

    def __init__(self, log: ConversationLog) -> None:
        self._log = log
        self._held: tuple[ChatRequest, TurnResult] | None = None

    def record(self, request: ChatRequest, result: TurnResult) -> None:
        self._held = (request, result)

    def keep(self) -> None:
        if self._held is not None:
            self._log.record(*self._held)
            self._held = None


def batch_logs(
    environ: Mapping[str, str], warn: Callable[[str], None]
) -> tuple[HistoryWriter, Callable[[Profile], BatchTryLog]] | None:
    """``batch --log``: the command's writer (hold it open for the batch) and the log of each try;
    None when ``MLXCHAT_NO_HISTORY`` or ``history off`` keeps chats out."""
    if not logging_on(environ, warn):
        return None
    writer = HistoryWriter(warn)

    def for_try(profile: Profile) -> BatchTryLog:
        return BatchTryLog(ConversationLog(writer, profile, last_user_is_prompt=True))

    return writer, for_try
