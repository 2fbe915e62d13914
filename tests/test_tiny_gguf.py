"""The tiny model's GGUF file (tools/tiny_gguf.py): in step with the model it is made from, and only
written when the tokenizer really is Qwen2's."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from mlxchat.paths import tiny_model_dir
from tools.tiny_gguf import GGUF_NAME, ConversionError, check_qwen2_pretokenizer, write_gguf


def tokenizer() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((tiny_model_dir() / "tokenizer.json").read_text())
    return data


def test_the_committed_gguf_is_the_conversion_of_the_committed_model(tmp_path: Path) -> None:
    fresh = write_gguf(tiny_model_dir(), tmp_path / GGUF_NAME)
    committed = tiny_model_dir() / GGUF_NAME
    assert fresh.read_bytes() == committed.read_bytes(), (
        "the GGUF is out of date: run `.venv/bin/python tools/make_tiny_model.py --gguf-only`"
    )


def test_what_llama_cpp_reads_from_it() -> None:
    import gguf

    reader = gguf.GGUFReader(str(tiny_model_dir() / GGUF_NAME))
    fields = {name: field.contents() for name, field in reader.fields.items()}
    assert fields["general.architecture"] == "qwen3"
    assert fields["tokenizer.ggml.model"] == "gpt2" and fields["tokenizer.ggml.pre"] == "qwen2"
    assert fields["tokenizer.chat_template"].startswith("{%- macro text_of(content)")
    tokens, kinds = fields["tokenizer.ggml.tokens"], fields["tokenizer.ggml.token_type"]
    kind_of = dict(zip(tokens, kinds, strict=True))
    assert kind_of["<|im_end|>"] == gguf.TokenType.CONTROL
    # As llama.cpp's converter types them for a real Qwen3: the markup is user-defined, not control.
    assert kind_of["<think>"] == kind_of["<tool_call>"] == gguf.TokenType.USER_DEFINED
    assert tokens[fields["tokenizer.ggml.eos_token_id"]] == "<|im_end|>"
    types = {t.name: t.tensor_type.name for t in reader.tensors}
    assert types["token_embd.weight"] == "F16" and types["output_norm.weight"] == "F32"
    assert "output.weight" not in types  # tied embeddings


def _change_split(data: dict[str, Any]) -> None:
    data["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"] = r"\s+|\S+"


def _prefix_space(data: dict[str, Any]) -> None:
    data["pre_tokenizer"]["pretokenizers"][1]["add_prefix_space"] = True


def _byte_fallback(data: dict[str, Any]) -> None:
    data["model"]["byte_fallback"] = True


@pytest.mark.parametrize("change", [_change_split, _prefix_space, _byte_fallback])
def test_a_tokenizer_that_is_not_qwen2s_is_refused(change: Any, tmp_path: Path) -> None:
    data = copy.deepcopy(tokenizer())
    check_qwen2_pretokenizer(data)  # as committed: accepted
    change(data)
    with pytest.raises(ConversionError):
        check_qwen2_pretokenizer(data)
    model = tmp_path / "model"
    shutil.copytree(tiny_model_dir(), model)
    (model / "tokenizer.json").write_text(json.dumps(data))
    with pytest.raises(ConversionError):
        write_gguf(model, model / GGUF_NAME)
    assert (model / GGUF_NAME).read_bytes() == (tiny_model_dir() / GGUF_NAME).read_bytes()
    assert sorted(p.name for p in model.iterdir()) == sorted(p.name for p in tiny_model_dir().iterdir())
