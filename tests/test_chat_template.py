"""Whether a chat template's generation prompt opens <think> (the default of thinking_prefilled).

The templates here are short ones written in the style of each family's generation-prompt block.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlxchat.servers.chat_template import opens_think, read_chat_template

REPO = Path(__file__).resolve().parents[1]
MESSAGES = "{%- for m in messages %}{{- '<|im_start|>' + m.role + '\\n' + m.content }}{%- endfor %}"

TEMPLATES = {
    # The model writes <think> itself; thinking off pre-fills a closed, empty block.
    "qwen3": MESSAGES + "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}"
    "{%- if enable_thinking is defined and enable_thinking is false %}{{- '<think>\\n\\n</think>\\n\\n' }}"
    "{%- endif %}{%- endif %}",
    # The template opens thinking unless it is switched off.
    "qwen3.5": MESSAGES + "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}"
    "{%- if enable_thinking is defined and enable_thinking is false %}{{- '<think>\\n\\n</think>\\n\\n' }}"
    "{%- else %}{{- '<think>\\n' }}{%- endif %}{%- endif %}",
    "deepseek-r1": "{% for m in messages %}{{ m.content }}{% endfor %}"
    "{% if add_generation_prompt %}{{'<\uff5cAssistant\uff5c><think>\\n'}}{% endif %}",
    "qwq": MESSAGES
    + '{%- if add_generation_prompt %}{{- "<|im_start|>assistant\\n<think>\\n" }}{%- endif %}',
    "no thinking at all": MESSAGES
    + "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}",
    "no generation prompt": MESSAGES,
    # <think> in the history handling, before the generation prompt, does not count.
    "qwen3 history": "{%- set c = m.content.split('</think>')[-1] %}{%- if '<think>' in c %}{%- endif %}"
    + MESSAGES
    + "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}",
}
EXPECTED = {"qwen3.5": True, "deepseek-r1": True, "qwq": True}


@pytest.mark.parametrize("name", TEMPLATES)
def test_the_generation_prompt_opens_think(name: str) -> None:
    assert opens_think(TEMPLATES[name]) is EXPECTED.get(name, False)


def test_the_tiny_models_template_does_not_open_think() -> None:
    template = read_chat_template(REPO / "mlxchat" / "models" / "tiny-qwen3")
    assert template is not None and "add_generation_prompt" in template
    assert opens_think(template) is False


def test_where_the_template_is_found(tmp_path: Path) -> None:
    assert read_chat_template(tmp_path) is None
    (tmp_path / "chat_template.json").write_text(json.dumps({"chat_template": "b"}))
    assert read_chat_template(tmp_path) == "b"
    named = [{"name": "tool_use", "template": "t"}, {"name": "default", "template": "d"}]
    (tmp_path / "tokenizer_config.json").write_text(json.dumps({"chat_template": named}))
    assert read_chat_template(tmp_path) == "d"
    (tmp_path / "chat_template.jinja").write_text("j")
    assert read_chat_template(tmp_path) == "j"
    (tmp_path / "chat_template.jinja").unlink()
    (tmp_path / "tokenizer_config.json").write_text("{not json")
    assert read_chat_template(tmp_path) == "b"
