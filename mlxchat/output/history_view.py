"""The history as people read it: the list of conversations, one conversation, search hits, and the
last turns a resumed conversation shows. Plain text (no Rich: these commands stay quick to start);
``--json`` output is the models' ``as_json`` (docs/history.md)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mlxchat.history.model import ConversationSummary, SearchHit
    from mlxchat.history.turns import ConversationDetail, Turn

PROMPT_WIDTH = 60


def json_text(value: Any) -> str:
    import orjson  # not for text output: importing it takes longer than ``history list``'s query

    return orjson.dumps(value, option=orjson.OPT_INDENT_2).decode() + "\n"


def local_time(iso: str) -> str:
    """``2026-01-02 04:04`` in this machine's time zone, for an ISO-8601 UTC time."""
    try:
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def one_line(text: str | None, width: int = PROMPT_WIDTH) -> str:
    line = " ".join((text or "").split())
    return line if len(line) <= width else line[: width - 1] + "…"


def list_text(conversations: Sequence[ConversationSummary]) -> str:
    """One line per conversation: id, last turn's time, profile, turns, how it ended, first prompt."""
    if not conversations:
        return ""
    width = max(len(c.profile) for c in conversations)
    lines = []
    for c in conversations:
        status = "" if c.status == "done" else f"[{c.status}] "
        when, profile, turns = local_time(c.updated), c.profile.ljust(width), _turns(c.turns)
        lines.append(f"{c.id}  {when}  {profile}  {turns:>9}  {status}{one_line(c.prompt)}")
    return "\n".join(lines) + "\n"


def _turns(count: int) -> str:
    return f"{count} turn{'s' if count != 1 else ''}"


def _duration(turn: Turn) -> str:
    total = (turn.timing or {}).get("total")
    return f" · {total:.1f}s" if isinstance(total, int | float) else ""


def _attachment(item: dict[str, Any]) -> str:
    from mlxchat.units import human_bytes

    size = f", {human_bytes(int(item['sent_bytes']))}" if item.get("sent_bytes") else ""
    kept = "" if item.get("kept") or not item.get("sha256") else ", bytes not kept"
    return f"[{item.get('kind')}: {item.get('name') or item.get('source') or '?'}{size}{kept}]"


def turn_text(turn: Turn, *, show_thinking: bool, previous_system: str | None) -> list[str]:
    status = "done" if turn.ok else f"{turn.status} (partial answer)" if turn.answer else turn.status
    lines = [f"── turn {turn.turn} · {local_time(turn.started)} · {turn.profile} · {status}{_duration(turn)}"]
    if turn.system is not None and (turn.turn == 1 or turn.system != previous_system):
        lines.append(f"system: {turn.system}")
    if turn.messages:
        lines.append(f"(and {len(turn.messages)} earlier message(s) given with --messages)")
    if turn.prompt is not None:
        lines.append(f"you: {turn.prompt}")
    lines += [_attachment(a) for a in turn.attachments if a.get("source") != "messages"]
    thinking = (turn.timing or {}).get("thinking")
    if turn.reasoning and show_thinking:
        lines.append(f"thinking: {turn.reasoning.strip()}")
    elif isinstance(thinking, int | float):
        lines.append(f"(thought for {thinking:.1f}s)")
    if turn.answer.strip():
        lines.append(turn.answer.strip())
    lines += [f"tool call: {c.get('name')}({c.get('arguments')})" for c in turn.tool_calls]
    if turn.error is not None:
        lines.append(f"error: {turn.error.get('message')}")
    return lines


def show_text(detail: ConversationDetail, *, show_thinking: bool = False) -> str:
    c = detail.summary
    model = f", {c.model}" if c.model else ""
    lines = [
        f"conversation {c.id} · {c.profile} ({c.server_kind}{model}) · {_turns(c.turns)}",
        f"started {local_time(c.created)}, last turn {local_time(c.updated)}",
    ]
    previous: str | None = None
    for turn in detail.turns:
        lines.append("")
        lines += turn_text(turn, show_thinking=show_thinking, previous_system=previous)
        previous = turn.system
    return "\n".join(lines) + "\n"


MARK = ("**", "**")
"""Matches in search snippets without colour (Markdown's bold: answers are Markdown anyway)."""


def highlighted(text: str, spans: Iterable[tuple[int, int]], color: bool) -> str:
    start_mark, end_mark = ("\x1b[1;33m", "\x1b[0m") if color else MARK
    out, at = [], 0
    for start, end in spans:
        out += [text[at:start], start_mark, text[start:end], end_mark]
        at = end
    out.append(text[at:])
    return "".join(out)


def search_text(hits: Sequence[SearchHit], *, color: bool) -> str:
    lines = []
    for hit in hits:
        lines.append(f"{hit.conversation_id} turn {hit.turn} · {local_time(hit.started)} · {hit.profile}")
        lines.append(f"  you: {one_line(hit.prompt, 100)}")
        lines.append("  " + highlighted(" ".join(hit.snippet.split("\n")), hit.highlights, color))
    return "\n".join(lines) + ("\n" if lines else "")


def recap_lines(turns: Sequence[tuple[str, str]], *, max_lines: int, skipped: int) -> list[str]:
    """The last turns of a resumed conversation: each prompt, then its answer (cut after
    ``max_lines`` lines)."""
    lines = [f"(… {skipped} earlier turn{'s' if skipped != 1 else ''})"] if skipped else []
    for prompt, answer in turns:
        lines.append(f"you: {prompt}")
        answer_lines = answer.splitlines() or [""]
        lines += answer_lines[:max_lines]
        if len(answer_lines) > max_lines:
            lines.append(f"(… {len(answer_lines) - max_lines} more lines)")
    return lines
