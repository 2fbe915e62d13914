"""Driving interactive ``mlxchat chat PROFILE`` in a pseudo-terminal (pexpect) against the stand-in
server, for tests/test_interactive.py and tests/test_interactive_sessions.py. The ``echo`` scenario
answers with the request body it received, so a test sees exactly what each turn sent."""

from __future__ import annotations

import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pexpect

from tests.chat_helpers import add_profile
from tests.fixtures.common import REPO
from tests.fixtures.standin import Standin

PROMPT = re.compile(r"you>(?:\x1b\[0m)? ")
"""The prompt, plain or in colour."""
# The echo answer in --format text: the request body as one line of JSON.
BODY = re.compile(r'\{"[a-z_]+": [^\r\n]*\}(?=\r\n)')


def remote(home: Path, server: Standin, scenario: str, name: str = "p", **fields: Any) -> str:
    add_profile(home, name, server="remote", url=server.base_url, model=scenario, **fields)
    return name


def spawn(home: Path, *args: str, color: bool = False, env: dict[str, str] | None = None) -> pexpect.spawn:
    env = {
        **os.environ,
        "MLXCHAT_HOME": str(home),
        "TERM": "xterm",
        "COLUMNS": "100",
        "LINES": "30",
        **(env or {}),
    }
    env.pop("FORCE_COLOR", None)
    if color:
        env.pop("NO_COLOR", None)
    else:
        env["NO_COLOR"] = "1"
    child = pexpect.spawn(
        sys.executable,
        ["-m", "mlxchat", "chat", *args],
        env=env,
        cwd=str(REPO),
        dimensions=(30, 100),
        timeout=20,
        encoding="utf-8",
    )
    child.expect(PROMPT)
    return child


def ask(child: pexpect.spawn, text: str) -> dict[str, Any]:
    """Send a message to an echo profile (--format text) and return the request body it received."""
    child.sendline(text)
    child.expect(BODY)
    body: dict[str, Any] = json.loads(child.match.group(0))
    child.expect(PROMPT)
    return body


def command(child: pexpect.spawn, line: str, reply: str) -> None:
    child.sendline(line)
    child.expect_exact(reply)
    child.expect(PROMPT)


def colours(text: str) -> set[str]:
    """The foreground and background colours (SGR 30-49 and 90-107) that ``text`` sets: not bold or dim,
    which NO_COLOR keeps."""
    params = {p for sgr in re.findall(r"\x1b\[([0-9;]*)m", text) for p in sgr.split(";") if p.isdigit()}
    return {p for p in params if 30 <= int(p) <= 49 or 90 <= int(p) <= 107}


def paste(child: pexpect.spawn, lines: list[str]) -> None:
    """Paste as a terminal does: line breaks as CR, bracketed by ESC[200~ ... ESC[201~ only when the
    program turned bracketed paste on (ESC[?2004h) before its prompt; else the bare keystrokes."""
    text = "\r".join(lines)
    child.send(f"\x1b[200~{text}\x1b[201~" if "\x1b[?2004h" in str(child.before) else text)


def leave(child: pexpect.spawn) -> int:
    """Ctrl-D at an empty prompt; the exit status."""
    child.sendcontrol("d")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus is not None, f"ended by signal {child.signalstatus}"
    return int(child.exitstatus)


def happenings(server: Standin) -> list[str]:
    return list(httpx.get(f"http://127.0.0.1:{server.port}/standin/happenings", timeout=5).json())


def user(text: str) -> dict[str, Any]:
    return {"role": "user", "content": text}


def image_part_urls(content: Any) -> list[str]:
    assert isinstance(content, list), content
    return [p["image_url"]["url"] for p in content if p["type"] == "image_url"]


def wait_for(server: Standin, what: str, limit: float = 15.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if what in happenings(server):
            return
        time.sleep(0.05)
    raise AssertionError(f"{what!r} not in {happenings(server)}")
