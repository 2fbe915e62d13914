"""What the tiny vision model is taught: the pictures, the questions, the answers, and how a prompt
is rendered (exactly as ``python -m mlx_vlm.server`` renders it for a request with one image).

Pictures: solid colours (six names, three shades each, as JPEG and PNG) answer their colour
name; pictures whose one half (top, bottom, left or right) is red and the other half white, black
or two other colours answer the red side. The server squeezes every picture to one 28x28 tile, so
the size and aspect ratio only matter through resampling and JPEG noise; each quadrant of a picture
is exactly one 14x14 patch.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path
from typing import Any

COLOURS: dict[str, tuple[tuple[int, int, int], ...]] = {
    "red": ((255, 0, 0), (220, 30, 30), (170, 20, 35)),
    "green": ((0, 200, 0), (30, 150, 50), (90, 220, 100)),
    "blue": ((0, 0, 255), (30, 60, 200), (20, 30, 130)),
    "yellow": ((255, 255, 0), (240, 210, 40), (220, 200, 90)),
    "white": ((255, 255, 255), (240, 240, 240), (225, 228, 232)),
    "black": ((0, 0, 0), (25, 25, 25), (45, 40, 50)),
}
COLOUR_PROMPTS = ("What colour is this?", "What color is this?", "What colour is the image?", "")
SIDES = ("top", "bottom", "left", "right")
SIDE_PROMPTS = ("Which side is red?", "Where is the red part?", "Which side of the picture is red?")
# The two quadrants that are not red (in reading order).
SIDE_OTHERS: tuple[tuple[str, str], ...] = (
    ("white", "white"),
    ("black", "black"),
    ("blue", "green"),
    ("green", "yellow"),
    ("yellow", "blue"),
)
# The quadrants (top left, top right, bottom left, bottom right) of each side.
SIDE_QUADRANTS = {"top": (0, 1), "bottom": (2, 3), "left": (0, 2), "right": (1, 3)}
# (format, width, height): landscape and portrait
COLOUR_VARIANTS = (("JPEG", 640, 480), ("PNG", 480, 640))
SIDE_VARIANTS = (("JPEG", 640, 480), ("PNG", 480, 640))
MAX_ANSWER_TOKENS = 40


def colour_answer(name: str) -> str:
    return f"<think>\nThe image is {name}.\n</think>\n\n{name}"


def side_answer(side: str) -> str:
    return f"<think>\nThe red part is at the {side}.\n</think>\n\n{side}"


@dataclass(frozen=True)
class Picture:
    """A picture to draw: a solid colour, or quadrants (top left, top right, bottom left, bottom right)."""

    stem: str
    quadrants: tuple[tuple[int, int, int], ...]  # one colour = solid
    fmt: str
    width: int
    height: int

    @property
    def filename(self) -> str:
        return f"{self.stem}.{'jpg' if self.fmt == 'JPEG' else 'png'}"

    def draw(self, path: Path) -> None:
        from PIL import Image

        image = Image.new("RGB", (self.width, self.height), self.quadrants[0])
        if len(self.quadrants) == 4:
            half_w, half_h = self.width // 2, self.height // 2
            for index, colour in enumerate(self.quadrants):
                left, top = (index % 2) * half_w, (index // 2) * half_h
                image.paste(colour, (left, top, left + half_w, top + half_h))
        image.save(path, self.fmt, **({"quality": 90} if self.fmt == "JPEG" else {}))


@dataclass(frozen=True)
class Example:
    picture: Picture
    prompt: str
    answer: str


def side_colours(side: str, others: tuple[str, str]) -> tuple[tuple[int, int, int], ...]:
    colours: list[tuple[int, int, int]] = [COLOURS["red"][0]] * 4
    rest = [index for index in range(4) if index not in SIDE_QUADRANTS[side]]
    for index, name in zip(rest, others, strict=True):
        colours[index] = COLOURS[name][0]
    return tuple(colours)


def pictures() -> list[tuple[Picture, str, tuple[str, ...]]]:
    """Every training picture with its answer and the prompts asked about it."""
    out: list[tuple[Picture, str, tuple[str, ...]]] = []
    for name, shades in COLOURS.items():
        for shade_index, shade in enumerate(shades):
            for fmt, width, height in COLOUR_VARIANTS:
                picture = Picture(f"{name}-{shade_index}-{width}x{height}", (shade,), fmt, width, height)
                out.append((picture, colour_answer(name), COLOUR_PROMPTS))
    for side in SIDES:
        for others_index, others in enumerate(SIDE_OTHERS):
            for fmt, width, height in SIDE_VARIANTS:
                stem = f"side-{side}-{others_index}-{width}x{height}"
                picture = Picture(stem, side_colours(side, others), fmt, width, height)
                out.append((picture, side_answer(side), SIDE_PROMPTS))
    return out


def examples() -> list[Example]:
    return [Example(picture, prompt, answer) for picture, answer, prompts in pictures() for prompt in prompts]


def draw_all(examples_: list[Example], folder: Path) -> None:
    for picture in {example.picture for example in examples_}:
        picture.draw(folder / picture.filename)


def rendered_prompts(examples_: list[Example]) -> list[tuple[str, str]]:
    """Prompt and answer texts for training the BPE (before a processor exists to render them)."""
    return [(f"User: \n{e.prompt}\nAssistant:\n", e.answer) for e in examples_]


def data_url(path: Path) -> str:
    mime = "image/jpeg" if path.suffix == ".jpg" else "image/png"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def request_body(model: str, example: Example, folder: Path) -> dict[str, Any]:
    """The chat request a client sends for this example (one user message: the image, then the text)."""
    content: list[dict[str, Any]] = [
        {"type": "image_url", "image_url": {"url": data_url(folder / example.picture.filename)}}
    ]
    if example.prompt:
        content.append({"type": "text", "text": example.prompt})
    return {
        "model": model,
        "messages": [{"role": "user", "content": content}],
        "temperature": 0.0,
        "max_tokens": MAX_ANSWER_TOKENS,
    }


def render(processor: Any, config: Any, model: str, example: Example, folder: Path) -> tuple[str, Any]:
    """The prompt text and template arguments mlx_vlm.server builds from ``request_body``.

    The server's request model supplies its template arguments; its message handling keeps the last
    text part and the last image of each user message; ``apply_chat_template`` renders them.
    """
    from mlx_vlm.prompt_utils import apply_chat_template
    from mlx_vlm.server import ChatRequest

    request = ChatRequest(**request_body(model, example, folder))
    template_kwargs = request.template_kwargs()
    messages = [{"role": "user", "content": example.prompt}]
    prompt = apply_chat_template(
        processor, config, messages, num_images=1, num_audios=0, tools=None, **template_kwargs
    )
    return str(prompt), template_kwargs


def config_object(config: dict[str, Any]) -> Any:
    """The model config object, built the way mlx-vlm's loader builds it (sub-configs included)."""
    from mlx_vlm.models import internvl_chat
    from mlx_vlm.utils import update_module_configs

    model_config = internvl_chat.ModelConfig.from_dict(config)
    return update_module_configs(model_config, internvl_chat, dict(config), ["text", "vision"])


def server_inputs(model_dir: Path, examples_: list[Example], folder: Path) -> list[tuple[list[int], Any]]:
    """(prompt token ids, pixel values) of each example, through the server's processor and inputs."""
    from mlx_vlm.utils import load_config, load_processor, prepare_inputs

    config = config_object(load_config(model_dir))
    processor = load_processor(model_dir, add_detokenizer=False)
    out = []
    for example in examples_:
        prompt, _ = render(processor, config, str(model_dir), example, folder)
        inputs = prepare_inputs(
            processor,
            images=[data_url(folder / example.picture.filename)],
            audio=[],
            prompts=prompt,
            image_token_index=config.image_token_index,
            resize_shape=None,
            add_special_tokens=True,
        )
        ids = inputs["input_ids"]
        out.append(([int(i) for i in ids[0].tolist()], inputs["pixel_values"][0]))
    return out
