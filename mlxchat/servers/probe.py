"""Tiny HTTP requests for health checks, with short timeouts.

Plain-HTTP GETs (every local health check) use a raw socket and HTTP/1.0, so ``mlxchat status``
does not pay for importing http.client and ssl; POSTs and HTTPS use http.client.
"""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from mlxchat.urls import connect_host

MAX_BODY = 1 << 20


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None


def request(
    base_url: str,
    path: str,
    *,
    timeout: float,
    body: dict[str, Any] | None = None,
    api_key: str | None = None,
) -> Reply | None:
    """``GET`` (or ``POST`` a JSON body to) ``base_url``'s server at ``path``; None when unreachable.

    ``path`` is absolute on the server (``/health``) or relative to the base URL (``models``).
    """
    try:
        parts = urlsplit(base_url)
        port = parts.port
        host = connect_host(parts.hostname or "")
    except ValueError:
        return None  # a URL no request can go to: no answer (one bad profile never breaks status)
    full = path if path.startswith("/") else parts.path.rstrip("/") + "/" + path
    headers = {"Accept": "application/json"}
    if api_key:
        headers["Authorization"] = f"Bearer {api_key}"
    if body is None and parts.scheme == "http":
        return _plain_get(host, port or 80, full, headers, timeout)
    return _http_client(
        parts.scheme, host=host, port=port, path=full, headers=headers, body=body, timeout=timeout
    )


def _plain_get(host: str, port: int, path: str, headers: dict[str, str], timeout: float) -> Reply | None:
    host_header = f"[{host}]" if ":" in host else host
    lines = [
        f"GET {path} HTTP/1.0",
        f"Host: {host_header}:{port}",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
            chunks = []
            size = 0
            while size < MAX_BODY:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
                head, sep, rest = b"".join(chunks).partition(b"\r\n\r\n")
                if sep and _complete(head, rest):
                    break
    except (OSError, ValueError):  # ValueError: a host name the resolver refuses (too long a label)
        return None
    head, _, rest = b"".join(chunks).partition(b"\r\n\r\n")
    status_line = head.split(b"\r\n", 1)[0].split()
    if len(status_line) < 2 or not status_line[1].isdigit():
        return None
    return Reply(int(status_line[1]), rest)


def _complete(head: bytes, body: bytes) -> bool:
    """True when a Content-Length says the body is all here (else read until the server closes)."""
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length" and value.strip().isdigit():
            return len(body) >= int(value.strip())
    return False


def _http_client(
    scheme: str,
    *,
    host: str,
    port: int | None,
    path: str,
    headers: dict[str, str],
    body: dict[str, Any] | None,
    timeout: float,
) -> Reply | None:
    import http.client

    conn_cls = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers = {**headers, "Content-Type": "application/json"}
    conn = conn_cls(host, port, timeout=timeout)
    try:
        conn.request("POST" if body is not None else "GET", path, body=data, headers=headers)
        resp = conn.getresponse()
        return Reply(resp.status, resp.read(MAX_BODY))
    except (OSError, ValueError, http.client.HTTPException):
        return None
    finally:
        conn.close()


def lists_models(reply: Reply | None) -> list[str]:
    if reply is None or reply.status != 200:
        return []
    data = reply.json()
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        return []
    return [str(m.get("id")) for m in data["data"] if isinstance(m, dict)]
