"""A profile: one named server configuration, as stored in the profile file.

This module knows the fields, their types and the checks that need nothing but the profile
itself. Checks that look at the machine (model directory, installed parsers, ports of other
profiles) live in mlxchat.servers.prepare; reading and writing the file in mlxchat.profile_store.
"""

from __future__ import annotations

import os
import re
import string
from dataclasses import asdict, dataclass, field, fields
from pathlib import PurePath
from typing import Any, Final, Literal
from urllib.parse import urlsplit

from mlxchat.errors import UsageError
from mlxchat.typed_json import FieldError, decode, describe, field_hints
from mlxchat.urls import http_base_url, is_http_url

ServerKindName = Literal["mlx-openai-server", "mlx-lm", "mlx-vlm", "command", "remote"]
"""The kinds in mlxchat.servers.kinds (each has a module there; the registry checks this list)."""
ModelType = Literal["lm", "multimodal"]
MODEL_TYPES: Final = ("lm", "multimodal")
DEFAULT_HOST: Final = "127.0.0.1"
LOCAL_HOSTS: Final = ("127.0.0.1", "localhost", "::1")
TEMPLATE_FIELDS: Final = ("host", "port", "model_path", "model")
LAUNCH_FIELDS: Final = ("server", "host", "port", "command", "model_path", "model_type", "extra_args")
"""Where the server listens and how it is started: not changed while the server runs."""
SERVER_FIELDS: Final = (*LAUNCH_FIELDS, "model", "reasoning_parser", "tool_call_parser", "context_length")
"""What a server mlxchat starts is started with (its command line): a change applies at its next
start. Every other field is mlxchat's own (sampling, system prompt, thinking, attachments, batch)
and applies to the next request, with no restart."""

NAME_RULE: Final = "letters, digits, '.', '_' and '-', starting with a letter or digit, at most 64 characters"
_NAME_RE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_ENV_RE: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass
class Profile:
    """Field meanings are documented in docs/profiles.md (keep the two in step). What depends on
    the server kind (its rules, default model name, local or remote) is in mlxchat.servers.kinds."""

    name: str
    server: ServerKindName = "mlx-openai-server"
    model_path: str | None = None
    model: str | None = None
    model_type: ModelType = "lm"
    host: str = DEFAULT_HOST
    port: int | None = None
    reasoning_parser: str | None = None
    tool_call_parser: str | None = None
    context_length: int | None = None
    extra_args: list[str] = field(default_factory=list)
    command: str | None = None
    url: str | None = None
    api_key_env: str | None = None
    system_prompt: str | None = None
    max_tokens: int | None = None
    temperature: float | None = None
    thinking_prefilled: bool = False
    """The chat template opens <think> itself: the output starts inside reasoning."""
    max_image_size: int | None = None
    batch_jobs: int | None = None
    """Requests ``mlxchat batch`` keeps in flight to this profile (None: its ``-j``, else 4)."""

    def base_url(self) -> str:
        """The OpenAI-compatible base URL, ending in /v1."""
        if self.url:
            return self.url.rstrip("/")
        return http_base_url(self.host, self.port)

    def model_label(self) -> str:
        """The model as tables show it: its name, else its directory's name, else ``-``."""
        if self.model:
            return self.model
        if self.model_path:
            return PurePath(self.model_path).name or self.model_path
        return "-"

    def api_key(self) -> str | None:
        """The secret, read from the environment variable the profile names; never stored."""
        if not self.api_key_env:
            return None
        return os.environ.get(self.api_key_env) or None

    def to_dict(self) -> dict[str, Any]:
        """Only the fields that are set, in declaration order (the file stays short and readable)."""
        out: dict[str, Any] = {}
        defaults = Profile(name=self.name)
        for key, value in asdict(self).items():
            if key == "name":
                continue
            if value is None or value == [] or (value == getattr(defaults, key) and key != "server"):
                continue
            out[key] = value
        return out

    def check(self) -> None:
        """The rules for the fields that hold for every kind; raises UsageError (exit 2). The kind's
        own rules: mlxchat.servers.kinds.check_profile, which calls this first."""
        check_name(self.name)
        if self.model_type not in MODEL_TYPES:
            raise UsageError(
                f"profile {self.name!r}: unknown model type {self.model_type!r}",
                hint=f"types: {', '.join(MODEL_TYPES)}",
            )
        if self.port is not None and not 1 <= self.port <= 65535:
            raise UsageError(f"profile {self.name!r}: port {self.port} is out of range (1-65535)")
        if not self.host or any(c.isspace() for c in self.host):
            raise UsageError(f"profile {self.name!r}: bad host {self.host!r}")
        for key in ("context_length", "max_tokens", "max_image_size", "batch_jobs"):
            value = getattr(self, key)
            if value is not None and value <= 0:
                raise UsageError(f"profile {self.name!r}: {key} must be a positive number, not {value}")
        if self.temperature is not None and not 0 <= self.temperature <= 2:
            raise UsageError(f"profile {self.name!r}: temperature must be between 0 and 2")
        if self.api_key_env is not None and not _ENV_RE.fullmatch(self.api_key_env):
            raise UsageError(
                f"profile {self.name!r}: api_key_env must be the NAME of an environment variable "
                f"(like OPENAI_API_KEY), not {_redact(self.api_key_env)!r}",
                hint="the secret itself is never stored; export it and name the variable here",
            )
        if self.url is not None:
            check_url(self.name, self.url)


def _redact(value: str) -> str:
    return value if len(value) <= 4 else value[:2] + "…"


def check_name(name: str) -> None:
    if not _NAME_RE.fullmatch(name):
        raise UsageError(f"bad profile name {name!r}", hint=f"names use {NAME_RULE}")


def check_url(name: str, url: str) -> None:
    """An http(s) URL with a host and, when given, a port in range: what requests can be sent to."""
    if not is_http_url(url):
        raise UsageError(f"profile {name!r}: url must start with http:// or https://")
    if any(c.isspace() for c in url):
        raise UsageError(f"profile {name!r}: bad url {url!r}: it contains white space")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (reading it checks it)
        host = parts.hostname
    except ValueError as exc:
        raise UsageError(
            f"profile {name!r}: bad url {url!r}: {exc}", hint="e.g. http://host:8000/v1"
        ) from None
    if not host:
        raise UsageError(f"profile {name!r}: url {url!r} names no host", hint="e.g. http://host:8000/v1")


def check_template(name: str, template: str) -> None:
    import shlex  # command profiles only

    try:
        parts = shlex.split(template)
    except ValueError as exc:
        raise UsageError(f"profile {name!r}: command template: {exc}") from None
    if not parts:
        raise UsageError(f"profile {name!r}: the command template is empty")
    for part in parts:
        try:
            for _, field_name, _, _ in string.Formatter().parse(part):
                if field_name is not None and field_name not in TEMPLATE_FIELDS:
                    raise UsageError(
                        f"profile {name!r}: unknown placeholder {{{field_name}}} in the command template",
                        hint="placeholders: "
                        + " ".join("{" + f + "}" for f in TEMPLATE_FIELDS)
                        + " (write {{ and }} for literal braces)",
                    )
        except ValueError as exc:
            raise UsageError(f"profile {name!r}: command template: {exc}") from None


FIELD_NAMES: Final = tuple(f.name for f in fields(Profile) if f.name != "name")


def profile_from_dict(name: str, data: dict[str, Any], where: str) -> Profile:
    """Build a profile from a table of the file; raises UsageError naming ``where`` on any doubt."""
    unknown = sorted(set(data) - set(FIELD_NAMES))
    if unknown:
        raise UsageError(
            f"{where}: profile {name!r} has unknown key(s): {', '.join(unknown)}",
            hint="known keys: " + ", ".join(FIELD_NAMES),
        )
    try:
        return decode(Profile, {**data, "name": name})
    except FieldError as exc:
        wanted = describe(field_hints(Profile)[exc.key])
        value = data[exc.key]
        raise UsageError(f"{where}: profile {name!r}: {exc.key} must be {wanted}, not {value!r}") from None
