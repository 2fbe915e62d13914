"""Server-sent events, decoded from raw bytes as they arrive from the network.

The rules are WHATWG's event-stream interpretation (docs/protocol.md lists the cases and the one
deliberate difference):

- One UTF-8 byte order mark at the very start of the stream is skipped (a later one is not).
- Lines end in LF, CRLF or CR; a CR at the end of one read may be half of a CRLF.
- A line starting with ``:`` is a comment (mlx_lm.server's ``: keepalive``). Otherwise the field
  name runs to the first colon, and one space after the colon is dropped; a line without a colon
  is a field with an empty value (so a bare ``data`` adds an empty line to the event's data).
- A blank line ends an event. Its ``data`` lines, joined with LF, are its payload; an event without
  any ``data`` line has none. ``id`` and ``retry`` mean nothing to a chat stream and are ignored.
- An event whose type (``event:``) is ``error``, or that carries an ``error:`` field (llama.cpp's
  builds before September 2025), is an error: its payload comes out as :class:`SSEError`.
- The difference: an event still missing its blank line when the stream ends is delivered (WHATWG
  discards it because a browser reconnects and gets it again; a chat stream is never resent, and a
  server that drops the last blank line after ``data: [DONE]`` has still finished).

Payloads stay bytes, so a multi-byte UTF-8 character split across reads is whole again by the time
it is decoded. The cost is linear in the input: an event that arrives in many reads is kept as a
list of pieces and joined once, when its blank line comes.

The common case, an event that is exactly one ``data: ...`` line, is split out without looking at
it line by line (this is the hot path of a fast stream).
"""

from __future__ import annotations

BOM = b"\xef\xbb\xbf"
MAX_KEPT = 1024 * 1024
"""Bytes of a body kept while it does not look like an event stream (see ``SSEDecoder.head``)."""


class SSEError(bytes):
    """The payload of an error event: the ``error:`` field's value, or the data of ``event: error``."""

    __slots__ = ()


class SSEDecoder:
    __slots__ = (
        "_after_cr",
        "_data",
        "_error",
        "_event",
        "_head",
        "_kept",
        "_pending",
        "_start",
        "seen_sse",
    )

    def __init__(self) -> None:
        self._start: bytes | None = b""  # the first bytes, until we know whether they are a BOM
        self._after_cr = False  # the last read ended in CR: a LF first in the next one is its pair
        self._pending: list[bytes] = []  # an event whose blank line has not come yet, in pieces
        self._data: list[bytes] = []
        self._event = b""
        self._error: bytes | None = None
        self._head: list[bytes] = []
        self._kept = 0
        self.seen_sse = False
        """A line that only an event stream has (a field we know, or a comment) was seen."""

    @property
    def head(self) -> bytes:
        """The start of the body (up to MAX_KEPT bytes), while no event-stream line was seen in it.

        A 200 answer whose body is not an event stream at all (an HTML page, a bare JSON error
        object) is recognised from this after the stream ended."""
        return b"" if self.seen_sse else b"".join(self._head)

    def feed(self, chunk: bytes) -> list[bytes]:
        """Add bytes; return the payloads of the events they completed, in order."""
        # The common read (no BOM to look for, no CR, no event left open) takes no helper call.
        if self._start is not None or self._after_cr or b"\r" in chunk:
            chunk = self._normalise(chunk)
        if not chunk:
            return []
        if not self.seen_sse:
            self._keep(chunk)
        out: list[bytes] = []
        if self._pending:
            chunk = self._close_pending(chunk, out)
        blocks = chunk.split(b"\n\n")
        last = blocks.pop()
        if last:
            self._pending.append(last)
        append = out.append
        for block in blocks:
            if block.startswith(b"data: ") and b"\n" not in block:
                append(block[6:])
            elif block:
                self._block(block, out)
        if out and not self.seen_sse:
            self.seen_sse = True
            self._head = []
        return out

    def finish(self) -> list[bytes]:
        """The input ended: an event still missing its blank line is delivered after all."""
        out: list[bytes] = []
        if self._start:  # fewer bytes than a BOM came, all of them a prefix of one: they are text
            start, self._start = self._start, None
            out += self.feed(start)
        pending, self._pending = self._pending, []
        if pending:
            self._block(b"".join(pending), out)
        self._dispatch(out)
        return out

    # -- the details ---------------------------------------------------------------------------

    def _normalise(self, chunk: bytes) -> bytes:
        """The read without a leading BOM, with its line ends as LF (a CR may pair with the next LF)."""
        if self._start is not None:
            chunk = self._skip_bom(chunk)
            if not chunk:
                return chunk
        if self._after_cr:
            self._after_cr = False
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
        if b"\r" in chunk:
            self._after_cr = chunk.endswith(b"\r")
            chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        return chunk

    def _close_pending(self, chunk: bytes, out: list[bytes]) -> bytes:
        """Look for the blank line of the event left open in this read; return what follows it.

        Only this read is searched: what came before has none. Without one, the read joins the
        open event and nothing follows.
        """
        pending = self._pending
        if pending[-1][-1:] == b"\n" and chunk[:1] == b"\n":
            pending[-1] = pending[-1][:-1]
            rest = 1
        else:
            end = chunk.find(b"\n\n")
            if end < 0:
                pending.append(chunk)
                return b""
            pending.append(chunk[:end])
            rest = end + 2
        self._pending = []
        self._block(b"".join(pending), out)
        return chunk[rest:]

    def _skip_bom(self, chunk: bytes) -> bytes:
        start = self._start + chunk if self._start else chunk
        if len(start) < len(BOM) and BOM.startswith(start):
            self._start = start  # wait for the rest
            return b""
        self._start = None
        return start[len(BOM) :] if start.startswith(BOM) else start

    def _keep(self, chunk: bytes) -> None:
        if self._kept < MAX_KEPT:
            piece = chunk[: MAX_KEPT - self._kept]
            self._head.append(piece)
            self._kept += len(piece)

    def _block(self, block: bytes, out: list[bytes]) -> None:
        """The lines of one or more events (LF-separated), then the blank line that ends the last."""
        if block.startswith(b"data: ") and not self._data and b"\n" not in block:
            out.append(block[6:])  # one data line: no copies beyond the payload's own
            self._event = b""
            return
        for line in block.split(b"\n"):
            if not line:
                self._dispatch(out)
            elif line[:1] == b":":
                self.seen_sse = True
            else:
                self._field(line)
        self._dispatch(out)

    def _field(self, line: bytes) -> None:
        name, colon, value = line.partition(b":")
        if colon and value[:1] == b" ":
            value = value[1:]
        if name == b"data":
            self._data.append(value)
        elif name == b"event":
            self._event = value
        elif name == b"error":
            self._error = value if self._error is None else self._error + b"\n" + value
        elif name not in (b"id", b"retry"):
            return  # not a field of ours: ignored
        self.seen_sse = True

    def _dispatch(self, out: list[bytes]) -> None:
        data, error, event = self._data, self._error, self._event
        if data:
            payload = data[0] if len(data) == 1 else b"\n".join(data)
            self._data = []
            if event == b"error" and error is None:
                out.append(SSEError(payload))
            else:
                out.append(payload)
        if error is not None:
            out.append(SSEError(error))
            self._error = None
        self._event = b""
