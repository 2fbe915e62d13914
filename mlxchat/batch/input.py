"""Reading a batch's input lazily: each line becomes an Item or a BadLine, in order.

Three shapes (docs/batch.md): an OpenAI Batch request line ``{"custom_id", "method", "url",
"body"}``; the short form ``{"id", "prompt", "messages", "system", "images", ...options}``; and,
with ``--text``, a plain prompt per line. Blank lines are skipped. A line without an id gets its
line number. Nothing is held but the ids seen (mlxchat.batch.idset), so a file of any length streams.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from typing import Any, Final

import orjson

from mlxchat.batch.idset import IdSet
from mlxchat.batch.items import BadLine, Entry, Form, Item, ItemId
from mlxchat.chat.options import ChatOptions, check_message
from mlxchat.errors import UsageError

OPENAI_KEYS: Final = ("custom_id", "method", "url", "body")
SHORT_KEYS: Final = ("id", "prompt", "messages", "system", "images", "max_tokens", "temperature", "no_think")
CHAT_URLS: Final = ("/v1/chat/completions", "/chat/completions")
UTF8_BOM: Final = b"\xef\xbb\xbf"


class LineError(Exception):
    """Why a line cannot be sent; ``form`` and ``id`` say what could be read of it."""

    def __init__(self, message: str, form: Form = "short", item_id: ItemId | None = None) -> None:
        super().__init__(message)
        self.message, self.form, self.item_id = message, form, item_id


def read_entries(
    lines: Iterable[bytes], base: ChatOptions, *, text: bool = False, drop_model: bool = False
) -> Iterator[Entry]:
    """Every non-blank line of ``lines`` as an Item or a BadLine (a duplicate id is a BadLine).
    ``drop_model``: OpenAI bodies lose their ``model``, so that each profile's own is sent."""
    seen = IdSet()
    for number, line in enumerate(lines, 1):
        # A file saved "with BOM" (Windows editors): the mark is not part of line 1.
        raw = line[len(UTF8_BOM) :] if number == 1 and line.startswith(UTF8_BOM) else line
        if not raw.strip():
            continue
        try:
            item = _text_item(raw, number, base) if text else _json_item(raw, number, base, drop_model)
        except LineError as exc:
            item_id = exc.item_id if exc.item_id is not None else number
            yield BadLine(number, item_id, orjson.dumps(item_id), exc.form, f"line {number}: {exc.message}")
            continue
        if not seen.add(item.key):
            message = f"line {number}: duplicate id {item.key.decode()} (an earlier line has it)"
            yield BadLine(number, item.id, item.key, item.form, message)
            continue
        yield item


def check_all(lines: Iterable[bytes], base: ChatOptions, *, text: bool = False, show: int = 10) -> int:
    """``--strict``: read the whole input first; UsageError listing the first bad lines, if any.
    Returns how many requests the input holds."""
    bad: list[str] = []
    count = 0
    for entry in read_entries(lines, base, text=text):
        count += 1
        if isinstance(entry, BadLine):
            bad.append(entry.message)
    if bad:
        more = f" (and {len(bad) - show} more)" if len(bad) > show else ""
        raise UsageError(
            f"{len(bad)} bad line(s) in the input{more}; nothing was sent:\n  " + "\n  ".join(bad[:show]),
            hint="fix them, or leave out --strict to send the good lines and get an error result per bad one",
        )
    return count


def _text_item(raw: bytes, number: int, base: ChatOptions) -> Item:
    try:
        prompt = raw.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError:
        raise LineError("not UTF-8 text") from None
    return Item(number, number, orjson.dumps(number), "short", base.with_(prompt=prompt))


def _json_item(raw: bytes, number: int, base: ChatOptions, drop_model: bool = False) -> Item:
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise LineError(f"not valid JSON ({exc})") from None
    if not isinstance(obj, dict):
        raise LineError(f"a line must be a JSON object, not {_json_type(obj)}")
    if "body" in obj or "custom_id" in obj:
        item = _openai_item(obj, number, base)
        if drop_model and item.body is not None:
            return dataclasses.replace(item, body={k: v for k, v in item.body.items() if k != "model"})
        return item
    if "prompt" in obj or "messages" in obj:
        return _short_item(obj, number, base)
    raise LineError(
        "neither an OpenAI Batch request (custom_id, body) nor a short-form one (prompt or messages)"
    )


def _given(obj: dict[str, Any]) -> dict[str, Any]:
    """``obj`` without its null values: as in the OpenAI API, null means "not given" (the default)."""
    return {key: value for key, value in obj.items() if value is not None}


def _openai_item(line: dict[str, Any], number: int, base: ChatOptions) -> Item:
    obj = _given(line)
    custom_id = obj.get("custom_id", str(number))
    if not isinstance(custom_id, str) or not custom_id:
        # Its error line still carries it, as the string an OpenAI Batch output line must have.
        given = orjson.dumps(custom_id).decode()
        what = given if custom_id == "" else _json_type(custom_id)
        message = f"custom_id must be a non-empty string, not {what}"
        raise LineError(message, "openai", given if custom_id != "" else str(number))
    fail = _Fail("openai", custom_id)
    _no_unknown_keys(obj, OPENAI_KEYS, fail)
    if obj.get("method", "POST") != "POST":
        raise fail(f"method must be POST, not {obj['method']!r}")
    url = obj.get("url", CHAT_URLS[0])
    if url not in CHAT_URLS:
        raise fail(f"only /v1/chat/completions requests can be sent, not {url!r}")
    if not isinstance(obj.get("body"), dict):
        raise fail("body must be a JSON object (the chat completions request)")
    body = _given(obj["body"])
    _check_messages(body.get("messages"), fail, required=True)
    if body.get("n", 1) != 1:
        raise fail("n must be 1 (one answer per request)")
    if body.get("model") is not None and not isinstance(body["model"], str):
        raise fail("body.model must be a string")
    return Item(number, custom_id, orjson.dumps(custom_id), "openai", base, body)


def _short_item(line: dict[str, Any], number: int, base: ChatOptions) -> Item:
    obj = _given(line)
    item_id = obj.get("id", number)
    if isinstance(item_id, bool) or not isinstance(item_id, str | int) or item_id == "":
        raise LineError("id must be a non-empty string or an integer")
    fail = _Fail("short", item_id)
    _no_unknown_keys(obj, SHORT_KEYS, fail)
    prompt = _typed(obj, "prompt", str, "a string", fail)
    messages = _check_messages(obj.get("messages"), fail, required=False)
    if not (prompt or "").strip() and not messages:
        raise fail("nothing to send: give a prompt or messages")
    images = _images(obj.get("images"), fail)
    max_tokens = _typed(obj, "max_tokens", int, "a positive integer", fail)
    if max_tokens is not None and max_tokens < 1:
        raise fail("max_tokens must be a positive integer")
    temperature = _typed(obj, "temperature", int | float, "a number from 0 to 2", fail)
    if temperature is not None and not 0 <= temperature <= 2:
        raise fail("temperature must be a number from 0 to 2")
    no_think = _typed(obj, "no_think", bool, "true or false", fail)
    options = base.with_(
        prompt=prompt,
        messages=messages,
        system=_typed(obj, "system", str, "a string", fail) if "system" in obj else base.system,
        images=images if images is not None else base.images,
        max_tokens=max_tokens if max_tokens is not None else base.max_tokens,
        temperature=float(temperature) if temperature is not None else base.temperature,
        no_think=no_think if no_think is not None else base.no_think,
    )
    return Item(number, item_id, orjson.dumps(item_id), "short", options)


class _Fail:
    def __init__(self, form: Form, item_id: ItemId) -> None:
        self.form, self.item_id = form, item_id

    def __call__(self, message: str) -> LineError:
        return LineError(message, self.form, self.item_id)


def _no_unknown_keys(obj: dict[str, Any], known: tuple[str, ...], fail: _Fail) -> None:
    unknown = sorted(set(obj) - set(known))
    if unknown:
        raise fail(f"unknown key(s) {', '.join(unknown)} (known: {', '.join(known)})")


def _typed(obj: dict[str, Any], key: str, kind: Any, wanted: str, fail: _Fail) -> Any:
    value = obj.get(key)
    if value is None:
        return None
    if (isinstance(value, bool) and kind is not bool) or not isinstance(value, kind):
        raise fail(f"{key} must be {wanted}, not {_json_type(value)}")
    return value


def _check_messages(value: Any, fail: _Fail, *, required: bool) -> list[dict[str, Any]]:
    where = "body.messages" if required else "messages"
    if value is None and not required:
        return []
    if not isinstance(value, list) or not value:
        raise fail(f"{where} must be a non-empty list of messages")
    try:
        return [check_message(m, f"{where}[{i}]") for i, m in enumerate(value)]
    except UsageError as exc:
        raise fail(exc.message) from None


def _images(value: Any, fail: _Fail) -> tuple[str, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise fail("images must be a list of paths or URLs")
    from mlxchat.attachments.sources import existing_file, parse_source

    for image in value:
        try:
            source = parse_source(image, "image")
            if source.type == "path":
                existing_file(image, what="image")
        except UsageError as exc:
            raise fail(exc.message) from None
        if source.type == "stdin":
            raise fail("an image cannot be read from stdin in a batch ('-')")
    return tuple(value)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return {dict: "an object", list: "a list", str: "a string", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__
    )
