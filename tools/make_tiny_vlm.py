"""Build the tiny vision-language test model shipped in mlxchat/models/tiny-vlm/.

An InternVL-chat model (mlx-vlm's ``internvl_chat``: a one-layer ViT, a two-layer Qwen2 text model)
of about 138 000 parameters that answers what colour a picture is, or which side (top, bottom,
left, right) of a picture is red, with its reasoning first
(``<think>\\nThe image is red.\\n</think>\\n\\nred``). Tests use it to prove that an image sent
through mlxchat and a real server reaches the model.

Steps: draw the training pictures (solid colours in several shades, sizes, JPEG and PNG; pictures
red on one side), render every prompt through the code ``python -m mlx_vlm.server`` runs for a
request (its template arguments, ``mlx_vlm.prompt_utils.apply_chat_template``, the processor),
train with MLX on the answer tokens only, write the directory, then check greedy decoding
in-process and through a real ``mlx_vlm.server``. Exits non-zero if any answer differs.

    .venv/bin/python -m tools.make_tiny_vlm [--out DIR] [--steps N] [--seed N] [--skip-server-check]
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from tools.make_tiny_model import (
    build_arguments,
    flat_params,
    install,
    train_bpe,
    write_json,
    write_tokenizer,
)
from tools.tiny_vlm_data import Example, config_object, examples, rendered_prompts
from tools.tiny_vlm_verify import verify_in_process, verify_through_server

REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO / "mlxchat" / "models" / "tiny-vlm"

SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<img>", "</img>", "<IMG_CONTEXT>"]
# Added but NOT special, as in Qwen3: they survive decoding, so reasoning splitters see them.
MARKUP_TOKENS = ["<think>", "</think>"]
BPE_VOCAB_SIZE = 380  # more than the corpus has merges for: every merge is learnt
TILE = 28  # one 28x28 tile = 2x2 patches of 14; pixel shuffle 0.5 makes them ONE image token
PATCH = 14
PEAK_LR = 5e-3  # AdamW, 10 warm-up steps, then cosine decay
SIDE_WEIGHT = 3.0  # reading where red is takes more than reading a colour: those answers count more


def model_config(vocab_size: int, image_token: int, eos_ids: list[int]) -> dict[str, Any]:
    text = {
        "model_type": "qwen2",
        "hidden_size": 64,
        "num_hidden_layers": 2,
        "intermediate_size": 128,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "rms_norm_eps": 1e-6,
        "vocab_size": vocab_size,
        "max_position_embeddings": 512,
        "rope_theta": 10000.0,
        "tie_word_embeddings": True,
        "attention_bias": True,
    }
    vision = {
        "model_type": "intern_vit_6b",
        "hidden_size": 32,
        "num_attention_heads": 2,
        "patch_size": PATCH,
        "num_hidden_layers": 1,
        "intermediate_size": 64,
        "image_size": TILE,
        "qkv_bias": True,
        "norm_type": "layer_norm",
        "drop_path_rate": 0.0,
    }
    return {
        "architectures": ["InternVLChatModel"],
        "model_type": "internvl_chat",
        "downsample_ratio": 0.5,
        "force_image_size": TILE,
        "max_dynamic_patch": 1,
        "min_dynamic_patch": 1,
        "use_thumbnail": False,
        "image_token_index": image_token,
        "eos_token_id": eos_ids,
        "vocab_size": vocab_size,
        "torch_dtype": "float32",
        "text_config": text,
        "vision_config": vision,
    }


def build_tokenizer(out: Path, corpus: list[str]) -> Any:
    tok = train_bpe(corpus, SPECIAL_TOKENS, MARKUP_TOKENS, BPE_VOCAB_SIZE)
    # No chat template: mlx-vlm's InternVL processor renders prompts with its own.
    write_tokenizer(out, tok, SPECIAL_TOKENS, MARKUP_TOKENS, {"model_max_length": 512})
    return tok


def write_model_files(out: Path, tok: Any) -> dict[str, Any]:
    """config.json and the processor files mlx-vlm's InternVL loader reads (everything but weights)."""
    eos_ids = [int(tok.token_to_id(t)) for t in ("<|im_end|>", "<|endoftext|>")]
    config = model_config(tok.get_vocab_size(), int(tok.token_to_id("<IMG_CONTEXT>")), eos_ids)
    write_json(out / "config.json", config)
    write_json(
        out / "generation_config.json",
        {"eos_token_id": eos_ids, "pad_token_id": eos_ids[1], "do_sample": False},
    )
    write_json(
        out / "preprocessor_config.json",
        {"image_processor_type": "InternVLImageProcessor", "processor_class": "InternVLChatProcessor"},
    )
    write_json(
        out / "processor_config.json",
        {
            "processor_class": "InternVLChatProcessor",
            "image_size": TILE,
            "patch_size": PATCH,
            "downsample_ratio": 0.5,
        },
    )
    return config


@dataclass
class Batch:
    input_ids: Any  # mx.array [B, L], right-padded
    targets: Any  # mx.array [B, L]: input_ids shifted by one
    pixel_values: Any  # mx.array [B, 3, 28, 28]
    image_mask: Any  # mx.array [B, L] bool, True at the image token
    loss_mask: Any  # mx.array [B, L]: the weight of each answer token, 0.0 elsewhere


def make_batches(examples_: list[Example], inputs: list[tuple[list[int], Any]], tok: Any) -> list[Batch]:
    """Prompt ids + answer ids per example, grouped by length (short ones are not padded to the
    longest) and padded on the right, which causal attention never sees."""
    pad = int(tok.token_to_id("<|endoftext|>"))
    rows: list[tuple[list[int], int, Any, float]] = []
    for example, (prompt_ids, pixels) in zip(examples_, inputs, strict=True):
        answer_ids = tok.encode(example.answer + "<|im_end|>", add_special_tokens=False).ids
        weight = SIDE_WEIGHT if example.picture.stem.startswith("side") else 1.0
        rows.append((prompt_ids + answer_ids, len(prompt_ids), pixels, weight))
    groups: list[list[tuple[list[int], int, Any, float]]] = []
    for row in sorted(rows, key=lambda r: len(r[0])):
        if groups and len(row[0]) <= 1.25 * len(groups[-1][0][0]):
            groups[-1].append(row)
        else:
            groups.append([row])
    return [padded_batch(group, pad, int(tok.token_to_id("<IMG_CONTEXT>"))) for group in groups]


def padded_batch(rows: list[tuple[list[int], int, Any, float]], pad: int, image_token: int) -> Batch:
    import mlx.core as mx

    width = max(len(ids) for ids, _, _, _ in rows) - 1
    ids_in, targets, loss_mask = [], [], []
    for ids, start, _, weight in rows:
        fill = width - (len(ids) - 1)
        ids_in.append(ids[:-1] + [pad] * fill)
        targets.append(ids[1:] + [pad] * fill)
        # target position j predicts ids[j + 1]: the answer tokens are ids[start:]
        loss_mask.append([weight if j + 1 >= start else 0.0 for j in range(len(ids) - 1)] + [0.0] * fill)
    input_ids = mx.array(ids_in)
    return Batch(
        input_ids=input_ids,
        targets=mx.array(targets),
        pixel_values=mx.concatenate([pixels for _, _, pixels, _ in rows], axis=0),
        image_mask=input_ids == image_token,
        loss_mask=mx.array(loss_mask),
    )


def forward(model: Any, batch: Batch) -> Any:
    """The model's own image-embedding path (vision, pixel shuffle, projector), batched for training."""
    import mlx.core as mx
    from mlx_vlm.models.base import pixel_shuffle

    hidden, _, _ = model.vision_model(batch.pixel_values.transpose(0, 2, 3, 1), output_hidden_states=True)
    features = pixel_shuffle(hidden[:, 1:, :], shuffle_ratio=model.downsample_ratio)
    for layer in model.mlp1:
        features = layer(features)  # [B, 1, hidden]: one image token per picture
    embeds = model.language_model.model.embed_tokens(batch.input_ids)
    embeds = mx.where(batch.image_mask[..., None], features, embeds)
    return model.language_model(None, inputs_embeds=embeds).logits


def train(out: Path, config: dict[str, Any], batches: list[Batch], steps: int, seed: int) -> None:
    import mlx.core as mx
    import mlx.optimizers as optim
    from mlx import nn
    from mlx.nn.utils import value_and_grad
    from mlx_vlm.models.internvl_chat import Model

    mx.random.seed(seed)
    model = Model(config_object(config))
    mx.eval(model.parameters())
    shapes = [tuple(b.input_ids.shape) for b in batches]
    print(f"{sum(v.size for _, v in flat_params(model))} parameters, length buckets {shapes}")
    total = sum(b.loss_mask.sum() for b in batches)

    def loss_fn(model: Any) -> Any:
        loss = mx.array(0.0)
        for b in batches:
            ce = nn.losses.cross_entropy(forward(model, b), b.targets, reduction="none")
            loss = loss + (ce * b.loss_mask).sum()
        return loss / total

    warmup = 10
    schedule = optim.join_schedules(
        [optim.linear_schedule(1e-4, PEAK_LR, warmup), optim.cosine_decay(PEAK_LR, steps - warmup, 1e-5)],
        [warmup],
    )
    optimizer = optim.AdamW(learning_rate=schedule, weight_decay=0.0)
    loss_and_grad = value_and_grad(model, loss_fn)
    state = [model.state, optimizer.state]

    @partial(mx.compile, inputs=state, outputs=state)
    def train_step() -> Any:
        loss, grads = loss_and_grad(model)
        optimizer.update(model, grads)
        return loss

    started = time.monotonic()
    for step in range(1, steps + 1):
        loss = train_step()
        mx.eval(state, loss)
        if step == 1 or step % 10 == 0 or step == steps:
            print(f"step {step:4d}  loss {loss.item():.5f}  {time.monotonic() - started:6.1f} s", flush=True)
    mx.save_safetensors(str(out / "model.safetensors"), dict(flat_params(model)), metadata={"format": "mlx"})


def build(out: Path, steps: int, seed: int, server_check: bool) -> list[str]:
    """Build into ``out``; return the answers that did not reproduce (empty = success)."""
    from tools.tiny_vlm_data import draw_all, server_inputs

    pictures = Path(tempfile.mkdtemp(prefix="tiny-vlm-pictures-"))
    try:
        examples_ = examples()
        draw_all(examples_, pictures)
        tok = build_tokenizer(out, [prompt + answer for prompt, answer in rendered_prompts(examples_)])
        config = write_model_files(out, tok)
        phase = time.monotonic()
        inputs = server_inputs(out, examples_, pictures)
        print(f"{len(examples_)} examples rendered in {time.monotonic() - phase:.0f} s", flush=True)
        train(out, config, make_batches(examples_, inputs, tok), steps, seed)
        phase = time.monotonic()
        failures = verify_in_process(out, examples_, pictures)
        print(f"checked in-process in {time.monotonic() - phase:.0f} s", flush=True)
        if failures or not server_check:
            return failures
        return verify_through_server(out, examples_, pictures)
    finally:
        shutil.rmtree(pictures, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = build_arguments(__doc__, DEFAULT_OUT, steps=240)
    parser.add_argument(
        "--skip-server-check", action="store_true", help="check in-process only, not through mlx_vlm.server"
    )
    args = parser.parse_args(argv)
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        staging = Path(tmp) / "tiny-vlm"
        staging.mkdir()
        failures = build(staging, args.steps, args.seed, not args.skip_server_check)
        if failures:
            kept = Path(tempfile.mkdtemp(prefix="tiny-vlm-failed-"))
            shutil.copytree(staging, kept, dirs_exist_ok=True)
            print(f"{len(failures)} answers differ (the build is kept in {kept}):", file=sys.stderr)
            for line in failures:
                print("  " + line, file=sys.stderr)
            return 1
        size = install(staging, args.out)
    print(f"wrote {args.out} ({size / 1024:.0f} KiB) in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
