"""What a local model directory says about itself (its config.json): model type and reasoning parser."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from mlxchat.errors import UsageError

# config.json "model_type" -> mlx-openai-server reasoning parser (only families whose templates think).
REASONING_PARSERS: Final[dict[str, str]] = {
    "qwen3": "qwen3",
    "qwen3_moe": "qwen3_moe",
    "qwen3_next": "qwen3_moe",
    "qwen3_5": "qwen3_5",
    "qwen3_5_moe": "qwen3_5",
    "qwen3_vl": "qwen3_vl",
    "qwen3_vl_moe": "qwen3_vl",
    "glm4_moe": "glm4_moe",
    "gpt_oss": "harmony",
    "kimi_k2": "kimi_k2",
    "minimax_m2": "minimax_m2",
}

_HUB_ID: Final = re.compile(r"[A-Za-z0-9][\w.-]*/[\w.-]+")


@dataclass(frozen=True)
class ModelFacts:
    architecture: str | None
    """config.json's model_type (e.g. ``qwen3``), or None when it has none."""
    multimodal: bool
    reasoning_parser: str | None


def looks_like_hub_id(value: str) -> bool:
    return bool(_HUB_ID.fullmatch(value)) and not value.startswith((".", "~"))


def resolve_model_dir(value: str) -> Path:
    """The absolute model directory; UsageError (exit 2) when it is missing or not a directory."""
    path = Path(value).expanduser()
    if path.is_dir():
        return path.resolve()
    if path.exists():
        raise UsageError(f"model path {value!r} is not a directory", hint="give the model's directory")
    if looks_like_hub_id(value):
        raise UsageError(
            f"model path {value!r} does not exist here; it looks like a Hugging Face hub id",
            hint="mlxchat needs a local model directory: download it first "
            f"(e.g. `hf download {value} --local-dir ~/models/{value.rsplit('/', maxsplit=1)[-1]}`) "
            "and give that directory to --model-path",
        )
    raise UsageError(f"model path {value!r} does not exist", hint="give the model's local directory")


def read_facts(model_dir: Path) -> ModelFacts | None:
    """Facts from ``model_dir/config.json``, or None when there is no readable config."""
    try:
        config: Any = json.loads((model_dir / "config.json").read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(config, dict):
        return None
    arch = config.get("model_type") if isinstance(config.get("model_type"), str) else None
    multimodal = isinstance(config.get("vision_config"), dict)
    return ModelFacts(
        architecture=arch, multimodal=multimodal, reasoning_parser=REASONING_PARSERS.get(arch or "")
    )
