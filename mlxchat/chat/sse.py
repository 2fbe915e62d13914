"""Server-sent events, decoded from raw bytes as they arrive from the network.

Lines end in LF, CRLF or CR (a CR at the end of one read may be half of a CRLF). Lines starting
with ``:`` are comments (mlx_lm.server's ``: keepalive``). ``data:`` may or may not be followed by a
space. Several ``data:`` lines before a blank line form one event, joined with LF. Other fields
(``event:``, ``id:``, ``retry:``) are ignored: the payload says everything OpenAI-style servers mean.
Payloads stay bytes, so a multi-byte UTF-8 character split across reads is whole again by the time
it is decoded.

The common case, an event that is exactly one ``data: ...`` line, is split out without looking at
it line by line (this is the hot path of a fast stream).
"""

from __future__ import annotations


class SSEDecoder:
    __slots__ = ("_data", "_tail")

    def __init__(self) -> None:
        self._tail = b""
        self._data: list[bytes] = []  # data lines of an event whose blank line has not come yet

    def feed(self, chunk: bytes) -> list[bytes]:
        """Add bytes; return the payloads of the events they completed, in order."""
        buf = self._tail + chunk if self._tail else chunk
        hold = b""
        if b"\r" in buf:
            if buf.endswith(b"\r"):
                # Maybe the first half of a CRLF whose LF is in the next read.
                buf, hold = buf[:-1], b"\r"
            buf = buf.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        blocks = buf.split(b"\n\n")
        self._tail = blocks.pop() + hold
        out: list[bytes] = []
        append = out.append
        for block in blocks:
            if block.startswith(b"data: ") and not self._data and b"\n" not in block:
                append(block[6:])
            elif block:
                self._lines(block, out)
                self._dispatch(out)
            else:
                self._dispatch(out)
        return out

    def _lines(self, block: bytes, out: list[bytes]) -> None:
        data = self._data
        for line in block.split(b"\n"):
            if not line:
                self._dispatch(out)
                data = self._data
            elif line.startswith(b"data:"):
                value = line[5:]
                data.append(value[1:] if value.startswith(b" ") else value)
            # Comments (":...") and other fields are ignored.

    def _dispatch(self, out: list[bytes]) -> None:
        data = self._data
        if data:
            out.append(data[0] if len(data) == 1 else b"\n".join(data))
            self._data = []

    def finish(self) -> list[bytes]:
        """The input ended: an event still missing its blank line is complete after all."""
        tail = self._tail
        self._tail = b""
        return self.feed(tail + b"\n\n")
