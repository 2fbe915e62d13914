"""JSON that orjson refuses but the text in it should still arrive: the slow path of chunk decoding.

orjson rejects a whole payload for invalid UTF-8 bytes, a lone surrogate escape (``"\\ud800"``),
or a number beyond a double (``1e999``) or beyond 64 bits; a chunk's text would be lost with it.
Those payloads are read again here, as Python's own decoder and a browser would read them:

- invalid UTF-8 becomes U+FFFD, one for each maximal bad sequence (the WHATWG decoding rule);
- a lone surrogate (an escape without its pair) becomes U+FFFD; a proper pair is one character;
- a number that does not fit stays a float (``inf`` for ``1e999``), never a huge int: numbers
  are only ever read as token counts, which then are not integers and are left out.

Only payloads the fast decoder refused come here, so its cost never touches a well-formed stream.
"""

from __future__ import annotations

import json
from typing import Any, Final

_INT_DIGITS: Final = 18
"""An integer literal with more digits than this might not fit in 64 bits: read as a float."""


def loads_lenient(payload: bytes | str) -> Any:
    """The JSON value in ``payload`` read leniently (above); None when it is not JSON at all."""
    text = payload if isinstance(payload, str) else payload.decode("utf-8", "replace")
    try:
        return _clean(json.loads(text, parse_int=_int))
    except (ValueError, RecursionError):  # RecursionError: nested deeper than Python recurses
        return None


def _int(literal: str) -> int | float:
    return int(literal) if len(literal.lstrip("-")) <= _INT_DIGITS else float(literal)


def _clean(value: Any) -> Any:
    """``value`` with every lone surrogate in its strings (keys too) replaced by U+FFFD."""
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, list):
        return [_clean(item) for item in value]
    if isinstance(value, dict):
        return {_text(key): _clean(item) for key, item in value.items()}
    return value


def _text(text: str) -> str:
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: pair what pairs, replace the rest
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text
