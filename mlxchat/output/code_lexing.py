"""Highlighting a code block line by line as it streams, with the lexer's state carried between lines.

Pygments' regular-expression lexers are state machines, but their public entry point only lexes a
whole text from its start. :class:`LineLexer` runs the same machine from a given state over the next
lines, and reports the state at each line start, so a block's lines are lexed once each instead of
the whole block again on every frame. The tokens are the lexer's own: for a lexer that post-processes
its tokens (C's standard types, for example) they come from its own method, given the carried state.
A lexer that is not such a state machine (JSON's, YAML's) lexes each batch of lines from its start.

Lexing a few lines alone can differ from lexing them inside the block when one pattern spans lines
(a ``/* ... */`` comment matched as one token): the live display re-lexes what is still on screen
with everything that follows it before the lines scroll away (mlxchat.output.code_stream).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from typing import Any

from pygments.lexer import Lexer, RegexLexer
from pygments.token import Error, Whitespace, _TokenType

Stack = tuple[str, ...]
Piece = tuple[_TokenType, str]
"""A token, or the part of a multi-line token on one line."""
ROOT: Stack = ("root",)


class LineLexer:
    def __init__(self, lexer: Lexer) -> None:
        self.lexer = lexer
        method = type(lexer).get_tokens_unprocessed
        self._machine = isinstance(lexer, RegexLexer)
        self._own = method is RegexLexer.get_tokens_unprocessed
        self._takes_stack = self._machine and "stack" in inspect.signature(method).parameters

    @property
    def carries_state(self) -> bool:
        return self._machine and (self._own or self._takes_stack)

    def lex(self, text: str, stack: Stack = ROOT) -> tuple[list[list[Piece]], list[Stack | None]]:
        """``text`` (whole lines, each ending in a newline) lexed from ``stack``: the pieces of each
        line, and the state at the start of each following line (None where a token crosses it)."""
        if not self.carries_state:
            raw = list(self.lexer.get_tokens_unprocessed(text))
            return split_lines(raw, text), [ROOT] * text.count("\n")
        raw, starts = _run(self.lexer, text, stack)
        if not self._own:
            raw = list(self.lexer.get_tokens_unprocessed(text, stack=stack))
        states: list[Stack | None] = []
        pos = text.find("\n")
        while pos >= 0:
            states.append(starts.get(pos + 1))
            pos = text.find("\n", pos + 1)
        return split_lines(raw, text), states


def split_lines(raw: list[tuple[int, Any, str]], text: str) -> list[list[Piece]]:
    """Tokens as pieces per line: a token that spans lines is cut after each newline."""
    lines: list[list[Piece]] = [[]]
    for _, kind, token in raw:
        rest = token
        while rest:
            head, newline, rest = rest.partition("\n")
            if head or newline:
                lines[-1].append((kind, head + newline))
            if newline:
                lines.append([])
    if not lines[-1]:
        lines.pop()
    return lines


def _run(lexer: RegexLexer, text: str, stack: Stack) -> tuple[list[tuple[int, Any, str]], dict[int, Stack]]:
    """The lexer's state machine over ``text`` from ``stack``: its tokens, and the state it was in at
    each line start where a token began (a line start inside a token has none)."""
    rules = lexer._tokens
    states = list(stack)
    current = rules[states[-1]]
    tokens: list[tuple[int, Any, str]] = []
    starts: dict[int, Stack] = {}
    pos, end = 0, len(text)
    while pos < end:
        if pos == 0 or text[pos - 1] == "\n":
            starts[pos] = tuple(states)
        for match, action, new_state in current:
            m = match(text, pos)
            if m is None:
                continue
            if action is not None:
                if type(action) is _TokenType:
                    tokens.append((pos, action, m.group()))
                else:
                    tokens.extend(_call(action, lexer, m))
            pos = m.end()
            if new_state is not None:
                _enter(states, new_state)
                current = rules[states[-1]]
            break
        else:
            if text[pos] == "\n":  # no rule matched at a line end: back to the root state
                states = ["root"]
                current = rules["root"]
                tokens.append((pos, Whitespace, "\n"))
            else:
                tokens.append((pos, Error, text[pos]))
            pos += 1
    starts.setdefault(end, tuple(states))
    return tokens, starts


def _call(action: Callable[..., Iterator[tuple[int, Any, str]]], lexer: Lexer, m: Any) -> Iterator[Any]:
    return action(lexer, m)


def _enter(states: list[str], new_state: Any) -> None:
    """Apply one state transition of a rule: push states, '#pop', '#push', or pop a number."""
    if isinstance(new_state, tuple):
        for state in new_state:
            if state == "#pop":
                if len(states) > 1:
                    states.pop()
            elif state == "#push":
                states.append(states[-1])
            else:
                states.append(state)
    elif isinstance(new_state, int):
        del states[max(1, len(states) + new_state) if new_state < 0 else len(states) :]
    elif new_state == "#push":
        states.append(states[-1])
