"""Server-sent events, decoded from raw bytes as they arrive from the network.

Lines end in LF, CRLF or CR (a CR at the end of one read may be half of a CRLF). Lines starting
with ``:`` are comments (mlx_lm.server's ``: keepalive``). ``data:`` may or may not be followed by a
space. Several ``data:`` lines before a blank line form one event, joined with LF. Other fields
(``event:``, ``id:``, ``retry:``) are ignored: the payload says everything OpenAI-style servers mean.
Payloads stay bytes, so a multi-byte UTF-8 character split across reads is whole again by the time
it is decoded.
"""

from __future__ import annotations


class SSEDecoder:
    __slots__ = ("_data", "_tail")

    def __init__(self) -> None:
        self._tail = b""
        self._data: list[bytes] = []

    def feed(self, chunk: bytes) -> list[bytes]:
        """Add bytes; return the payloads of the events they completed, in order."""
        buf = self._tail + chunk if self._tail else chunk
        if b"\r" in buf:
            hold = b""
            if buf.endswith(b"\r"):
                # Maybe the first half of a CRLF whose LF is in the next read.
                buf, hold = buf[:-1], b"\r"
            buf = buf.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
            lines = buf.split(b"\n")
            self._tail = lines.pop() + hold
        else:
            lines = buf.split(b"\n")
            self._tail = lines.pop()
        out: list[bytes] = []
        data = self._data
        for line in lines:
            if not line:
                if data:
                    out.append(data[0] if len(data) == 1 else b"\n".join(data))
                    data = []
            elif line.startswith(b"data:"):
                value = line[5:]
                data.append(value[1:] if value.startswith(b" ") else value)
            # Comments (":...") and other fields are ignored.
        self._data = data
        return out

    def finish(self) -> list[bytes]:
        """The input ended: an event still missing its blank line is complete after all."""
        tail = self._tail
        self._tail = b""
        out = self.feed(tail.rstrip(b"\r") + b"\n\n") if tail else self.feed(b"\n")
        return out
