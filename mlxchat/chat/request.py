"""What is sent, decided once: :func:`resolve` turns ChatOptions and a profile into a ChatRequest.

Every rule that combines what the user asked with what the profile says is here: the system
prompt (through mlxchat.chat.conversation.Conversation.start, its one place), sampling defaults,
thinking, attachments (through mlxchat.chat.attachments_policy), the model name, URL and API key.
:func:`resolve_body` does the same for a JSON body given whole (a line of an OpenAI Batch file).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any, BinaryIO, Final

from mlxchat.chat.attachments_policy import attachment_parts
from mlxchat.chat.conversation import Content, Conversation
from mlxchat.chat.options import ChatOptions
from mlxchat.errors import UsageError
from mlxchat.plain_record import PlainRecord
from mlxchat.profile import Profile
from mlxchat.servers.kinds import kind_of

CONNECT_TIMEOUT: Final = 10.0


class ChatRequest(PlainRecord):
    """One ``POST /chat/completions``, resolved: nothing about it is decided later. Frozen (every
    field ``Final``); the API key is left out of its ``repr``."""

    __slots__ = (
        "api_key",
        "attachments",
        "base_url",
        "body",
        "connect_timeout",
        "idle_timeout",
        "local",
        "profile",
        "request_id",
        "thinking_prefilled",
        "user_content",
        "warnings",
    )
    HIDDEN = ("api_key",)

    def __init__(  # noqa: PLR0913, PLR0917 (one parameter per field, as a dataclass had)
        self,
        profile: str,
        base_url: str,
        body: dict[str, Any],
        local: bool,
        thinking_prefilled: bool,
        user_content: Content | None,
        idle_timeout: float,
        connect_timeout: float = CONNECT_TIMEOUT,
        attachments: list[dict[str, Any]] | None = None,
        warnings: list[str] | None = None,
        api_key: str | None = None,
        request_id: str | None = None,
    ) -> None:
        self.profile: Final = profile
        """The profile's name (the start event names it; error hints use it)."""
        self.base_url: Final = base_url
        self.body: Final = body
        """The JSON body: always streaming, always asking for usage."""
        self.local: Final = local
        """A server mlxchat starts: a refused connection means it is not running."""
        self.thinking_prefilled: Final = thinking_prefilled
        """The output starts inside reasoning (the profile's template opens ``<think>``; not with
        no_think)."""
        self.user_content: Final = user_content
        """The content of the new user message, None when only earlier messages are sent."""
        self.idle_timeout: Final = idle_timeout
        self.connect_timeout: Final = connect_timeout
        self.attachments: Final = [] if attachments is None else attachments
        """Summaries of the images and videos sent (the start event lists them)."""
        self.warnings: Final = [] if warnings is None else warnings
        """What was asked for and not done (attachments left out for a text-only profile)."""
        self.api_key: Final = api_key
        self.request_id: Final = uuid.uuid4().hex if request_id is None else request_id

    @property
    def url(self) -> str:
        return self.base_url + "/chat/completions"

    @property
    def model(self) -> str:
        return str(self.body["model"])

    @property
    def messages(self) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = self.body["messages"]
        return messages

    def headers(self) -> dict[str, str]:
        headers = {
            "Accept": "text/event-stream",
            "Content-Type": "application/json",
            "X-Request-ID": self.request_id,
        }
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        return headers


def start_conversation(options: ChatOptions, profile: Profile) -> Conversation:
    """The conversation a turn continues: the options' earlier messages and system prompt."""
    return Conversation.start(
        options.messages, system_option=options.system, profile_system=profile.system_prompt
    )


def resolve(
    options: ChatOptions,
    profile: Profile,
    conversation: Conversation | None = None,
    *,
    stdin: BinaryIO | None = None,
    warn: Callable[[str], None] | None = None,
) -> ChatRequest:
    """The request for one turn. ``conversation`` holds the earlier turns (interactive chat); without
    one, the options' messages and system prompt start it. The options' attachments are read and
    checked here, before anything is sent (UsageError, exit 2); ``stdin`` is read for ``-``."""
    kind = kind_of(profile)
    if conversation is None:
        conversation = start_conversation(options, profile)
    attached = attachment_parts(profile, options, stdin=stdin, warn=warn)
    conversation.attach(", ".join([*options.images, *options.videos]), attached.parts, attached.summaries)
    content = conversation.user_content(options.text) or None
    messages = conversation.request_messages(content) if content else conversation.saved_messages()
    if not any(m.get("role") != "system" for m in messages):
        raise UsageError(
            "nothing to send: give a prompt",
            hint='mlxchat chat PROFILE "your question"  (or pipe text in, or use --messages FILE)',
        )
    return ChatRequest(
        profile=profile.name,
        base_url=profile.base_url(),
        body=_body(kind.request_model(profile), messages, options, profile),
        local=not kind.is_remote,
        thinking_prefilled=profile.thinking_prefilled and not options.no_think,
        user_content=content,
        idle_timeout=options.idle_timeout,
        attachments=conversation.attachment_summaries(),
        warnings=attached.warnings,
        api_key=profile.api_key(),
    )


def resolve_body(
    body: Mapping[str, Any],
    options: ChatOptions,
    profile: Profile,
) -> ChatRequest:
    """The request for a JSON body given whole (a line of an OpenAI Batch file). It is sent as
    given, streamed (``stream`` and ``stream_options`` are mlxchat's); what it leaves out comes from
    the options, then the profile: the model, a system message, ``max_tokens``, ``temperature``,
    and ``enable_thinking: false`` for ``no_think``. Its messages are not checked here."""
    kind = kind_of(profile)
    sent = dict(body)
    messages = [dict(m) for m in sent.get("messages") or []]
    if not messages or messages[0].get("role") != "system":
        system = options.system if options.system is not None else profile.system_prompt
        if system:
            messages.insert(0, {"role": "system", "content": system})
    if not any(m.get("role") != "system" for m in messages):
        raise UsageError("nothing to send: the body has no messages besides a system message")
    sent["messages"] = messages
    if not sent.get("model"):
        sent["model"] = kind.request_model(profile)
    sent = _filled(sent, options, profile)
    kwargs = sent.get("chat_template_kwargs")
    thinking_off = isinstance(kwargs, dict) and kwargs.get("enable_thinking") is False
    return ChatRequest(
        profile=profile.name,
        base_url=profile.base_url(),
        body=sent,
        local=not kind.is_remote,
        thinking_prefilled=profile.thinking_prefilled and not thinking_off,
        user_content=None,
        idle_timeout=options.idle_timeout,
        api_key=profile.api_key(),
    )


def _body(
    model: str, messages: list[dict[str, Any]], options: ChatOptions, profile: Profile
) -> dict[str, Any]:
    return _filled({"model": model, "messages": messages}, options, profile)


def _filled(body: dict[str, Any], options: ChatOptions, profile: Profile) -> dict[str, Any]:
    """``body`` streamed, asking for usage, and with what it does not say taken from the options,
    then the profile: ``max_tokens``, ``temperature``, ``enable_thinking`` (off for ``no_think``)."""
    body["stream"] = True
    body["stream_options"] = {"include_usage": True}
    if "max_tokens" not in body and "max_completion_tokens" not in body:
        max_tokens = options.max_tokens if options.max_tokens is not None else profile.max_tokens
        if max_tokens is not None:
            body["max_tokens"] = max_tokens
    if "temperature" not in body:
        temperature = options.temperature if options.temperature is not None else profile.temperature
        if temperature is not None:
            body["temperature"] = temperature
    if options.no_think:
        kwargs = body.get("chat_template_kwargs")
        kwargs = dict(kwargs) if isinstance(kwargs, dict) else {}
        kwargs.setdefault("enable_thinking", False)
        body["chat_template_kwargs"] = kwargs
    return body
