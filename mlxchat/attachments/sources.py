"""Where an attachment comes from, and reading its bytes: a path, ``-``, an http(s) URL or a ``data:`` URL.

``parse_source`` is the one parser of an attachment argument, for ``--image``/``--video`` and for
interactive ``/image``; ``split_words`` reads an ``/image`` argument the way a shell reads words (as
terminals paste dragged files). Every failure is a UsageError (exit 2) whose message names the input
as the user wrote it.
"""

from __future__ import annotations

import base64
import binascii
import re
import sys
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Final, Literal

from mlxchat.errors import UsageError
from mlxchat.units import human_bytes
from mlxchat.urls import is_http_url

STDIN_NAME: Final = "<stdin>"
_ANY_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*)://", re.IGNORECASE)
_DATA = re.compile(r"^data:", re.IGNORECASE)
_DATA_NAME_CHARS: Final = 24
"""How much of a data URL's payload its name in messages and summaries shows."""

SourceType = Literal["path", "stdin", "url", "data"]


@dataclass(frozen=True)
class Source:
    """One attachment argument: ``text`` as given; ``name`` is how messages and summaries show it."""

    type: SourceType
    text: str

    @property
    def name(self) -> str:
        return display_name(self.text)


def parse_source(text: str, what: str) -> Source:
    """Classify ``text``: ``-`` (stdin), an http(s) URL, a ``data:`` URL, or a local path.

    Any other ``scheme://`` is refused (before it could be mistaken for a path such as ``ftp:/x``).
    """
    if text == "-":
        return Source("stdin", text)
    if is_http_url(text):
        return Source("url", text)
    if _DATA.match(text):
        return Source("data", text)
    scheme = _ANY_SCHEME.match(text)
    if scheme:
        hint = None
        if scheme.group(1).lower() == "file":
            local = urllib.parse.unquote(urllib.parse.urlsplit(text).path)
            hint = f"give the path itself: {local}"
        raise UsageError(
            f"{label(what, text)}: only http://, https:// and data: URLs are supported", hint=hint
        )
    if not text.strip():
        raise UsageError(f"{what} argument is empty: give a path, an http(s) URL or -")
    return Source("path", text)


def split_words(text: str) -> list[str]:
    """An ``/image`` argument read like shell words (quotes, backslash escapes), as drag and drop pastes it.

    ``My\\ Photos/a.jpg`` and ``'My Photos/a.jpg'`` are one path; ``a.jpg b.jpg`` are two. A line
    without quotes or backslashes that names an existing file as a whole is that one path, so an
    unescaped ``My Photo.jpg`` typed by hand works too. Nothing is expanded: ``~`` stays as typed
    (reading the file expands it). An unclosed quote is a UsageError.
    """
    stripped = text.strip()
    if stripped and not any(c in stripped for c in "'\"\\") and Path(stripped).expanduser().is_file():
        return [stripped]
    words: list[str] = []
    word: list[str] = []
    in_word = False
    quote = ""
    chars = iter(stripped)
    for char in chars:
        if (quote == "'" and char != "'") or (quote == '"' and char not in '"\\'):
            word.append(char)
        elif char == quote:
            quote = ""
        elif char == "\\":
            following = next(chars, "")
            if quote == '"' and following not in '"\\$`':
                word.append(char)  # inside double quotes a backslash escapes only these
            word.append(following)
            in_word = True
        elif char in "'\"":
            quote, in_word = char, True
        elif char.isspace():
            if in_word:
                words.append("".join(word))
                word, in_word = [], False
        else:
            word.append(char)
            in_word = True
    if quote:
        raise UsageError(f"unclosed {quote} in: {stripped}", hint="close the quote, or escape spaces with \\")
    if in_word:
        words.append("".join(word))
    return words


def display_name(text: str) -> str:
    """An attachment argument named without reading it: ``<stdin>``, a shortened data URL, or as given."""
    if text == "-":
        return STDIN_NAME
    return data_url_name(text) if _DATA.match(text) else text


def label(what: str, name: str) -> str:
    """How messages name an input: ``image 'photo.jpg'``, ``image <stdin>``."""
    return f"{what} {name}" if name == STDIN_NAME else f"{what} '{name}'"


def data_url_name(text: str) -> str:
    """A data URL shortened for messages: ``data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAA…``."""
    header, _, payload = text.partition(",")
    short = payload[:_DATA_NAME_CHARS]
    return f"{header},{short}…" if len(payload) > _DATA_NAME_CHARS else text


def too_large(what: str, name: str, size: int | None, max_bytes: int) -> UsageError:
    size_text = f"is {human_bytes(size)}" if size is not None else "is larger than that"
    return UsageError(f"{label(what, name)}: {size_text}; the limit is {human_bytes(max_bytes)}")


def existing_file(source: str, *, what: str) -> Path:
    """The path of ``source`` (``~`` expanded) if something that is not a directory is there;
    UsageError saying which it is if not (a directory, nothing)."""
    path = Path(source).expanduser()
    if path.is_dir():
        raise UsageError(f"{label(what, source)}: is a directory, not a file")
    if not path.exists():
        raise UsageError(f"{label(what, source)}: no such file")
    return path


def read_path(source: str, *, what: str, max_bytes: int) -> bytes:
    """The bytes of a local file (``~`` is expanded), refusing directories, empty and oversized files."""
    try:
        path = existing_file(source, what=what)
        size = path.stat().st_size
        if size > max_bytes:
            raise too_large(what, source, size, max_bytes)
        with path.open("rb") as f:
            # Read at most one byte more than allowed: /dev/zero or a growing file cannot run away.
            data = f.read(max_bytes + 1)
    except FileNotFoundError:
        raise UsageError(f"{label(what, source)}: no such file") from None
    except PermissionError:
        raise UsageError(f"{label(what, source)}: cannot be read (permission denied)") from None
    except OSError as exc:
        raise UsageError(f"{label(what, source)}: cannot be read ({exc.strerror or exc})") from None
    if len(data) > max_bytes:
        raise too_large(what, source, None, max_bytes)
    if not data:
        raise UsageError(f"{label(what, source)}: the file is empty")
    return data


def read_stdin(stdin: BinaryIO | None, *, what: str, max_bytes: int) -> bytes:
    """All of stdin as bytes (``sys.stdin.buffer`` unless a stream is given); a terminal is refused."""
    stream = stdin if stdin is not None else sys.stdin.buffer
    try:
        interactive = stream.isatty()
    except (AttributeError, ValueError, OSError):
        interactive = False
    if interactive:
        raise UsageError(
            f"{label(what, STDIN_NAME)}: stdin is a terminal",
            hint="pipe the file in, e.g. `--image - < photo.jpg`",
        )
    try:
        data = stream.read(max_bytes + 1)
    except OSError as exc:
        raise UsageError(f"{label(what, STDIN_NAME)}: cannot be read ({exc})") from None
    if len(data) > max_bytes:
        raise too_large(what, STDIN_NAME, None, max_bytes)
    if not data:
        raise UsageError(f"{label(what, STDIN_NAME)}: nothing was read from stdin")
    return data


def read_data_url(text: str, *, what: str, max_bytes: int) -> bytes:
    """The bytes a ``data:[<type>][;base64],<data>`` URL carries (the declared type is not trusted)."""
    name = data_url_name(text)
    header, comma, payload = text[len("data:") :].partition(",")
    if not comma:
        raise UsageError(f"{label(what, name)}: not a valid data: URL (no comma before the data)")
    if len(payload) * 3 // 4 > max_bytes:
        raise too_large(what, name, len(payload) * 3 // 4, max_bytes)
    if header.lower().rstrip().endswith(";base64"):
        compact = urllib.parse.unquote("".join(payload.split()))
        compact = compact.translate(str.maketrans("-_", "+/")).rstrip("=")
        try:
            data = base64.b64decode(compact + "=" * (-len(compact) % 4), validate=True)
        except (binascii.Error, ValueError):
            raise UsageError(f"{label(what, name)}: the data: URL's base64 data is not valid") from None
    else:
        data = urllib.parse.unquote_to_bytes(payload)
    if len(data) > max_bytes:
        raise too_large(what, name, len(data), max_bytes)
    if not data:
        raise UsageError(f"{label(what, name)}: the data: URL holds no data")
    return data
