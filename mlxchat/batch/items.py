"""What one input line becomes: an :class:`Item` to send, or a :class:`BadLine` to report.

An item keeps what its line asked for, not a request: the request is made for the profile that
will answer it (its model, system prompt and defaults; images are prepared only for a multimodal
profile), when it is sent, through the chat core's ``resolve`` or ``resolve_body``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

from mlxchat.chat.options import ChatOptions
from mlxchat.chat.request import ChatRequest, resolve, resolve_body
from mlxchat.profile import Profile

Form = Literal["openai", "short"]
"""The shape of a line, which is also the shape of its result line."""
ItemId: TypeAlias = str | int


@dataclass(frozen=True, slots=True)
class Item:
    line: int
    """Its line number in the input (from 1)."""
    id: ItemId
    """``custom_id`` (OpenAI form), ``id`` (short form), else the line number."""
    key: bytes
    """The id as JSON: how ids are compared (``1`` and ``"1"`` are different ids)."""
    form: Form
    options: ChatOptions
    """The command line's options with the line's own (short form: prompt, messages, images...)."""
    body: Mapping[str, Any] | None = None
    """OpenAI form: the request body, sent as given."""

    def request(self, profile: Profile) -> ChatRequest:
        """The request for ``profile`` (UsageError, exit 2, when it cannot be made: a missing image)."""
        if self.body is not None:
            return resolve_body(self.body, self.options, profile)
        return resolve(self.options, profile)


@dataclass(frozen=True, slots=True)
class BadLine:
    """A line that cannot be sent (not JSON, unknown shape, duplicate id, missing image...)."""

    line: int
    id: ItemId | None
    """Its id when the line named one that could be read, else the line number."""
    key: bytes
    form: Form
    """``openai`` when the line looked like an OpenAI Batch line, else ``short``."""
    message: str
    """What is wrong, starting with ``line N:``."""


Entry: TypeAlias = Item | BadLine
