"""The reading ``history`` commands (``list``, ``search``, ``ids``), and their short way in.

``history list`` and ``history search`` are what a user runs to find something again, and ``history
ids`` runs on every TAB: most of their time would be the command-line framework's start-up (typer
alone takes longer to import than the query on 100,000 responses). :func:`answer` runs the plain
forms of these commands without it: only the options they document, each spelt out
(``-n 5``, ``--profile P``, ``--json``, ``--fts``); anything else (``--help``, ``--count=5``, a
mistake) returns None and goes through the full command line, which gives the same answer or the
error. An exception is mapped by the full command line's boundary (mlxchat.cli.app), so messages
and exit codes are the same either way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from mlxchat.terminal import Terminal

Scope = tuple[int, str | None, bool]
"""What ``list`` and ``search`` show: how many, of which profile, as JSON or text. (A plain tuple:
a NamedTuple compiles its annotations when it is defined, which took as long as the query.)"""


def list_out(term: Terminal, scope: Scope) -> None:
    count, profile, json_ = scope
    from mlxchat.history.queries import list_conversations, reading
    from mlxchat.output.history_view import json_text, list_text

    with reading() as con:
        found = list_conversations(con, limit=count, profile=profile)
    if json_:
        term.write_out(json_text([c.as_json() for c in found]))
    elif not found:
        term.info("no conversations in the history yet" + (f" with {profile}" if profile else ""))
    else:
        term.write_out(list_text(found))


def search_out(term: Terminal, words: list[str], scope: Scope, fts: bool) -> None:
    count, profile, json_ = scope
    from mlxchat.history.queries import reading
    from mlxchat.history.search import search
    from mlxchat.output.history_view import json_text, search_text

    text = " ".join(words)
    with reading() as con:
        hits = search(con, text, limit=count, profile=profile, raw=fts)
    if json_:
        term.write_out(json_text([h.as_json() for h in hits]))
    elif not hits:
        term.info(f"nothing in the history matches {text!r}")
    else:
        term.write_out(search_text(hits, color=term.stdout_color))


def ids_out(term: Terminal) -> None:
    from mlxchat.errors import MlxchatError
    from mlxchat.history.queries import conversation_ids, reading

    try:
        with reading() as con:
            ids = conversation_ids(con)
    except MlxchatError:
        return  # completion stays quiet about a database it cannot read
    term.write_out("".join(i + "\n" for i in ids))


def _parse(args: list[str], flags: set[str]) -> tuple[list[str], dict[str, str | bool]] | None:
    """Words and options of a plain command line; None for anything else."""
    words: list[str] = []
    options: dict[str, str | bool] = {}
    names = {"-n": "count", "--count": "count", "-p": "profile", "--profile": "profile"}
    rest = iter(args)
    for arg in rest:
        if arg in flags:
            options[arg.lstrip("-")] = True
        elif arg in names:
            value = next(rest, None)
            if value is None or value.startswith("-") or names[arg] in options:
                return None
            options[names[arg]] = value
        elif arg.startswith("-") or not arg:
            return None
        else:
            words.append(arg)
    count = options.get("count", "20")
    if not (isinstance(count, str) and count.isascii() and count.isdigit() and int(count) >= 1):
        return None
    return words, options


def _command(argv: list[str]) -> Callable[[Terminal], None] | None:
    if argv == ["history", "ids"]:
        return ids_out
    if len(argv) < 2 or argv[0] != "history" or argv[1] not in ("list", "search"):
        return None
    parsed = _parse(argv[2:], {"--json", "--fts"} if argv[1] == "search" else {"--json"})
    if parsed is None:
        return None
    words, opts = parsed
    profile = opts.get("profile")
    named = profile if isinstance(profile, str) else None
    scope: Scope = (int(str(opts.get("count", 20))), named, "json" in opts)
    if argv[1] == "list":
        return None if words else (lambda term: list_out(term, scope))
    fts = "fts" in opts
    return (lambda term: search_out(term, words, scope, fts)) if words else None


def answer(argv: list[str]) -> int | None:
    """Run ``argv`` if it is a plain reading history command: its exit code; else None."""
    command = _command(argv)
    if command is None:
        return None
    from mlxchat.terminal import Terminal

    term = Terminal()
    try:
        command(term)
    except (Exception, KeyboardInterrupt) as exc:
        from mlxchat.cli.app import _exit_code
        from mlxchat.cli.context import CliContext

        return _exit_code(exc, CliContext(term))
    return 0
