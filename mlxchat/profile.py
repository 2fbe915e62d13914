"""A profile: one named server configuration, as stored in the profile file."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from typing import Any, Final

SERVER_KINDS: Final = ("mlx-openai-server", "mlx-lm", "command", "remote")
MODEL_TYPES: Final = ("lm", "multimodal")
DEFAULT_HOST: Final = "127.0.0.1"


@dataclass
class Profile:
    """Field meanings are documented in docs/profiles.md (keep the two in step)."""

    name: str
    server: str = "mlx-openai-server"
    model_path: str | None = None
    model: str | None = None
    model_type: str = "lm"
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

    @property
    def is_remote(self) -> bool:
        return self.server == "remote"

    def base_url(self) -> str:
        """The OpenAI-compatible base URL, ending in /v1."""
        if self.url:
            return self.url.rstrip("/")
        host = self.host
        if host in ("0.0.0.0", "::", ""):
            host = DEFAULT_HOST
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}/v1"

    def request_model(self) -> str:
        """The model name sent in requests."""
        if self.model:
            return self.model
        if self.server in ("mlx-openai-server", "mlx-lm") and self.model_path:
            # Both servers answer to the path they were started with.
            return self.model_path
        return "default"

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
