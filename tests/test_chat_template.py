"""Whether a chat template's generation prompt opens <think>: the default of thinking_prefilled, set
by `profile add` (and by `profile edit` of the model path).

The templates here are short ones written in the style of each family's generation-prompt block.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mlxchat.servers.chat_template import opens_think, read_chat_template
from tests.fixtures.common import RunCli
from tests.fixtures.lifecycle import write_model_dir

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
    # The same, with the generation prompt written as literal template text instead of strings.
    "qwen3 literal": MESSAGES + "{%- if add_generation_prompt %}<|im_start|>assistant\n"
    "{%- if enable_thinking is defined and enable_thinking is false %}<think>\n\n</think>\n\n"
    "{%- endif %}{%- endif %}",
    "qwen3.5 literal": MESSAGES + "{%- if add_generation_prompt %}<|im_start|>assistant\n"
    "{%- if enable_thinking is defined and enable_thinking is false %}<think>\n\n</think>\n\n"
    "{%- else %}<think>\n{%- endif %}{%- endif %}",
    "deepseek-r1 literal": "{% for m in messages %}{{ m.content }}{% endfor %}"
    "{% if add_generation_prompt and not ns.is_tool %}<\uff5cAssistant\uff5c><think>\n{% endif %}",
    "qwq literal": MESSAGES + "{%- if add_generation_prompt %}<|im_start|>assistant\n<think>\n{%- endif %}",
    "mixed": MESSAGES
    + "{%- if add_generation_prompt %}{{- '<|im_start|>assistant' }}\n<think>\n{%- endif %}",
    "inline if": MESSAGES + "{{ '<|im_start|>assistant\n<think>\n' if add_generation_prompt }}",
    "a comment that shows the tag": MESSAGES
    + "{%- if add_generation_prompt %}<|im_start|>assistant\n{# the model opens <think> #}{%- endif %}",
    # <think> in the history handling, before the generation prompt, does not count.
    "qwen3 history": "{%- set c = m.content.split('</think>')[-1] %}{%- if '<think>' in c %}{%- endif %}"
    + MESSAGES
    + "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}",
}
OPENING = ("qwen3.5", "deepseek-r1", "qwq", "qwen3.5 literal", "deepseek-r1 literal", "qwq literal")
EXPECTED = dict.fromkeys((*OPENING, "mixed", "inline if"), True)


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


def _show(run_cli: RunCli, name: str) -> dict[str, Any]:
    shown: dict[str, Any] = json.loads(run_cli("profile", "show", name, "--json").stdout)
    return shown


def test_profile_add_detects_thinking_prefilled_and_the_option_overrides(
    run_cli: RunCli, tmp_path: Path
) -> None:
    opening = write_model_dir(tmp_path / "opens", {"model_type": "llama"})
    (opening / "tokenizer_config.json").write_text(json.dumps({"chat_template": TEMPLATES["qwen3.5"]}))
    added = run_cli("profile", "add", "a", "--server", "mlx-lm", "--model-path", str(opening))
    assert added.returncode == 0, added.stderr
    assert "thinking_prefilled: true" in added.stderr
    assert _show(run_cli, "a")["thinking_prefilled"] is True
    run_cli(
        "profile", "add", "b", "--server", "mlx-lm", "--model-path", str(opening), "--no-thinking-prefilled"
    )
    assert _show(run_cli, "b")["thinking_prefilled"] is False
    # A new model path is detected again; the tiny model's template does not open <think>.
    tiny = REPO / "mlxchat" / "models" / "tiny-qwen3"
    edited = run_cli("profile", "edit", "a", "--model-path", str(tiny))
    assert edited.returncode == 0, edited.stderr
    assert "thinking_prefilled: false" in edited.stderr
    assert _show(run_cli, "a")["thinking_prefilled"] is False
    # A command profile whose model path is a model directory is detected too.
    # The generation prompt as literal template text (QwQ's form).
    literal = write_model_dir(tmp_path / "literal", {"model_type": "llama"})
    (literal / "chat_template.jinja").write_text(TEMPLATES["qwq literal"])
    run_cli("profile", "add", "d", "--server", "mlx-lm", "--model-path", str(literal))
    assert _show(run_cli, "d")["thinking_prefilled"] is True
    command = "python3 -m some.server --port {port}"
    run_cli("profile", "add", "c", "--server", "command", "--model-path", str(opening), "--command", command)
    assert _show(run_cli, "c")["thinking_prefilled"] is True
