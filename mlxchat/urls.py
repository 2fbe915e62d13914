"""Addresses: which text is an http(s) URL, and where a client connects to reach a listen address."""

from __future__ import annotations

import re
from typing import Final

_HTTP_URL: Final = re.compile(r"https?://", re.IGNORECASE)
_WILDCARDS: Final = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}


def is_http_url(text: str) -> bool:
    """Starts with ``http://`` or ``https://`` (any case): the only URLs mlxchat sends requests to."""
    return _HTTP_URL.match(text) is not None


def is_wildcard(host: str) -> bool:
    """A listen address that means every interface (``0.0.0.0``, ``::``, empty)."""
    return host in _WILDCARDS


def connect_host(host: str) -> str:
    """The address a client uses for a server listening on ``host``: a wildcard (``0.0.0.0``, ``::``,
    empty) means this machine's loopback of the same family; any other host is itself."""
    return _WILDCARDS.get(host, host)


def http_base_url(host: str, port: int | None) -> str:
    """``http://HOST:PORT/v1`` for a server listening on ``host`` (IPv6 in brackets)."""
    host = connect_host(host)
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/v1"
