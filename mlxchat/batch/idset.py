"""A set of ids that stays small: 64-bit fingerprints in one flat array.

A batch remembers every id it has seen (duplicates are errors) and, on ``--resume``, every id that
already has a successful result. A Python ``set`` of strings costs about 100 bytes an id; this
costs 8 to 16 (one slot of an open-addressing table kept at most half full), so a million ids take
about 16 MB. Two different ids share a fingerprint with a probability of about n²/2⁶⁵ (3·10⁻⁸ for a
million ids); the fingerprint is Python's keyed hash of the id's bytes.
"""

from __future__ import annotations

from array import array
from typing import Final

_MASK64: Final = (1 << 64) - 1
_START: Final = 1024


def fingerprint(key: bytes) -> int:
    """A nonzero 64-bit fingerprint of ``key`` (0 marks an empty slot)."""
    return (hash(key) & _MASK64) or 1


class IdSet:
    def __init__(self) -> None:
        self._slots = array("Q", bytes(8 * _START))
        self._mask = _START - 1
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def __contains__(self, key: bytes) -> bool:
        fp = fingerprint(key)
        return self._slots[self._slot(fp)] == fp

    def add(self, key: bytes) -> bool:
        """Add ``key``; True if it was not there yet."""
        added = self._insert(fingerprint(key))
        if added and self._count * 2 > len(self._slots):
            self._grow()
        return added

    def _slot(self, fp: int) -> int:
        """Where ``fp`` is, or the empty slot where it would go (linear probing)."""
        slots, mask = self._slots, self._mask
        i = fp & mask
        while (held := slots[i]) and held != fp:
            i = (i + 1) & mask
        return i

    def _insert(self, fp: int) -> bool:
        i = self._slot(fp)
        if self._slots[i]:
            return False
        self._slots[i] = fp
        self._count += 1
        return True

    def _grow(self) -> None:
        old = self._slots
        self._slots = array("Q", bytes(16 * len(old)))
        self._mask = len(self._slots) - 1
        self._count = 0
        for fp in old:
            if fp:
                self._insert(fp)
