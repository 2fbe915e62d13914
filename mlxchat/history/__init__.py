"""The conversation history: every chat turn kept in a SQLite database (docs/history.md).

A command that chats hands ``run_turn`` a log: :func:`mlxchat.history.log.open_log` makes one
(None when the history is off), and a turn is kept when it ends, however it ended. A command that
runs many independent turns (``batch --log``) makes one ``HistoryWriter`` (``held()`` keeps its
connection open across the turns) and a ``ConversationLog`` per conversation; both are safe to
use from several threads. Reading is mlxchat.history.queries, mlxchat.history.search and
mlxchat.history.export. Nothing here prints: warnings go to the ``warn`` callback it is given.
"""
