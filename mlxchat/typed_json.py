"""Build a dataclass from a JSON (or TOML) object, checking every field against its type hint.

One decoder for everything mlxchat reads back from a file: profiles, run records, saved events.
Hints it understands: ``str``, ``int``, ``float`` (an int is accepted and becomes a float),
``bool`` (never taken for an int, nor an int for it), ``None``, ``list[X]``, ``dict``, ``Any``,
``Literal`` (a value of its members' type; whether it is one of them is the caller's rule, since a
newer writer may know more), unions, and nested dataclasses (a JSON object).

A missing field without a default, or a value of the wrong type, raises :class:`FieldError`
naming it (``timing.ttft`` inside a nested object). Keys the dataclass does not have are ignored:
a caller that refuses them checks before decoding.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from dataclasses import MISSING
from typing import Any, NamedTuple, TypeVar

T = TypeVar("T")


class FieldError(ValueError):
    """A field that is missing or does not fit its type."""

    def __init__(self, path: str, value: object, *, missing: bool = False) -> None:
        self.path = path
        """The field's name, dotted for a nested object (``timing.ttft``)."""
        self.key = path.split(".", 1)[0]
        """The top-level field it is part of."""
        self.value = value
        self.missing = missing
        super().__init__(f"no {path!r}" if missing else f"{path!r} is {type(value).__name__}")


class _Field(NamedTuple):
    name: str
    hint: Any
    required: bool


_FIELDS: dict[type[Any], tuple[_Field, ...]] = {}


def _fields(cls: type[Any]) -> tuple[_Field, ...]:
    """The fields ``cls(...)`` takes, with their resolved hints (worked out once per class)."""
    found = _FIELDS.get(cls)
    if found is None:
        hints = typing.get_type_hints(cls)
        found = tuple(
            _Field(f.name, hints[f.name], f.default is MISSING and f.default_factory is MISSING)
            for f in dataclasses.fields(cls)
            if f.init
        )
        _FIELDS[cls] = found
    return found


def field_hints(cls: type[Any]) -> dict[str, Any]:
    """The type hint of every field the decoder fills, by name."""
    return {f.name: f.hint for f in _fields(cls)}


def decode(cls: type[T], data: Mapping[str, Any], *, prefix: str = "") -> T:
    """``cls(**data)``, each value checked against its field's hint; FieldError when one does not fit."""
    values: dict[str, Any] = {}
    for name, hint, required in _fields(cls):
        if name in data:
            values[name] = _convert(data[name], hint, prefix + name)
        elif required:
            raise FieldError(prefix + name, None, missing=True)
    return cls(**values)


def _convert(value: Any, hint: Any, path: str) -> Any:
    """``value`` as ``hint`` wants it (ints become floats for float), or FieldError."""
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        inside: FieldError | None = None  # an object that fits an arm but for one of its fields
        for arg in typing.get_args(hint):
            try:
                return _convert(value, arg, path)
            except FieldError as exc:
                inside = inside or (exc if exc.path != path else None)
        raise inside or FieldError(path, value)
    if origin is typing.Literal:
        if type(value) in {type(arg) for arg in typing.get_args(hint)}:
            return value
        raise FieldError(path, value)
    if origin is list:
        if type(value) is not list:
            raise FieldError(path, value)
        (item,) = typing.get_args(hint) or (Any,)
        return [_convert(v, item, path) for v in value]
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        if not isinstance(value, dict):
            raise FieldError(path, value)
        return decode(hint, value, prefix=path + ".")
    return _scalar(value, origin or hint, path)


def _scalar(value: Any, hint: Any, path: str) -> Any:
    if hint is Any:
        return value
    if hint is float:
        if type(value) in (int, float):
            return float(value)
        raise FieldError(path, value)
    if hint is type(None):
        ok = value is None
    elif hint in (str, int, bool):
        ok = type(value) is hint  # bool is a subclass of int: an exact type, never taken for it
    elif hint is dict:
        ok = isinstance(value, dict)
    else:
        raise TypeError(f"the decoder does not know the hint {hint!r} (field {path})")
    if not ok:
        raise FieldError(path, value)
    return value


def describe(hint: Any) -> str:
    """What a value of ``hint`` must be, in words (``None`` left out: an unset field is absent)."""
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        return " or ".join(describe(a) for a in typing.get_args(hint) if a is not type(None))
    if origin is list:
        (item,) = typing.get_args(hint) or (Any,)
        return "a list of strings" if item is str else "a list"
    if origin is typing.Literal:
        return " or ".join(sorted({type(a).__name__ for a in typing.get_args(hint)}))
    if hint is float:
        return "float or int"
    return getattr(hint, "__name__", str(hint))
