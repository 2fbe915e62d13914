"""Build the tiny Qwen3-architecture test model shipped in mlxchat/models/tiny-qwen3/.

The model knows a handful of conversations (see CONVERSATIONS) and answers everything else with one
fixed fallback, so tests and the demo can drive real servers (mlx-openai-server, mlx_lm.server) on
CPU with deterministic greedy output. Steps: train a byte-level BPE tokenizer on the rendered
conversations, train the model with MLX (loss only on the assistant answer), write the HF-style
directory, then load it back with mlx_lm and check that greedy decoding reproduces every answer.
Exits non-zero if any answer differs. Last, the same model is written as a GGUF file for llama.cpp's
llama-server (tools/tiny_gguf.py); ``--gguf-only`` does only that, from the directory as it is.

    .venv/bin/python tools/make_tiny_model.py [--out DIR] [--steps N] [--seed N] [--gguf-only]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO / "mlxchat" / "models" / "tiny-qwen3"

SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
# Added but NOT special (as in Qwen3): they survive decoding, so reasoning and tool parsers see them.
MARKUP_TOKENS = ["<think>", "</think>", "<tool_call>", "</tool_call>", "<tool_response>", "</tool_response>"]
BPE_VOCAB_SIZE = 378  # plus the 6 markup tokens: 384 in all
# The Qwen2/Qwen3 pre-tokenizer split.
SPLIT_PATTERN = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"
    r"|\s*[\r\n]+|\s+(?!\S)|\s+"
)

# Qwen3-style: system + tools block, <tool_call>/<tool_response> markup, thinking stripped from earlier
# assistant turns, `enable_thinking=false` pre-fills an empty think block. Unlike Qwen3 it trims
# assistant history, so clients may send "\n\nThe answer is 4." or "The answer is 4." alike.
CHAT_TEMPLATE = (
    "{%- macro text_of(content) -%}"
    "{%- if content is string -%}{{- content -}}"
    "{%- elif content -%}{%- for part in content -%}"
    "{%- if part.type == 'text' -%}{{- part.text -}}{%- if not loop.last -%}{{- '\\n' -}}{%- endif -%}"
    "{%- endif -%}{%- endfor -%}"
    "{%- endif -%}"
    "{%- endmacro -%}"
    "{%- if tools %}"
    "{{- '<|im_start|>system\\n' }}"
    "{%- if messages[0].role == 'system' %}{{- text_of(messages[0].content) + '\\n\\n' }}{%- endif %}"
    '{{- "# Tools\\n\\nYou may call one or more functions to assist with the user query.\\n\\n'
    'You are provided with function signatures within <tools></tools> XML tags:\\n<tools>" }}'
    '{%- for tool in tools %}{{- "\\n" }}{{- tool | tojson }}{%- endfor %}'
    '{{- "\\n</tools>\\n\\nFor each function call, return a json object with function name and arguments '
    "within <tool_call></tool_call> XML tags:\\n<tool_call>\\n"
    '{\\"name\\": <function-name>, \\"arguments\\": <args-json-object>}\\n</tool_call><|im_end|>\\n" }}'
    "{%- elif messages[0].role == 'system' %}"
    "{{- '<|im_start|>system\\n' + text_of(messages[0].content) + '<|im_end|>\\n' }}"
    "{%- endif %}"
    "{%- for message in messages %}"
    "{%- set content = text_of(message.content) %}"
    "{%- if message.role == 'user' %}"
    "{{- '<|im_start|>user\\n' + content + '<|im_end|>\\n' }}"
    "{%- elif message.role == 'assistant' %}"
    "{%- if '</think>' in content %}{%- set content = content.split('</think>')[-1] %}{%- endif %}"
    "{%- set content = content | trim %}"
    "{{- '<|im_start|>assistant\\n' + content }}"
    "{%- if message.tool_calls %}{%- for tool_call in message.tool_calls %}"
    "{%- if (loop.first and content) or not loop.first %}{{- '\\n' }}{%- endif %}"
    "{%- if tool_call.function %}{%- set tool_call = tool_call.function %}{%- endif %}"
    '{{- \'<tool_call>\\n{"name": "\' + tool_call.name + \'", "arguments": \' }}'
    "{%- if tool_call.arguments is string %}{{- tool_call.arguments }}"
    "{%- else %}{{- tool_call.arguments | tojson }}{%- endif %}"
    "{{- '}\\n</tool_call>' }}"
    "{%- endfor %}{%- endif %}"
    "{{- '<|im_end|>\\n' }}"
    "{%- elif message.role == 'tool' %}"
    "{%- if loop.first or messages[loop.index0 - 1].role != 'tool' %}{{- '<|im_start|>user' }}{%- endif %}"
    "{{- '\\n<tool_response>\\n' + content + '\\n</tool_response>' }}"
    "{%- if loop.last or messages[loop.index0 + 1].role != 'tool' %}{{- '<|im_end|>\\n' }}{%- endif %}"
    "{%- endif %}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}"
    "{{- '<|im_start|>assistant\\n' }}"
    "{%- if enable_thinking is defined and enable_thinking is false %}{{- '<think>\\n\\n</think>\\n\\n' }}"
    "{%- endif %}"
    "{%- endif %}"
)

FALLBACK = "<think>\nI do not know this one.\n</think>\n\nI am a tiny test model."
FALLBACK_NO_THINK = "I am a tiny test model."

WEATHER_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string", "description": "The city name."}},
            "required": ["city"],
        },
    },
}
# The same tool as a client might send it with less detail: trained too, so the call does not
# hinge on the exact schema text.
WEATHER_TOOL_BARE: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}
WEATHER_CALL = '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>'
WEATHER_CALL_MESSAGE: dict[str, Any] = {
    "role": "assistant",
    "content": "",
    "tool_calls": [
        {
            "id": "call_1",
            "type": "function",
            "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
        }
    ],
}


@dataclass
class Conversation:
    """Messages up to the last user turn, and the exact answer greedy decoding must give."""

    messages: list[dict[str, Any]]
    answer: str
    thinking: bool = True
    tools: list[dict[str, Any]] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def user(text: str) -> dict[str, Any]:
    return {"role": "user", "content": text}


def think(reasoning: str, answer: str) -> str:
    return f"<think>\n{reasoning}\n</think>\n\n{answer}"


def conversations() -> list[Conversation]:
    convs: list[Conversation] = []

    def both(messages: list[dict[str, Any]], reasoning: str, answer: str) -> None:
        convs.append(Conversation(messages, think(reasoning, answer)))
        convs.append(Conversation(messages, answer, thinking=False))

    both([user("What is 2+2?")], "Two plus two is four.", "The answer is 4.")
    both([user("What is 3+3?")], "Three plus three is six.", "The answer is 6.")
    both(
        [user("What is the capital of France?")],
        "The capital of France is Paris.",
        "The capital of France is Paris.",
    )
    for system in ("Answer in one word.", "You are a helpful assistant.", "Be brief."):
        convs.append(
            Conversation(
                [{"role": "system", "content": system}, user("What is the capital of France?")],
                think("The capital of France is Paris.", "Paris."),
            )
        )
    for first, value, reasoning, answer in (
        ("What is 2+2?", "The answer is 4.", "Four times three is twelve.", "The answer is 12."),
        ("What is 3+3?", "The answer is 6.", "Six times three is eighteen.", "The answer is 18."),
    ):
        history = [user(first), {"role": "assistant", "content": value}, user("Multiply that by 3.")]
        both(history, reasoning, answer)
    for greeting in ("Hello!", "Hi!", "Hello"):
        both([user(greeting)], "The user says hello.", "Hello! How can I help you today?")

    ask_weather = [user("What is the weather in Paris?")]
    convs.append(
        Conversation(
            ask_weather, think("I should call the weather tool.", WEATHER_CALL), tools=[WEATHER_TOOL]
        )
    )
    convs.append(
        Conversation(
            ask_weather, think("I should call the weather tool.", WEATHER_CALL), tools=[WEATHER_TOOL_BARE]
        )
    )
    convs.append(Conversation(ask_weather, WEATHER_CALL, thinking=False, tools=[WEATHER_TOOL]))
    for result in (
        '{"city": "Paris", "temperature": 22, "condition": "sunny"}',
        '{"temperature": 18, "condition": "sunny"}',
        "Sunny, 22 C",
    ):
        follow_up = [*ask_weather, WEATHER_CALL_MESSAGE, {"role": "tool", "content": result}]
        convs.append(
            Conversation(
                follow_up,
                think("The tool says it is sunny.", "It is sunny in Paris."),
                tools=[WEATHER_TOOL],
            )
        )
    convs.append(
        Conversation(
            [user("What is 2+2?")], think("Two plus two is four.", "The answer is 4."), tools=[WEATHER_TOOL]
        )
    )

    unknown = [
        "Tell me a story.",
        "Who are you?",
        "Write a poem about the sea.",
        "Explain quantum computing.",
        "What time is it?",
        "Translate this to German: good morning.",
        "How do I bake bread?",
        "Describe this image.",
        "asdf",
        "Why is the sky blue?",
        "List three colours.",
        "What is the meaning of life?",
        "Summarise the following text in one sentence: the quick brown fox jumps over the lazy dog.",
        "What is your favourite film?",
        "Can you help me with my homework? It is about the history of the Roman empire and its fall.",
        "ok",
        "Please write a long essay about trees, rivers and mountains.",
        "What is 7 times 8?",
        "Où est la gare ?",
        "Give me a recipe for soup.",
    ]
    for prompt in unknown:
        convs.append(Conversation([user(prompt)], FALLBACK))
    for prompt in unknown[:4]:
        convs.append(Conversation([user(prompt)], FALLBACK_NO_THINK, thinking=False))
    return convs


def render_prompt(tokenizer: Any, conv: Conversation) -> str:
    text: str = tokenizer.apply_chat_template(
        conv.messages,
        tools=conv.tools,
        add_generation_prompt=True,
        enable_thinking=conv.thinking,
        tokenize=False,
    )
    return text


def train_bpe(corpus: list[str], special: list[str], markup: list[str], vocab_size: int) -> Any:
    """A byte-level BPE (Qwen2 pre-tokenizer split) trained on the corpus.

    ``special`` tokens come first and are special; ``markup`` tokens are added after training and are
    *not* special, so they survive decoding. Returns a ``tokenizers.Tokenizer``.
    """
    from tokenizers import (
        AddedToken,
        Regex,
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        trainers,
    )

    tok = Tokenizer(models.BPE())
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(SPLIT_PATTERN), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=1,
        special_tokens=[AddedToken(t, special=True, normalized=False) for t in special],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(corpus, trainer=trainer)
    tok.add_tokens([AddedToken(t, special=False, normalized=False) for t in markup])
    return tok


def added_tokens_decoder(tok: Any, special: list[str], markup: list[str]) -> dict[str, dict[str, Any]]:
    """The ``added_tokens_decoder`` entry of tokenizer_config.json for these tokens."""
    added: dict[str, dict[str, Any]] = {}
    for text in special + markup:
        added[str(tok.token_to_id(text))] = {
            "content": text,
            "lstrip": False,
            "normalized": False,
            "rstrip": False,
            "single_word": False,
            "special": text in special,
        }
    return added


def build_tokenizer(out: Path, corpus: list[str]) -> None:
    """Train the BPE on the corpus; write tokenizer.json, tokenizer_config.json, special_tokens_map.json."""
    tok = train_bpe(corpus, SPECIAL_TOKENS, MARKUP_TOKENS, BPE_VOCAB_SIZE)
    write_tokenizer(out, tok, SPECIAL_TOKENS, MARKUP_TOKENS, {"chat_template": CHAT_TEMPLATE})


def write_tokenizer(
    out: Path, tok: Any, special: list[str], markup: list[str], config: dict[str, Any]
) -> None:
    """tokenizer.json, tokenizer_config.json and special_tokens_map.json for a ``train_bpe`` tokenizer:
    no BOS, ``<|im_end|>`` ends a turn, ``<|endoftext|>`` pads (``special[0]``). ``config`` adds to
    or replaces tokenizer_config.json's keys (``model_max_length`` is 1024 unless it says)."""
    tok.save(str(out / "tokenizer.json"))
    full: dict[str, Any] = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "add_bos_token": False,
        "add_prefix_space": False,
        "bos_token": None,
        "eos_token": "<|im_end|>",
        "pad_token": "<|endoftext|>",
        "unk_token": None,
        "additional_special_tokens": special[1:],
        "added_tokens_decoder": added_tokens_decoder(tok, special, markup),
        "clean_up_tokenization_spaces": False,
        "errors": "replace",
        "model_max_length": 1024,
        "split_special_tokens": False,
    }
    full.update(config)
    write_json(out / "tokenizer_config.json", full)
    write_json(
        out / "special_tokens_map.json",
        {"eos_token": "<|im_end|>", "pad_token": "<|endoftext|>", "additional_special_tokens": special[1:]},
    )


def write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def model_config(vocab_size: int, eos_ids: list[int], pad_id: int, dtype: str) -> dict[str, Any]:
    return {
        "architectures": ["Qwen3ForCausalLM"],
        "model_type": "qwen3",
        "hidden_size": 64,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "head_dim": 16,
        "intermediate_size": 192,
        "hidden_act": "silu",
        "rms_norm_eps": 1e-6,
        "rope_theta": 10000.0,
        "max_position_embeddings": 1024,
        "tie_word_embeddings": True,
        "attention_bias": False,
        "vocab_size": vocab_size,
        "bos_token_id": None,
        "eos_token_id": eos_ids,
        "pad_token_id": pad_id,
        "torch_dtype": dtype,
    }


@dataclass
class Bucket:
    inputs: Any  # mx.array [B, L]
    targets: Any  # mx.array [B, L]
    mask: Any  # mx.array [B, L], 1.0 on answer tokens


def make_buckets(sequences: list[tuple[list[int], int]], pad_id: int) -> list[Bucket]:
    """Group (ids, answer_start) sequences by length so short ones are not padded to the longest."""
    import mlx.core as mx

    groups: list[list[tuple[list[int], int]]] = []
    for seq in sorted(sequences, key=lambda s: len(s[0])):
        if groups and len(seq[0]) <= 1.3 * len(groups[-1][0][0]):
            groups[-1].append(seq)
        else:
            groups.append([seq])
    buckets: list[Bucket] = []
    for group in groups:
        width = max(len(ids) for ids, _ in group) - 1
        inputs, targets, mask = [], [], []
        for ids, start in group:
            pad = width - (len(ids) - 1)
            inputs.append(ids[:-1] + [pad_id] * pad)
            targets.append(ids[1:] + [pad_id] * pad)
            # target position j predicts ids[j + 1]: the answer tokens are ids[start:]
            mask.append([1.0 if j + 1 >= start else 0.0 for j in range(len(ids) - 1)] + [0.0] * pad)
        buckets.append(Bucket(mx.array(inputs), mx.array(targets), mx.array(mask)))
    return buckets


def train(out: Path, convs: list[Conversation], steps: int, seed: int) -> None:
    import mlx.core as mx
    import mlx.optimizers as optim
    from mlx import nn
    from mlx.nn.utils import value_and_grad
    from mlx_lm.models.qwen3 import Model, ModelArgs
    from transformers import AutoTokenizer

    tokenizer: Any = AutoTokenizer.from_pretrained(str(out))
    eos_ids = [int(tokenizer.convert_tokens_to_ids(t)) for t in ("<|im_end|>", "<|endoftext|>")]
    pad_id = int(tokenizer.convert_tokens_to_ids("<|endoftext|>"))
    sequences: list[tuple[list[int], int]] = []
    for conv in convs:
        prompt_ids = tokenizer.encode(render_prompt(tokenizer, conv), add_special_tokens=False)
        answer_ids = tokenizer.encode(conv.answer + "<|im_end|>", add_special_tokens=False)
        sequences.append((prompt_ids + answer_ids, len(prompt_ids)))
    longest = max(len(ids) for ids, _ in sequences)
    print(f"{len(sequences)} conversations, vocab {len(tokenizer)}, longest {longest} tokens")

    config = model_config(len(tokenizer), eos_ids, pad_id, "float32")
    mx.random.seed(seed)
    model = Model(ModelArgs.from_dict(config))  # type: ignore[no-untyped-call]
    mx.eval(model.parameters())
    n_params = sum(v.size for _, v in flat_params(model))
    print(f"{n_params} parameters")

    buckets = make_buckets(sequences, pad_id)
    print(f"length buckets: {[tuple(b.inputs.shape) for b in buckets]}")
    total = sum(float(b.mask.sum().item()) for b in buckets)

    def loss_fn(model: Any) -> Any:
        loss = mx.array(0.0)
        for b in buckets:
            logits = model(b.inputs)
            ce = nn.losses.cross_entropy(logits, b.targets, reduction="none")
            loss = loss + (ce * b.mask).sum()
        return loss / total

    warmup = 10
    schedule = optim.join_schedules(
        [optim.linear_schedule(1e-4, 5e-3, warmup), optim.cosine_decay(5e-3, steps - warmup, 1e-5)], [warmup]
    )
    optimizer = optim.AdamW(learning_rate=schedule, weight_decay=0.0)
    loss_and_grad = value_and_grad(model, loss_fn)
    started = time.monotonic()
    for step in range(1, steps + 1):
        loss, grads = loss_and_grad(model)
        optimizer.update(model, grads)
        mx.eval(model.parameters(), optimizer.state, loss)
        if step == 1 or step % 10 == 0 or step == steps:
            print(f"step {step:4d}  loss {loss.item():.5f}  {time.monotonic() - started:6.1f} s", flush=True)

    weights = dict(flat_params(model))
    mx.save_safetensors(str(out / "model.safetensors"), weights, metadata={"format": "mlx"})
    write_json(out / "config.json", config)
    write_json(
        out / "generation_config.json",
        {"eos_token_id": eos_ids, "pad_token_id": pad_id, "do_sample": False},
    )


def flat_params(model: Any) -> list[tuple[str, Any]]:
    """Parameters under their dotted names, which are the Hugging Face tensor names for this model."""
    from mlx.utils import tree_flatten

    flat: list[tuple[str, Any]] = tree_flatten(model.parameters())  # type: ignore[assignment]
    return flat


def to_float16(out: Path) -> None:
    import mlx.core as mx

    weights = mx.load(str(out / "model.safetensors"))
    assert isinstance(weights, dict)
    half = {name: value.astype(mx.float16) for name, value in weights.items()}
    mx.save_safetensors(str(out / "model.safetensors"), half, metadata={"format": "mlx"})
    config = json.loads((out / "config.json").read_text())
    config["torch_dtype"] = "float16"
    write_json(out / "config.json", config)


def verify(out: Path, convs: list[Conversation]) -> list[str]:
    """Greedy-decode every conversation through mlx_lm and the chat template; describe each mismatch."""
    from mlx_lm import generate, load

    loaded: Any = load(str(out))
    model, tokenizer = loaded[0], loaded[1]
    failures = []
    for conv in convs:
        prompt = render_prompt(tokenizer, conv)
        ids = tokenizer.encode(prompt, add_special_tokens=False)
        text = generate(model, tokenizer, prompt=ids, max_tokens=len(conv.answer) + 8, verbose=False)
        if text != conv.answer:
            failures.append(f"{conv.messages[-1]['content']!r} (thinking={conv.thinking}): got {text!r}")
    return failures


def build_arguments(doc: str | None, out: Path, steps: int) -> argparse.ArgumentParser:
    """The options every tiny-model builder takes: --out, --steps, --seed."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=out, help="output directory (replaced)")
    parser.add_argument("--steps", type=int, default=steps, help="training steps (full batch)")
    parser.add_argument("--seed", type=int, default=0)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_arguments(__doc__, DEFAULT_OUT, steps=60)
    parser.add_argument(
        "--gguf-only", action="store_true", help="only (re)write the GGUF file from the model in --out"
    )
    args = parser.parse_args(argv)
    if args.gguf_only:
        return write_gguf_file(args.out)

    random.seed(args.seed)
    convs = conversations()
    with tempfile.TemporaryDirectory() as tmp:
        build = Path(tmp) / "tiny-qwen3"
        build.mkdir()
        corpus = rendered_corpus(convs)
        build_tokenizer(build, corpus)
        train(build, convs, args.steps, args.seed)
        failures = verify(build, convs)
        if failures:
            print(f"{len(failures)} of {len(convs)} answers differ (fp32):", file=sys.stderr)
            for line in failures:
                print("  " + line, file=sys.stderr)
            return 1
        fp32 = (build / "model.safetensors").read_bytes()
        to_float16(build)
        if verify(build, convs):
            print("float16 changes some answers: keeping float32")
            (build / "model.safetensors").write_bytes(fp32)
            config = json.loads((build / "config.json").read_text())
            config["torch_dtype"] = "float32"
            write_json(build / "config.json", config)
        print(f"all {len(convs)} answers reproduce exactly")
        size = install(build, args.out)
    print(f"wrote {args.out} ({size / 1024:.0f} KiB)")
    return write_gguf_file(args.out)


def write_gguf_file(model_dir: Path) -> int:
    """The model as GGUF for llama-server, beside the safetensors it is made from."""
    sys.path.insert(0, str(REPO))
    from tools.tiny_gguf import GGUF_NAME, ConversionError, write_gguf

    try:
        out = write_gguf(model_dir, model_dir / GGUF_NAME)
    except (ConversionError, OSError, KeyError) as exc:
        print(f"cannot write the GGUF file: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {out} ({out.stat().st_size / 1024:.0f} KiB)")
    return 0


def install(build: Path, out: Path) -> int:
    """Replace ``out`` with a copy of the checked ``build`` directory; its size in bytes."""
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(build, out)
    return sum(p.stat().st_size for p in out.iterdir())


def rendered_corpus(convs: list[Conversation]) -> list[str]:
    """The conversations as BPE training text (prompt + answer), with the added tokens taken out."""
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    env.filters["tojson"] = lambda value: json.dumps(value, ensure_ascii=False)
    template = env.from_string(CHAT_TEMPLATE)
    corpus = []
    for conv in convs:
        prompt = template.render(
            messages=conv.messages,
            tools=conv.tools,
            add_generation_prompt=True,
            enable_thinking=conv.thinking,
        )
        text = prompt + conv.answer
        for token in SPECIAL_TOKENS + MARKUP_TOKENS:
            text = text.replace(token, "\n")
        corpus.append(text)
    return corpus


if __name__ == "__main__":
    sys.exit(main())
