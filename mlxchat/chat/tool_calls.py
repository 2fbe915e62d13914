"""Tool calls put back together from the fragments a stream sends them in.

A fragment names the call it belongs to by ``index``. Some OpenAI-compatible servers leave the index
out; like the OpenAI SDK's stream reader, a fragment without one continues the call before it,
unless it plainly starts a new one: it brings an ``id`` other than that call's, or a function name
when that call already has one (and not the same ``id``). Arguments arrive as JSON text in pieces
(kept as sent), or as an object (serialised).
"""

from __future__ import annotations

from typing import Any

import orjson

from mlxchat.chat.events import ToolCall


class ToolCalls:
    __slots__ = ("_calls", "_last")

    def __init__(self) -> None:
        self._calls: dict[int, list[Any]] = {}  # index -> [id, name, arguments]
        self._last: int | None = None

    def __bool__(self) -> bool:
        return bool(self._calls)

    def add(self, fragment: Any) -> None:
        if not isinstance(fragment, dict):
            return
        call_id = fragment.get("id") if isinstance(fragment.get("id"), str) and fragment["id"] else None
        function = fragment.get("function")
        function = function if isinstance(function, dict) else {}
        name = function.get("name") if isinstance(function.get("name"), str) and function["name"] else None
        index = fragment.get("index")
        if not isinstance(index, int) or isinstance(index, bool):
            index = self._index_for(call_id, name)
        entry = self._calls.setdefault(index, [None, None, ""])
        self._last = index
        if call_id and not entry[0]:
            entry[0] = call_id
        if name and not entry[1]:
            entry[1] = name
        args = function.get("arguments")
        if isinstance(args, str):
            entry[2] += args
        elif args is not None:
            entry[2] += orjson.dumps(args).decode()

    def _index_for(self, call_id: str | None, name: str | None) -> int:
        """The call a fragment without an index belongs to."""
        last = self._last
        if last is None:
            return 0
        last_id, last_name, _ = self._calls[last]
        same_id = call_id is not None and call_id == last_id
        if (call_id is not None and not same_id) or (name and last_name and not same_id):
            return max(self._calls) + 1
        return last

    def flush(self) -> list[ToolCall]:
        """Every call assembled so far, complete, in index order; the list starts empty again."""
        calls = [ToolCall(i, *self._calls[i]) for i in sorted(self._calls)]
        self._calls.clear()
        self._last = None
        return calls
