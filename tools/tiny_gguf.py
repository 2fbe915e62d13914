"""Write the tiny model as a GGUF file for llama.cpp's llama-server (``tools/make_tiny_model.py`` calls it).

Written directly with the ``gguf`` package from the Hugging Face-style directory (config.json,
tokenizer.json, tokenizer_config.json, model.safetensors): architecture ``qwen3``, 2-D weights in
float16, norms in float32, the byte-level BPE vocabulary with its merges, and the chat template.

llama.cpp's own converter names a BPE pre-tokenizer by hashing the token ids of a fixed text, which
no custom vocabulary can match. This one instead checks that tokenizer.json's pre-tokenizer *is*
Qwen2's (the same split regex, then byte-level without its own regex) and writes
``tokenizer.ggml.pre = "qwen2"``, which is also what a real Qwen3 model converts to. Anything else
is refused rather than guessed.

The output depends only on the input files, so a rebuild from the same model gives the same bytes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

GGUF_NAME = "tiny-qwen3-f16.gguf"
# The split regex of Qwen2's (and Qwen3's) tokenizer.json; llama.cpp's "qwen2" pre-tokenizer is this.
QWEN2_SPLIT = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"
    r"|\s*[\r\n]+|\s+(?!\S)|\s+"
)


class ConversionError(ValueError):
    """The model directory is not something this converter knows how to write faithfully."""


def check_qwen2_pretokenizer(tokenizer: dict[str, Any]) -> None:
    """Raise unless the pre-tokenizer is exactly Qwen2's: Split(regex, isolated) then ByteLevel."""
    pre = tokenizer.get("pre_tokenizer") or {}
    steps = pre.get("pretokenizers") if pre.get("type") == "Sequence" else None
    if not steps or len(steps) != 2:
        raise ConversionError(f"pre-tokenizer is not Split + ByteLevel: {pre}")
    split, byte_level = steps
    regex = (split.get("pattern") or {}).get("Regex")
    if split.get("type") != "Split" or regex != QWEN2_SPLIT:
        raise ConversionError(f"the split regex is not Qwen2's: {regex!r}")
    if split.get("behavior") != "Isolated" or split.get("invert"):
        raise ConversionError(f"the split is not Qwen2's (isolated, not inverted): {split}")
    plain_bytes = not (byte_level.get("use_regex") or byte_level.get("add_prefix_space"))
    if byte_level.get("type") != "ByteLevel" or not plain_bytes:
        raise ConversionError(f"the byte-level step is not Qwen2's: {byte_level}")
    model = tokenizer.get("model") or {}
    if model.get("type") != "BPE" or model.get("byte_fallback"):
        raise ConversionError("the tokenizer model is not a byte-level BPE")


def vocabulary(tokenizer: dict[str, Any], vocab_size: int) -> tuple[list[str], list[int], list[str]]:
    """Token texts by id, their GGUF token types, and the merges as ``"left right"`` strings."""
    import gguf

    by_id: dict[int, str] = {index: text for text, index in tokenizer["model"]["vocab"].items()}
    added = {entry["id"]: entry for entry in tokenizer.get("added_tokens", [])}
    for index, entry in added.items():
        by_id[index] = entry["content"]
    tokens: list[str] = []
    types: list[int] = []
    for index in range(vocab_size):
        if index not in by_id:
            tokens.append(f"[PAD{index}]")
            types.append(gguf.TokenType.UNUSED)
        elif index in added:
            # Special tokens (<|im_end|>, ...) are control tokens; the added markup (<think>, <tool_call>,
            # ...) is user-defined, as llama.cpp's converter makes it for a real Qwen3.
            tokens.append(by_id[index])
            types.append(gguf.TokenType.CONTROL if added[index]["special"] else gguf.TokenType.USER_DEFINED)
        else:
            tokens.append(by_id[index])
            types.append(gguf.TokenType.NORMAL)
    merges = [m if isinstance(m, str) else " ".join(m) for m in tokenizer["model"]["merges"]]
    return tokens, types, merges


def token_id(tokenizer: dict[str, Any], text: str) -> int:
    for entry in tokenizer.get("added_tokens", []):
        if entry["content"] == text:
            return int(entry["id"])
    return int(tokenizer["model"]["vocab"][text])


def write_header(writer: Any, config: dict[str, Any]) -> None:
    import gguf

    writer.add_name("tiny-qwen3")
    writer.add_block_count(config["num_hidden_layers"])
    writer.add_context_length(config["max_position_embeddings"])
    writer.add_embedding_length(config["hidden_size"])
    writer.add_feed_forward_length(config["intermediate_size"])
    writer.add_head_count(config["num_attention_heads"])
    writer.add_head_count_kv(config["num_key_value_heads"])
    writer.add_key_length(config["head_dim"])
    writer.add_value_length(config["head_dim"])
    writer.add_rope_freq_base(config["rope_theta"])
    writer.add_layer_norm_rms_eps(config["rms_norm_eps"])
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_F16)
    writer.add_quantization_version(gguf.GGML_QUANT_VERSION)


def write_tokenizer(writer: Any, tokenizer: dict[str, Any], settings: dict[str, Any], size: int) -> None:
    tokens, types, merges = vocabulary(tokenizer, size)
    writer.add_tokenizer_model("gpt2")  # llama.cpp's name for byte-level BPE
    writer.add_tokenizer_pre("qwen2")
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    writer.add_token_merges(merges)
    writer.add_eos_token_id(token_id(tokenizer, settings["eos_token"]))
    writer.add_pad_token_id(token_id(tokenizer, settings["pad_token"]))
    writer.add_add_bos_token(bool(settings.get("add_bos_token")))
    writer.add_chat_template(settings["chat_template"])


SAFETENSORS_DTYPES = {"F16": "<f2", "F32": "<f4", "BF16": None}


def read_safetensors(path: Path) -> dict[str, Any]:
    """Tensors of a .safetensors file as numpy arrays (the format is a JSON header, then raw data)."""
    import numpy as np

    raw = path.read_bytes()
    size = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8 : 8 + size])
    header.pop("__metadata__", None)
    data = memoryview(raw)[8 + size :]
    tensors = {}
    for name, info in header.items():
        dtype = SAFETENSORS_DTYPES.get(info["dtype"])
        if dtype is None:
            raise ConversionError(f"tensor {name} has dtype {info['dtype']}: only F16 and F32 are read")
        start, end = info["data_offsets"]
        tensors[name] = np.frombuffer(data[start:end], dtype=dtype).reshape(info["shape"])
    return tensors


def write_tensors(writer: Any, model_dir: Path, blocks: int) -> None:
    import gguf
    import numpy as np

    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.QWEN3, blocks)
    weights = read_safetensors(model_dir / "model.safetensors")
    for hf_name in sorted(weights):
        gguf_name = names.get_name(hf_name, try_suffixes=(".weight", ".bias"))
        if gguf_name is None:
            raise ConversionError(f"no GGUF name for tensor {hf_name}")
        data = weights[hf_name]
        # Like llama.cpp's converter for f16: matrices in float16, vectors (the norms) in float32.
        writer.add_tensor(gguf_name, data.astype(np.float16 if data.ndim > 1 else np.float32))


def write_gguf(model_dir: Path, out: Path) -> Path:
    """Convert ``model_dir`` to the GGUF file ``out`` (replaced); return ``out``."""
    import gguf

    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    tokenizer = json.loads((model_dir / "tokenizer.json").read_text(encoding="utf-8"))
    settings = json.loads((model_dir / "tokenizer_config.json").read_text(encoding="utf-8"))
    if config.get("model_type") != "qwen3" or not config.get("tie_word_embeddings"):
        raise ConversionError("only a qwen3 model with tied embeddings is supported")
    check_qwen2_pretokenizer(tokenizer)  # before anything is written
    partial = out.with_name(out.name + ".partial")
    writer = gguf.GGUFWriter(str(partial), "qwen3")
    write_header(writer, config)
    write_tokenizer(writer, tokenizer, settings, int(config["vocab_size"]))
    write_tensors(writer, model_dir, int(config["num_hidden_layers"]))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    partial.replace(out)
    return out
