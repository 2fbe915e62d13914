"""What a model's chat template says about thinking: does its generation prompt open ``<think>``?

Templates of thinking models either leave the ``<think>`` to the model (Qwen3: the output starts
with ``<think>``) or write it into the prompt themselves (DeepSeek-R1, QwQ, Qwen3.5, the Qwen3
"Thinking" releases: the output starts inside the reasoning and shows only ``</think>``). Which one
decides how inline tags are read (``thinking_prefilled``, docs/protocol.md).

The template is not rendered (that would need Jinja and the tokenizer's helpers); its text after
the last ``add_generation_prompt`` test is read instead. The prompt opens thinking when a piece
written there opens ``<think>`` and does not close it again (Qwen3's ``'<think>\\n\\n</think>\\n\\n'``
for ``enable_thinking=false`` closes it). A piece is a string in a tag (``{{- '<think>\\n' }}``) or
literal template text between tags (``{%- if add_generation_prompt %}<think>\\n{%- endif %}``).
This is a heuristic; the profile setting overrides it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

_TAG: Final = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
_STRING: Final = re.compile(r"""'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)\"""", re.S)
OPEN: Final = "<think>"
CLOSE: Final = "</think>"


def read_chat_template(model_dir: Path) -> str | None:
    """The model's default chat template: ``chat_template.jinja``, else the one in
    ``tokenizer_config.json`` (a string, or a list of named templates), else ``chat_template.json``."""
    try:
        return (model_dir / "chat_template.jinja").read_text("utf-8")
    except (OSError, ValueError):
        pass
    for name in ("tokenizer_config.json", "chat_template.json"):
        template = _template_in(_json_file(model_dir / name))
        if template is not None:
            return template
    return None


def opens_think(template: str) -> bool:
    """True when the generation prompt ends inside an opened ``<think>``."""
    at = template.rfind("add_generation_prompt")
    if at < 0:
        return False
    for text in _written_after(template, at):
        opened = text.rfind(OPEN)
        if opened >= 0 and CLOSE not in text[opened:]:
            return True
    return False


def _written_after(template: str, at: int) -> Iterator[str]:
    """The pieces of text the template may write after position ``at`` (in the tag that tests
    ``add_generation_prompt``): the strings in that tag (all of a ``{{ '...' if ... }}``, the rest
    of a ``{% %}``) and in every later tag (``{{- '<think>\\n' }}``), and the literal text between
    tags (``{%- if add_generation_prompt %}<think>\\n{%- endif %}``). Comments write nothing."""
    opener = max(template.rfind("{{", 0, at), template.rfind("{%", 0, at))
    expression = opener >= 0 and template.startswith("{{", opener)
    end = template.find("}}" if expression else "%}", at)
    end = len(template) if end < 0 else end
    yield from _strings(template[opener if expression else at : end])
    position = end + 2
    for tag in _TAG.finditer(template, position):
        yield template[position : tag.start()]
        if not tag.group().startswith("{#"):
            yield from _strings(tag.group())
        position = tag.end()
    yield template[position:]


def _strings(code: str) -> Iterator[str]:
    """The string literals in a piece of template code, their ``\\n`` escapes as line breaks."""
    for match in _STRING.finditer(code):
        text = match.group(1) if match.group(1) is not None else match.group(2)
        yield text.replace("\\n", "\n")


def _json_file(path: Path) -> Any:
    try:
        return json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None


def _template_in(config: Any) -> str | None:
    template = config.get("chat_template") if isinstance(config, dict) else None
    if isinstance(template, str):
        return template
    if isinstance(template, list):  # [{"name": "default", "template": "..."}, ...]
        named = {t.get("name"): t.get("template") for t in template if isinstance(t, dict)}
        chosen = named.get("default")
        return chosen if isinstance(chosen, str) else None
    return None
