"""What the user asked for in one chat turn, before it meets a profile: :class:`ChatOptions`.

Built once from the command line (mlxchat.cli.chat_cmd), from a line typed in a conversation
(mlxchat.cli.interactive), or from a line of a batch; mlxchat.chat.request.resolve turns it into the
request. Also here: reading ``--messages`` (a JSON array or NDJSON of OpenAI messages).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final

import orjson

from mlxchat.errors import UsageError
from mlxchat.plain_record import PlainRecord

DEFAULT_IDLE_TIMEOUT: Final = 300.0
"""Seconds without a byte from the server before giving up (prompt processing can be slow)."""
ROLES: Final = ("system", "user", "assistant", "tool", "developer")

if TYPE_CHECKING:
    from typing import TypedDict, Unpack

    class OptionChanges(TypedDict, total=False):
        """The fields :meth:`ChatOptions.with_` may change, with their types."""

        prompt: str | None
        stdin_text: str | None
        messages: Sequence[dict[str, Any]]
        system: str | None
        max_tokens: int | None
        temperature: float | None
        no_think: bool
        images: Sequence[str]
        videos: Sequence[str]
        max_image_size: int | None
        fetch_images: bool
        strict: bool
        idle_timeout: float


class ChatOptions(PlainRecord):
    """Frozen (every field ``Final``): :meth:`with_` makes a changed copy."""

    __slots__ = (
        "fetch_images",
        "idle_timeout",
        "images",
        "max_image_size",
        "max_tokens",
        "messages",
        "no_think",
        "prompt",
        "stdin_text",
        "strict",
        "system",
        "temperature",
        "videos",
    )

    def __init__(  # noqa: PLR0913, PLR0917 (one parameter per field, as a dataclass had)
        self,
        prompt: str | None = None,
        stdin_text: str | None = None,
        messages: Sequence[dict[str, Any]] = (),
        system: str | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
        no_think: bool = False,
        images: Sequence[str] = (),
        videos: Sequence[str] = (),
        max_image_size: int | None = None,
        fetch_images: bool = False,
        strict: bool = False,
        idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
    ) -> None:
        self.prompt: Final = prompt
        """The prompt as given (``-`` already replaced by what stdin held)."""
        self.stdin_text: Final = stdin_text
        """Text piped in beside the prompt: it goes before the prompt, a blank line between."""
        self.messages: Final = messages
        """Earlier messages to continue (``--messages``), a system message first if they have one."""
        self.system: Final = system
        """``--system``: wins over a system message in ``messages`` and over the profile's; "" sends none."""
        self.max_tokens: Final = max_tokens
        """None: the profile's, else the server's default."""
        self.temperature: Final = temperature
        self.no_think: Final = no_think
        """Ask the model not to reason first (``chat_template_kwargs.enable_thinking = false``)."""
        self.images: Final = images
        """Paths, URLs or ``-`` (stdin), attached to this turn's message."""
        self.videos: Final = videos
        self.max_image_size: Final = max_image_size
        """None: the profile's ``max_image_size``, else 2048; 0 never resizes."""
        self.fetch_images: Final = fetch_images
        self.strict: Final = strict
        """Attachments for a text-only profile are an error instead of a warning."""
        self.idle_timeout: Final = idle_timeout

    def with_(self, **changes: Unpack[OptionChanges]) -> ChatOptions:
        """A copy with ``changes`` in place of these values (the fields are checked by mypy)."""
        return self._replaced(changes)

    @property
    def text(self) -> str:
        """The user message's text: the piped text, a blank line, then the prompt (either alone)."""
        piped = self.stdin_text if self.stdin_text and self.stdin_text.strip() else None
        if self.prompt and piped:
            return f"{piped.rstrip()}\n\n{self.prompt}"
        return self.prompt or piped or ""


def parse_messages(text: str, source: str) -> list[dict[str, Any]]:
    """Messages from a JSON array, or from NDJSON (one message object per line). A UTF-8 byte
    order mark at the start (Windows editors write one) is skipped."""
    stripped = text.removeprefix("\ufeff").strip()
    if not stripped:
        raise UsageError(f"{source}: no messages in it")
    if stripped.startswith("["):
        try:
            items = orjson.loads(stripped)
        except orjson.JSONDecodeError as exc:
            raise UsageError(f"{source}: not valid JSON ({exc})") from None
        return [check_message(m, f"{source}: message {i + 1}") for i, m in enumerate(items)]
    out = []
    # Lines end at LF only (a CR before it is JSON whitespace): str.splitlines would also break at
    # U+2028, U+2029, U+0085 and more, which JSON writers leave raw inside strings.
    for lineno, line in enumerate(stripped.split("\n"), 1):
        if not line.strip():
            continue
        try:
            item = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise UsageError(
                f"{source}: line {lineno} is not valid JSON ({exc})",
                hint="--messages takes a JSON array of messages, or one JSON message per line",
            ) from None
        out.append(check_message(item, f"{source}: line {lineno}"))
    return out


def check_message(msg: Any, where: str) -> dict[str, Any]:
    """``msg`` if it is an OpenAI message mlxchat can send; UsageError naming ``where`` if not."""
    if not isinstance(msg, dict):
        raise UsageError(f"{where}: a message must be a JSON object, got {type(msg).__name__}")
    role = msg.get("role")
    if role not in ROLES:
        raise UsageError(f"{where}: 'role' must be one of {', '.join(ROLES)} (got {role!r})")
    content = msg.get("content")
    if content is not None and not isinstance(content, str | list):
        raise UsageError(f"{where}: 'content' must be a string or a list of parts")
    if content is None and role != "assistant":
        raise UsageError(f"{where}: the message has no 'content'")
    return msg
