"""The message a server gave with an error, whatever shape its body has.

Shapes seen from real servers (see docs/protocol.md):
- ``{"error": {"message": ..., "type": ..., "code": ...}}`` (OpenAI style; mlx-openai-server)
- ``{"detail": {"error": {...}}}`` (mlx-openai-server errors raised in a handler)
- ``{"detail": [{"loc": [...], "msg": ...}, ...]}`` (FastAPI request validation)
- ``{"detail": "text"}`` (FastAPI, e.g. 404)
- ``{"error": "text"}`` (mlx_lm.server)
- ``{"object": "error", "message": ..., "type": ..., "code": 400}`` (vLLM, sglang; in a 200 stream too)
Anything else: the body's text, shortened, or the HTTP reason.
"""

from __future__ import annotations

import math
import re
import time
from typing import Any

import orjson

MAX_TEXT = 500
MAX_EXCERPT = 200
_TITLE = rb"<title[^>]*>(.*?)</title>"
"""Compiled on first use (re keeps it): only an HTML error page needs it."""


def message_from_error(err: Any) -> str | None:
    """The message inside an ``error`` value (an object with ``message``, or a string), or of an
    object that is itself the error (vLLM's flat ``{"object": "error", "message": ...}``, FastAPI's
    ``{"detail": ...}``)."""
    if isinstance(err, str):
        return err.strip() or None
    if isinstance(err, dict):
        msg = err.get("message") or err.get("msg") or err.get("detail")
        if isinstance(msg, str) and msg.strip():
            return msg.strip()
        if isinstance(msg, list):
            return _validation_message(msg)
        if isinstance(err.get("error"), dict | str):
            return message_from_error(err["error"])
        if isinstance(err.get("detail"), dict):
            return message_from_error(err["detail"])
    return None


def error_in(obj: dict[str, Any]) -> Any:
    """The error a JSON object that is no chat completion (nor chunk) reports, or None: its truthy
    ``error`` (OpenAI, mlx_lm.server, llama.cpp), the object itself when it is one (vLLM and sglang:
    ``{"object": "error", "message", "type", "code"}``; FastAPI: ``{"detail": ...}``)."""
    err = obj.get("error")
    if err:  # a falsy error (false, "", null, {}) is no error, as in the OpenAI SDK
        return err
    if "choices" not in obj and (obj.get("object") == "error" or obj.get("detail")):
        return obj
    return None


def status_from_error(err: Any) -> int | None:
    """An HTTP-like status named inside an ``error`` object (``"code": 400``), if any."""
    if isinstance(err, dict):
        code = err.get("code")
        if isinstance(code, int) and 400 <= code <= 599:
            return code
        if isinstance(code, str) and code.isdigit() and 400 <= int(code) <= 599:
            return int(code)
    return None


def _validation_message(items: list[Any]) -> str | None:
    parts = []
    for item in items:
        if not isinstance(item, dict):
            continue
        loc = item.get("loc")
        where = ".".join(str(p) for p in loc if p != "body") if isinstance(loc, list) else ""
        msg = item.get("msg") or item.get("message") or "invalid"
        parts.append(f"{where}: {msg}" if where else str(msg))
    return "; ".join(parts) or None


def message_from_body(body: bytes, status: int, reason: str = "") -> str:
    """The most useful one-line-ish message for an HTTP error response body."""
    message: str | None = None
    try:
        obj = orjson.loads(body) if body else None
    except orjson.JSONDecodeError:
        obj = None
    if isinstance(obj, dict):
        if "error" in obj:
            message = message_from_error(obj["error"])
        if message is None and "detail" in obj:
            detail = obj["detail"]
            message = _validation_message(detail) if isinstance(detail, list) else message_from_error(detail)
        if message is None:
            message = message_from_error(obj)
    if message is None:
        text = body.decode("utf-8", "replace").strip()
        if text:
            message = text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "…"
    if message is None:
        message = reason or "no details given"
    return f"HTTP {status}: {message}"


def body_excerpt(raw: bytes) -> str:
    """A short description of a body that is not what was expected: an HTML page by its title,
    other text by its first line (shortened), or that it was empty."""
    text = raw.strip()
    if not text:
        return "an empty body"
    if text[:1] == b"<" and (b"<html" in text[:1024].lower() or b"<!doctype" in text[:1024].lower()):
        title = re.search(_TITLE, text, re.I | re.S)
        name = " ".join(title.group(1).decode("utf-8", "replace").split()) if title else ""
        return f"an HTML page ({name[:MAX_EXCERPT]})" if name else "an HTML page"
    line = text.splitlines()[0].decode("utf-8", "replace")
    return repr(line if len(line) <= MAX_EXCERPT else line[:MAX_EXCERPT] + "…")


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: a number of seconds or an HTTP date; None
    when there is none or it cannot be read. ``now`` (seconds since the epoch) is for dates."""
    if not value or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    return max(0.0, seconds) if math.isfinite(seconds) else None
