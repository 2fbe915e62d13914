"""``mlxchat history``: list, show, search and remove kept conversations; where they are; on/off.

These commands load no HTTP or Rich code (docs/history.md has the rules and the ``--json`` forms);
``list``, ``search`` and ``ids`` are in mlxchat.cli.history_read, which also runs their plain forms
without this command line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from mlxchat.terminal import Terminal

IdArg = Annotated[str, typer.Argument(metavar="ID", help="A conversation id (or a unique start of one).")]
IdsArg = Annotated[list[str], typer.Argument(metavar="ID...", help="Conversation ids (or unique starts).")]
CountOpt = Annotated[int, typer.Option("-n", "--count", min=1, help="At most this many.")]
ProfileOpt = Annotated[
    str | None, typer.Option("--profile", "-p", metavar="PROFILE", help="Only this profile's.")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="JSON (docs/history.md has the schema).")]


def _terminal(ctx: typer.Context) -> Terminal:
    from mlxchat.cli.context import context_of

    return context_of(ctx).terminal


def _list(
    ctx: typer.Context, count: CountOpt = 20, profile: ProfileOpt = None, json_: JsonOpt = False
) -> None:
    """The latest conversations, the one with the most recent turn first."""
    from mlxchat.cli.history_read import list_out

    list_out(_terminal(ctx), (count, profile, json_))


def _show(  # noqa: PLR0917 (typer options)
    ctx: typer.Context,
    conversation_id: IdArg,
    json_: JsonOpt = False,
    messages: Annotated[
        bool, typer.Option("--messages", help="As NDJSON messages, what 'chat --messages' reads.")
    ] = False,
    events: Annotated[
        bool, typer.Option("--events", help="A turn's NDJSON events, what 'mlxchat render' replays.")
    ] = False,
    turn: Annotated[
        int | None,
        typer.Option(
            "--turn", metavar="N", help="Only turn N (--messages: up to turn N; --events: default the last)."
        ),
    ] = None,
    show_thinking: Annotated[bool, typer.Option("--show-thinking", help="Include the reasoning.")] = False,
) -> None:
    """Show a conversation: every turn, as text, JSON, messages or events."""
    from mlxchat.errors import UsageError
    from mlxchat.history import export
    from mlxchat.history.queries import conversation, reading
    from mlxchat.output.history_view import json_text, show_text

    if sum((json_, messages, events)) > 1:
        raise UsageError("--json, --messages and --events contradict each other: give one")
    term = _terminal(ctx)
    with reading() as con:
        detail = export.select_turn(conversation(con, conversation_id), turn, upto=messages)
        assert con is not None
        if messages:
            data, dropped = export.messages_ndjson(con, detail)
            if dropped:
                term.warn(f"{dropped} attachment(s) left out: their bytes were not kept (--log-attachments)")
            term.write_out(data)
            return
        if events:
            term.write_out(export.events_ndjson(con, detail))
            return
    if json_:
        term.write_out(json_text(detail.as_json()))
    else:
        term.write_out(show_text(detail, show_thinking=show_thinking))


def _search(  # noqa: PLR0917 (typer options)
    ctx: typer.Context,
    query: Annotated[list[str], typer.Argument(metavar="QUERY...", help="Words that must all appear.")],
    count: CountOpt = 20,
    profile: ProfileOpt = None,
    json_: JsonOpt = False,
    fts: Annotated[
        bool, typer.Option("--fts", help='QUERY is FTS5 query syntax (OR, NOT, "phrases", prefix*).')
    ] = False,
) -> None:
    """Search prompts, answers and reasoning; the best matches first, the matches highlighted."""
    from mlxchat.cli.history_read import search_out

    search_out(_terminal(ctx), query, (count, profile, json_), fts)


def _rm(ctx: typer.Context, conversation_ids: IdsArg) -> None:
    """Remove conversations (every turn of them) from the history."""
    from mlxchat.history.queries import reading, remove

    with reading() as con:
        removed = remove(con, conversation_ids)
    term = _terminal(ctx)
    for cid, turns in removed:
        term.info(f"removed conversation {cid} ({turns} turn{'s' if turns != 1 else ''})")


def _path(ctx: typer.Context) -> None:
    """Where the history database is (whether or not it exists yet)."""
    from mlxchat import paths

    _terminal(ctx).write_out(f"{paths.history_db()}\n")


def _switch(ctx: typer.Context, on: bool) -> None:
    from mlxchat.history.settings import NO_HISTORY_ENV, env_disables, set_setting

    set_setting(on)
    term = _terminal(ctx)
    if on:
        term.info("history on: chats are kept (--no-log keeps one out)")
        from mlxchat.cli.context import context_of

        if env_disables(context_of(ctx).environ):
            term.warn(f"{NO_HISTORY_ENV} is set in this environment: chats here are still not kept")
    else:
        term.info("history off: chats are not kept (what is kept stays; mlxchat history on to resume)")


def _off(ctx: typer.Context) -> None:
    """Stop keeping chats (a setting; what is kept stays)."""
    _switch(ctx, False)


def _on(ctx: typer.Context) -> None:
    """Keep chats again."""
    _switch(ctx, True)


def _ids(ctx: typer.Context) -> None:
    """Conversation ids, latest first, one a line (for shell completion)."""
    from mlxchat.cli.history_read import ids_out

    ids_out(_terminal(ctx))


def register(app: typer.Typer) -> None:
    history_app = typer.Typer(
        name="history",
        help="Kept conversations: list, show, search, rm (docs/history.md).",
        no_args_is_help=True,
        rich_markup_mode=None,
    )
    history_app.command("list")(_list)
    history_app.command("show")(_show)
    history_app.command("search")(_search)
    history_app.command("rm")(_rm)
    history_app.command("path")(_path)
    history_app.command("off")(_off)
    history_app.command("on")(_on)
    history_app.command("ids", hidden=True)(_ids)
    app.add_typer(history_app)
