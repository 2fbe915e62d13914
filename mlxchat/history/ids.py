"""Conversation ids: 26 characters that sort by creation time (a ULID in lower-case Crockford base32).

The first 10 characters are the millisecond timestamp, the other 16 are random, so ids made at
once by parallel chats never collide and ``ORDER BY id`` is the order they were started in.
"""

from __future__ import annotations

import os
import time
from typing import Final

ALPHABET: Final = "0123456789abcdefghjkmnpqrstvwxyz"
LENGTH: Final = 26


def new_id(now: float | None = None) -> str:
    millis = int((time.time() if now is None else now) * 1000)
    value = (millis << 80) | int.from_bytes(os.urandom(10), "big")
    chars = []
    for _ in range(LENGTH):
        chars.append(ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def normalise(text: str) -> str:
    """An id (or the start of one) as typed: any case; Crockford's look-alikes read as digits."""
    return text.strip().lower().translate(str.maketrans("ilo", "110"))


def looks_like_id(text: str) -> bool:
    """Could ``text`` be an id or the start of one (a prefix of at least 4 characters)?"""
    value = normalise(text)
    return 4 <= len(value) <= LENGTH and all(c in ALPHABET for c in value)
