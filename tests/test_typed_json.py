"""The one decoder of typed JSON (mlxchat.typed_json) and the units every message uses: pure, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import pytest

from mlxchat.typed_json import FieldError, decode, describe
from mlxchat.units import human_bytes, human_duration


@dataclass
class Inner:
    seconds: float
    note: str | None = None


@dataclass
class Outer:
    name: str
    count: int
    flag: bool = False
    kind: Literal["a", "b"] = "a"
    tags: list[str] = field(default_factory=list)
    inner: Inner | None = None


def test_values_that_fit_are_kept_and_ints_become_floats() -> None:
    data = {"name": "x", "count": 3, "flag": True, "tags": ["t"], "inner": {"seconds": 2}, "extra": 1}
    decoded = decode(Outer, data)
    assert decoded == Outer("x", 3, True, "a", ["t"], Inner(2.0))
    assert type(decoded.inner.seconds) is float  # type: ignore[union-attr]


def test_a_literal_takes_any_value_of_its_members_type() -> None:
    # Whether it is one of them is the caller's rule (a newer writer may know more values).
    kind: str = decode(Outer, {"name": "x", "count": 1, "kind": "z"}).kind
    assert kind == "z"
    with pytest.raises(FieldError, match="'kind' is int"):
        decode(Outer, {"name": "x", "count": 1, "kind": 3})


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"count": 1}, "no 'name'"),
        ({"name": "x", "count": True}, "'count' is bool"),  # a bool is never an int
        ({"name": "x", "count": 1.0}, "'count' is float"),
        ({"name": "x", "count": 1, "flag": 1}, "'flag' is int"),  # nor an int a bool
        ({"name": "x", "count": 1, "tags": ["a", 2]}, "'tags' is int"),
        ({"name": "x", "count": 1, "inner": {"seconds": "s"}}, "'inner.seconds' is str"),
        ({"name": "x", "count": 1, "inner": {}}, "no 'inner.seconds'"),
        ({"name": "x", "count": 1, "inner": []}, "'inner' is list"),
    ],
)
def test_a_field_that_does_not_fit_is_named(data: dict[str, object], message: str) -> None:
    with pytest.raises(FieldError) as info:
        decode(Outer, data)
    assert str(info.value) == message
    assert info.value.key == message.split("'")[1].split(".", maxsplit=1)[0]


def test_describe_says_what_a_field_takes() -> None:
    assert [describe(h) for h in (str | None, float | None, list[str], bool, Literal["a"])] == [
        "str",
        "float or int",
        "a list of strings",
        "bool",
        "str",
    ]


@pytest.mark.parametrize(
    ("n", "text"),
    [(0, "0 bytes"), (999, "999 bytes"), (1536, "1.5 KB"), (387_000, "387.0 KB"), (2 * 10**9, "2.0 GB")],
)
def test_human_bytes(n: int, text: str) -> None:
    assert human_bytes(n) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0.05, "0.05s"),
        (0.999, "1.0s"),
        (2.44, "2.4s"),
        (59.96, "1m00s"),
        (65, "1m05s"),
        (7380, "2h03m"),
        (273600, "3d04h"),
    ],
)
def test_human_duration(seconds: float, text: str) -> None:
    assert human_duration(seconds) == text
