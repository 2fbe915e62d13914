"""``mlx_lm.server`` (``python -m mlx_lm.server``): text models only.

It answers ``/health`` before the model loads, so readiness also needs the model listed in
``/v1/models`` and a one-token completion answered (sent once, in the background). It loads
whatever model a request names, which is why a ``model`` different from the path gets a warning.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from mlxchat import paths
from mlxchat.errors import UsageError
from mlxchat.profile import ModelType, Profile
from mlxchat.servers.kinds.base import PROBE_TIMEOUT, LaunchSpec, ModelServerKind, ReadinessCheck, ServerKind

if TYPE_CHECKING:
    import threading

    from mlxchat.servers.model_dir import ModelFacts
    from mlxchat.servers.probe import Reply


class MlxLm(ModelServerKind):
    name = "mlx-lm"
    loads_requested_model = "mlx_lm.server"

    def validate(self, profile: Profile) -> None:
        super().validate(profile)
        if profile.model_type == "multimodal":
            raise UsageError(
                f"profile {profile.name!r}: mlx_lm.server serves text models only (model type lm)"
            )

    def command_line(self, profile: Profile) -> LaunchSpec:
        assert profile.model_path is not None
        argv = [
            sys.executable,
            "-m",
            "mlx_lm.server",
            "--model",
            profile.model_path,
            "--host",
            profile.host,
            "--port",
            str(profile.port),
        ]
        return LaunchSpec(argv + profile.extra_args, hf_cache_env())

    def healthy(self, profile: Profile, timeout: float = PROBE_TIMEOUT) -> bool:
        from mlxchat.servers.probe import lists_models, request

        if not super().healthy(profile, timeout):
            return False
        return bool(lists_models(request(profile.base_url(), "/v1/models", timeout=timeout)))

    def readiness(self, profile: Profile) -> ReadinessCheck:
        return _LoadedCheck(profile, self)

    def model_type_from(self, facts: ModelFacts, warnings: list[str]) -> ModelType:
        if facts.multimodal:
            warnings.append("the model has a vision config, but mlx_lm.server serves text only")
        return "lm"


def hf_cache_env() -> dict[str, str]:
    """mlx_lm.server and mlx_vlm.server list no models unless the Hugging Face cache directory
    exists: use the user's when it is set and exists, else an empty one of ours. Downloads are not
    forbidden."""
    user_cache = os.environ.get("HF_HUB_CACHE")
    if user_cache and Path(user_cache).is_dir():
        return {}
    cache = paths.hf_cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    return {"HF_HUB_CACHE": str(cache)}


class _LoadedCheck(ReadinessCheck):
    """Healthy, then a one-token completion answered: the model is loaded."""

    def __init__(self, profile: Profile, kind: ServerKind) -> None:
        super().__init__(profile, kind)
        self._completion: threading.Thread | None = None
        self._replies: list[Reply | None] = []

    def step(self, remaining: float) -> bool:
        if self._completion is None:
            if not self.kind.healthy(self.profile):
                return False
            self.phase = "loading the model"
            self._send_completion(timeout=max(remaining, 1.0))
            return False
        if self._completion.is_alive():
            return False
        reply = self._replies[-1] if self._replies else None
        if reply is not None and reply.status == 200:
            return True
        self._completion = None  # try again (the start's deadline bounds it)
        return False

    def _send_completion(self, timeout: float) -> None:
        import threading

        from mlxchat.servers.probe import request

        base = self.profile.base_url()
        body: dict[str, object] = {
            "model": self.kind.request_model(self.profile),
            "messages": [{"role": "user", "content": "hi"}],
            "max_tokens": 1,
            "stream": False,
        }

        def send() -> None:
            self._replies.append(request(base, "/v1/chat/completions", timeout=timeout, body=body))

        self._completion = threading.Thread(target=send, daemon=True)
        self._completion.start()
