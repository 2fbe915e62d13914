"""``mlx_vlm.server`` (``python -m mlx_vlm.server``): mlx-vlm's own server, for vision models.

It loads the model before it opens its port, and ``/health`` names the loaded model; a model that
failed to load leaves it running without one (``loaded_model`` null), which is not ready. Like
mlx_lm.server it loads whatever model a request names. Quirks (docs/servers.md): it uses only the
last image of a request, no video, and sends reasoning as ``<think>`` text inside the content.
"""

from __future__ import annotations

import importlib.util
import sys
from typing import TYPE_CHECKING

from mlxchat.errors import UsageError
from mlxchat.profile import ModelType, Profile
from mlxchat.servers.kinds.base import PROBE_TIMEOUT, LaunchSpec, ModelServerKind
from mlxchat.servers.kinds.mlx_lm import hf_cache_env

if TYPE_CHECKING:
    from mlxchat.servers.model_dir import ModelFacts


class MlxVlm(ModelServerKind):
    name = "mlx-vlm"
    loads_requested_model = "mlx_vlm.server"
    max_images = 1  # its chat endpoint keeps the last image of the whole request
    takes_videos = False  # it reads image_url, input_image and input_audio parts only

    def command_line(self, profile: Profile) -> LaunchSpec:
        if importlib.util.find_spec("mlx_vlm") is None:
            raise UsageError(
                "mlx-vlm is not installed beside this Python",
                hint="pip install mlx-vlm (mlx-openai-server installs it too)",
            )
        assert profile.model_path is not None
        argv = [sys.executable, "-m", "mlx_vlm.server", "--model", profile.model_path]
        argv += ["--host", profile.host, "--port", str(profile.port)]
        return LaunchSpec(argv + profile.extra_args, hf_cache_env())

    def healthy(self, profile: Profile, timeout: float = PROBE_TIMEOUT) -> bool:
        health = self.health(profile, timeout)
        if health is None or health.status != 200:
            return False
        body = health.json()
        return isinstance(body, dict) and bool(body.get("loaded_model"))

    def model_type_from(self, facts: ModelFacts, warnings: list[str]) -> ModelType:
        if not facts.multimodal:
            warnings.append(
                "the model's config.json has no vision config: mlx_vlm.server may not serve it "
                "(for a text model use --server mlx-lm)"
            )
        return "multimodal"
