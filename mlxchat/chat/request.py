"""Building what is sent: the messages (prompt, stdin, --messages, --system) and the request body."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from mlxchat.errors import UsageError
from mlxchat.profile import Profile
from mlxchat.servers.kinds import kind_of

ROLES = ("system", "user", "assistant", "tool", "developer")


@dataclass
class ChatInput:
    """What the user asked for, before it becomes a request body."""

    prompt: str | None = None
    system: str | None = None
    content: list[dict[str, Any]] | None = None
    """The final user message as content parts (the prompt's text, then images and videos), when
    attachments are sent; it replaces ``prompt``. Made by mlxchat.chat.attachments_policy."""
    messages: list[dict[str, Any]] = field(default_factory=list)
    max_tokens: int | None = None
    temperature: float | None = None
    no_think: bool = False


def combine_prompt(prompt: str | None, stdin_text: str | None) -> str | None:
    """``cat notes.md | mlxchat chat p "summarize"``: the piped text, a blank line, then the prompt."""
    piped = stdin_text if stdin_text and stdin_text.strip() else None
    if prompt and piped:
        return f"{piped.rstrip()}\n\n{prompt}"
    return prompt or piped


def _check_message(msg: Any, where: str) -> dict[str, Any]:
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


def parse_messages(text: str, source: str) -> list[dict[str, Any]]:
    """Messages from a JSON array, or from NDJSON (one message object per line)."""
    stripped = text.strip()
    if not stripped:
        raise UsageError(f"{source}: no messages in it")
    if stripped.startswith("["):
        try:
            items = orjson.loads(stripped)
        except orjson.JSONDecodeError as exc:
            raise UsageError(f"{source}: not valid JSON ({exc})") from None
        return [_check_message(m, f"{source}: message {i + 1}") for i, m in enumerate(items)]
    out = []
    for lineno, line in enumerate(stripped.splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise UsageError(
                f"{source}: line {lineno} is not valid JSON ({exc})",
                hint="--messages takes a JSON array of messages, or one JSON message per line",
            ) from None
        out.append(_check_message(item, f"{source}: line {lineno}"))
    return out


def build_messages(chat: ChatInput, profile: Profile) -> list[dict[str, Any]]:
    messages = list(chat.messages)
    system = chat.system if chat.system is not None else profile.system_prompt
    if system:
        if messages and messages[0].get("role") == "system":
            if chat.system is not None:
                messages[0] = {"role": "system", "content": system}
        else:
            messages.insert(0, {"role": "system", "content": system})
    if chat.content:
        messages.append({"role": "user", "content": chat.content})
    elif chat.prompt:
        messages.append({"role": "user", "content": chat.prompt})
    if not any(m.get("role") != "system" for m in messages):
        raise UsageError(
            "nothing to send: give a prompt",
            hint='mlxchat chat PROFILE "your question"  (or pipe text in, or use --messages FILE)',
        )
    return messages


def build_body(chat: ChatInput, profile: Profile) -> dict[str, Any]:
    """The JSON body of ``POST /v1/chat/completions`` (always streaming, always asking for usage)."""
    body: dict[str, Any] = {
        "model": kind_of(profile).request_model(profile),
        "messages": build_messages(chat, profile),
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    max_tokens = chat.max_tokens if chat.max_tokens is not None else profile.max_tokens
    if max_tokens is not None:
        body["max_tokens"] = max_tokens
    temperature = chat.temperature if chat.temperature is not None else profile.temperature
    if temperature is not None:
        body["temperature"] = temperature
    if chat.no_think:
        body["chat_template_kwargs"] = {"enable_thinking": False}
    return body
