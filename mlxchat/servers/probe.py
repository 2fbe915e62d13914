"""Tiny HTTP requests for health checks (stdlib http.client: cheap to import, short timeouts)."""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit


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
    parts = urlsplit(base_url)
    host = parts.hostname or "127.0.0.1"
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    conn_cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    full = path if path.startswith("/") else parts.path.rstrip("/") + "/" + path
    headers = {"Accept": "application/json"}
    if api_key:
        headers["Authorization"] = f"Bearer {api_key}"
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    conn = conn_cls(host, parts.port, timeout=timeout)
    try:
        conn.request("POST" if body is not None else "GET", full, body=data, headers=headers)
        resp = conn.getresponse()
        return Reply(resp.status, resp.read(1 << 20))
    except (OSError, http.client.HTTPException):
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
