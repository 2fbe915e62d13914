"""The base of the records every chat defines at import (its options, request, conversation and
result; the terminal): plain classes.

Every ``mlxchat chat`` defines these classes at import, so they are not dataclasses: a dataclass
generates and compiles its ``__init__``, ``__repr__`` and ``__eq__`` when its class is created,
several million instructions each (docs/development.md, performance), where a class with a
hand-written ``__init__`` costs next to nothing. :class:`PlainRecord` gives them what the
dataclasses did: a ``repr`` naming each field (but the ``HIDDEN`` ones), equality field by field,
and a copy with some fields changed.

A subclass lists its fields in ``__slots__`` (sorted, as ruff wants) and sets them in its
``__init__``, which takes each as a parameter of the same name (what ``_replaced`` relies on); a
field that never changes is declared ``Final`` there, so mypy refuses an assignment.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Self


class PlainRecord:
    __slots__ = ()
    HIDDEN: ClassVar[tuple[str, ...]] = ()
    """Fields left out of the ``repr`` (a secret such as an API key)."""

    def fields(self) -> dict[str, Any]:
        """Every field and its value (in ``__slots__`` order)."""
        names: tuple[str, ...] = self.__slots__
        return {name: getattr(self, name) for name in names}

    def _replaced(self, changes: Mapping[str, Any]) -> Self:
        """A new record with ``changes`` in place of this one's values (through ``__init__``,
        which refuses a name that is not a field)."""
        return type(self)(**{**self.fields(), **changes})

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self.fields().items() if k not in self.HIDDEN)
        return f"{type(self).__name__}({shown})"

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, PlainRecord)
        return self.fields() == other.fields()

    __hash__ = None  # type: ignore[assignment]  # equal by value (and holds lists): no hash
