"""Is a server ready to answer chats? One check per server kind.

- mlx-openai-server opens its port only after the model loaded: ``/health`` 200 means ready.
- mlx_lm.server answers ``/health`` before the model loads: it must also list the model in
  ``/v1/models`` and answer a one-token completion (sent once, in the background).
- command: ``/health`` 200; a server without ``/health`` (404/405) counts when ``/v1/models`` is 200.
- remote: ``models`` under its URL answers 200.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from mlxchat.profile import Profile
from mlxchat.servers.probe import Reply, lists_models, request

PROBE_TIMEOUT = 1.0


def healthy(profile: Profile, timeout: float = PROBE_TIMEOUT) -> bool:
    """A cheap check for status: the server answers as ready (no completion is sent)."""
    base = profile.base_url()
    if profile.is_remote:
        reply = request(base, "models", timeout=timeout, api_key=profile.api_key())
        return reply is not None and reply.status == 200
    health = request(base, "/health", timeout=timeout)
    if health is None:
        return False
    if profile.server == "mlx-openai-server":
        return health.status == 200
    if profile.server == "mlx-lm":
        return health.status == 200 and bool(lists_models(request(base, "/v1/models", timeout=timeout)))
    if health.status in (404, 405):
        models = request(base, "/v1/models", timeout=timeout)
        return models is not None and models.status == 200
    return health.status == 200


@dataclass
class ReadinessCheck:
    """Called repeatedly while a server starts; ``step()`` is True once it is ready."""

    profile: Profile
    phase: str = "starting"
    _completion: threading.Thread | None = field(default=None, repr=False)
    _completion_reply: list[Reply | None] = field(default_factory=list, repr=False)

    def step(self, remaining: float) -> bool:
        if self.profile.server != "mlx-lm":
            ready = healthy(self.profile)
            if not ready and request(self.profile.base_url(), "/health", timeout=PROBE_TIMEOUT) is not None:
                self.phase = "answering, not ready yet"
            return ready
        return self._mlx_lm_step(remaining)

    def _mlx_lm_step(self, remaining: float) -> bool:
        base = self.profile.base_url()
        if self._completion is None:
            if not healthy(self.profile):
                return False
            self.phase = "loading the model"
            body = {
                "model": self.profile.request_model(),
                "messages": [{"role": "user", "content": "hi"}],
                "max_tokens": 1,
                "stream": False,
            }

            def send() -> None:
                self._completion_reply.append(
                    request(base, "/v1/chat/completions", timeout=max(remaining, 1.0), body=body)
                )

            self._completion = threading.Thread(target=send, daemon=True)
            self._completion.start()
            return False
        if self._completion.is_alive():
            return False
        reply = self._completion_reply[-1] if self._completion_reply else None
        if reply is not None and reply.status == 200:
            return True
        self._completion = None  # try again (the loop's deadline bounds it)
        return False
