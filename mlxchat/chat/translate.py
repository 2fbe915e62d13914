"""Turning decoded stream payloads (OpenAI chat-completion chunks) into events.

Handles every shape the servers send: reasoning in ``delta.reasoning_content`` (mlx-openai-server,
llama.cpp, LM Studio) or ``delta.reasoning`` (mlx_lm.server, vLLM, Ollama) or inline ``<think>`` tags
in ``delta.content``; content as a string or as a list of parts (Mistral, with ``thinking`` parts);
``delta.refusal``; tool calls whole or in fragments, with or without ``index``; usage in the finish
chunk or in a chunk of its own with ``choices: []``; an ``{"error": ...}`` object after a 200, or an
error event (see mlxchat.chat.sse); ``[DONE]``. Payloads that are not JSON objects are counted and
skipped; no chunk shape raises.
"""

from __future__ import annotations

import time
from typing import Any

import orjson

from mlxchat.chat.events import (
    Done,
    Error,
    Event,
    Response,
    TerminalEvent,
    Thinking,
    ThinkingDone,
    Timing,
)
from mlxchat.chat.http_errors import body_excerpt, error_in, message_from_error, status_from_error
from mlxchat.chat.reasoning import ThinkSplitter
from mlxchat.chat.sse import SSEDecoder, SSEError
from mlxchat.chat.tool_calls import ToolCalls

_FIRST = (0, None, "0")
"""The ``index`` of the choice that is read (n > 1 streams interleave the others); None: no index."""
_loads = orjson.loads
_JSONDecodeError = orjson.JSONDecodeError


def normalize_usage(usage: Any) -> dict[str, int] | None:
    if not isinstance(usage, dict):
        return None
    out: dict[str, int] = {}
    for key in ("prompt_tokens", "completion_tokens", "total_tokens"):
        value = usage.get(key)
        if isinstance(value, int):
            out[key] = value
    # mlx_vlm.server names them as the Responses API does.
    for key, alias in (("prompt_tokens", "input_tokens"), ("completion_tokens", "output_tokens")):
        value = usage.get(alias)
        if key not in out and isinstance(value, int):
            out[key] = value
    details = usage.get("prompt_tokens_details")
    if isinstance(details, dict) and isinstance(details.get("cached_tokens"), int):
        out["cached_tokens"] = details["cached_tokens"]
    return out or None


class Translator:
    """State of one stream: which phase it is in, timings, usage, tool calls being assembled."""

    def __init__(self, *, started: float, thinking_prefilled: bool = False) -> None:
        self.started = started
        self.splitter = ThinkSplitter(prefilled=thinking_prefilled)
        self.thinking = False  # inside a run of reasoning
        self.think_started = 0.0
        self.thinking_total: float | None = None
        self.first_token_at: float | None = None
        self.finish_reason: str | None = None
        self.usage: dict[str, int] | None = None
        self.completion_id: str | None = None
        self.tool_calls = ToolCalls()
        self.ignored_lines = 0
        self.saw_done = False
        self.error: Error | None = None
        self.answering = False
        """Answer text has begun and nothing is held back: plain content can skip the splitter."""

    # -- one payload -------------------------------------------------------------------------

    def feed(self, payloads: list[bytes], out: list[Event]) -> bool:  # noqa: PLR0912 (the hot path, inlined)
        """Translate payloads into ``out``. True when the stream is over ([DONE] or an error)."""
        for payload in payloads:
            if payload == b"[DONE]":
                self.saw_done = True
                return True
            try:
                obj = _loads(payload)
            except _JSONDecodeError:
                if type(payload) is SSEError:  # orjson refuses it (a subclass): checked only here
                    self.error = _stream_error(payload)
                    return True
                obj = _lenient(payload)  # bad UTF-8, a lone surrogate, 1e999: keep the text
                if obj is None:
                    if self._not_json(payload, out):
                        return True
                    continue
            if type(obj) is not dict:
                self.ignored_lines += 1
                continue
            if self.completion_id is None:
                cid = obj.get("id")
                if isinstance(cid, str):
                    self.completion_id = cid
            err = obj.get("error")
            if err:  # a falsy error (false, "", null, {}) is no error, as in the OpenAI SDK
                self.error = _error_object(err)
                return True
            choices = obj.get("choices")
            if choices:
                if type(choices) is list:
                    choice = choices[0] if len(choices) == 1 else first_choice(choices)
                else:
                    choice = choices
                if type(choice) is dict and choice.get("index") in _FIRST:
                    delta = choice.get("delta")
                    if delta and type(delta) is dict:
                        content = delta.get("content")
                        if (
                            self.answering
                            and type(content) is str
                            and content
                            and (
                                len(delta) == 1  # content alone: most chunks, one check for four
                                or (
                                    "reasoning_content" not in delta
                                    and "reasoning" not in delta
                                    and "tool_calls" not in delta
                                    and "refusal" not in delta
                                )
                            )
                        ):
                            # The hot path: a plain piece of the answer.
                            out.append(Response(content))
                        else:
                            self._delta(delta, out)
                    reason = choice.get("finish_reason")
                    if reason and type(reason) is str:
                        self.finish_reason = reason
                        self._end_of_answer(out)
            elif choices is None:
                err = error_in(obj)  # an error object of another shape (vLLM's flat one)
                if err is not None:
                    self.error = _error_object(err)
                    return True
            usage = obj.get("usage")
            if usage:
                self.usage = normalize_usage(usage)
        return False

    def _not_json(self, payload: bytes, out: list[Event]) -> bool:
        """A payload that is not JSON; True when it ends the stream."""
        if payload.startswith(b"[DONE]"):  # "[DONE]" and something after it
            self.saw_done = True
            return True
        if b"\n" in payload:
            # Servers that forget the blank line between events: one JSON per data line.
            return self.feed(payload.split(b"\n"), out)
        self.ignored_lines += 1
        return False

    def _update_answering(self) -> None:
        self.answering = self.first_token_at is not None and not self.thinking and self.splitter.answering

    def _delta(self, delta: dict[str, Any], out: list[Event]) -> None:
        reasoning = delta.get("reasoning_content")
        if reasoning is None:
            reasoning = delta.get("reasoning")
        if type(reasoning) is str:
            self._reasoning_field(reasoning, out)
        content = delta.get("content")
        if type(content) is str:
            if content:
                self._content(content, out)
        elif content:
            self._content_parts(content, out)
        refusal = delta.get("refusal")
        if refusal and type(refusal) is str:
            # The model declined: OpenAI sends the text here instead of in content. It is the answer.
            self._response(refusal, out)
        calls = delta.get("tool_calls")
        if calls and type(calls) is list:
            self._end_thinking(out)
            if self.first_token_at is None:
                self.first_token_at = time.perf_counter()
            for call in calls:
                self.tool_calls.add(call)
        self._update_answering()

    def _reasoning_field(self, reasoning: str, out: list[Event]) -> None:
        """Reasoning in a field of its own (even ``""``): the server separates it, so the content is
        the answer, tags and all."""
        if not self.splitter.answering:
            self._pieces(self.splitter.to_answer(), out)
        if reasoning:
            self._thinking(reasoning, out)

    def _content(self, text: str, out: list[Event]) -> None:
        if self.splitter.answering:
            self._response(text, out)
        else:
            self._pieces(self.splitter.feed(text), out)

    def _content_parts(self, parts: Any, out: list[Event]) -> None:
        """Content as a list of parts (Mistral): ``text`` parts are content, ``thinking`` parts
        (themselves lists of text parts) are reasoning; other kinds carry no text for us."""
        for part in parts if type(parts) is list else [parts]:
            if type(part) is not dict:
                continue
            kind = part.get("type")
            if kind == "text" and type(part.get("text")) is str:
                if part["text"]:
                    self._content(part["text"], out)
            elif kind == "thinking":
                inner = part.get("thinking")
                if type(inner) is str:
                    self._reasoning_field(inner, out)
                elif type(inner) is list:
                    texts = [p.get("text") for p in inner if type(p) is dict]
                    self._reasoning_field("".join(t for t in texts if type(t) is str), out)

    def _pieces(self, pieces: list[tuple[bool, str]], out: list[Event]) -> None:
        for is_reasoning, text in pieces:
            if is_reasoning:
                self._thinking(text, out)
            else:
                self._response(text, out)

    # -- phases ------------------------------------------------------------------------------

    def _thinking(self, text: str, out: list[Event]) -> None:
        if not self.thinking:
            now = time.perf_counter()
            self.thinking = True
            self.think_started = now
            if self.first_token_at is None:
                self.first_token_at = now
        out.append(Thinking(text))

    def _end_thinking(self, out: list[Event]) -> None:
        if self.thinking:
            self.thinking = False
            duration = time.perf_counter() - self.think_started
            self.thinking_total = (self.thinking_total or 0.0) + duration
            out.append(ThinkingDone(round(duration, 6)))

    def _response(self, text: str, out: list[Event]) -> None:
        self._end_thinking(out)
        if self.first_token_at is None:
            self.first_token_at = time.perf_counter()
        out.append(Response(text))

    def _flush_splitter(self, out: list[Event]) -> None:
        self._pieces(self.splitter.finish(), out)

    def _end_of_answer(self, out: list[Event]) -> None:
        """The answer is complete (finish_reason or [DONE]): release everything held back."""
        self._flush_splitter(out)
        self._end_thinking(out)
        out.extend(self.tool_calls.flush())
        self._update_answering()

    # -- the end -----------------------------------------------------------------------------

    def done(self, out: list[Event]) -> Done:
        self._end_of_answer(out)
        end = time.perf_counter()
        ttft = None if self.first_token_at is None else self.first_token_at - self.started
        tps = None
        completion = (self.usage or {}).get("completion_tokens")
        if completion and self.first_token_at is not None and end > self.first_token_at:
            tps = round(completion / (end - self.first_token_at), 3)
        timing = Timing(
            ttft=None if ttft is None else round(ttft, 6),
            thinking=None if self.thinking_total is None else round(self.thinking_total, 6),
            total=round(end - self.started, 6),
            tokens_per_second=tps,
        )
        return Done(self.finish_reason, self.usage, timing, self.completion_id, self.ignored_lines)

    def end(self, out: list[Event]) -> TerminalEvent:
        """The input ended, or the stream said it was over: the terminal event, after held-back output."""
        if self.error is not None:
            self.partial_output(out)
            return self.error
        if self.saw_done or self.finish_reason is not None:
            # A finish_reason says the answer is complete: a server that then closes the stream
            # without [DONE] has still finished (openai-python ends there without complaint).
            return self.done(out)
        self.partial_output(out)
        return Error("stream_broken", "the server ended the stream before [DONE]")

    def partial_output(self, out: list[Event]) -> None:
        """The stream broke: what the server did send is still passed on (not the unfinished tool calls)."""
        self._flush_splitter(out)


def first_choice(choices: list[Any]) -> Any:
    """The choice with index 0 among several (in whatever order they are listed), else the first
    without an index; None when every choice is another one."""
    for choice in choices:
        if type(choice) is dict and choice.get("index") in (0, "0"):
            return choice
    for choice in choices:
        if type(choice) is dict and choice.get("index") is None:
            return choice
    return None


def _lenient(payload: bytes) -> Any:
    """What a payload orjson refused holds (mlxchat.chat.lenient_json), None if it is no JSON.
    Imported here: a well-formed stream never comes this way."""
    from mlxchat.chat.lenient_json import loads_lenient

    return loads_lenient(payload)


def _error_object(err: Any) -> Error:
    from mlxchat.chat.known_defects import known_defect_hint  # only an error needs it

    message = message_from_error(err) or "the server reported an error without a message"
    return Error("server_error", message, status=status_from_error(err), hint=known_defect_hint(message))


def _stream_error(payload: bytes) -> Error:
    """An error event (``error:`` field or ``event: error``): JSON, or the server's plain text."""
    try:
        obj = _loads(bytes(payload))  # orjson takes no subclass of bytes
    except _JSONDecodeError:
        obj = _lenient(bytes(payload))
        if obj is None:
            obj = payload.decode("utf-8", "replace")
    if isinstance(obj, dict):
        obj = error_in(obj) or obj
    return _error_object(obj)


def from_body(raw: bytes, translator: Translator, out: list[Event]) -> TerminalEvent:
    """A 200 answer that is not an event stream, read as what it is: a chat completion object (a
    server that ignored ``"stream": true``) gives the events a stream would; a bare error object
    (lemonade forwards its backend's error so) ends with ``server_error``; anything else (an HTML
    page, plain text) is ``bad_response``, naming what came. An event stream labelled as JSON is
    read as the event stream it is."""
    try:
        obj = _loads(raw)
    except _JSONDecodeError:
        obj = _lenient(raw)
    if obj is None:
        decoder = SSEDecoder()
        payloads = decoder.feed(raw) + decoder.finish()
        if decoder.seen_sse:
            translator.feed(payloads, out)
            return translator.end(out)
    if isinstance(obj, dict):
        err = error_in(obj)
        if err is not None:
            return _error_object(err)
        choices = obj.get("choices")
        choice = first_choice(choices) if choices and type(choices) is list else choices
        message = choice.get("message") if isinstance(choice, dict) else None
        if isinstance(message, dict):
            assert isinstance(choice, dict)
            keys = ("reasoning_content", "reasoning", "content", "refusal", "tool_calls")
            delta = {k: message[k] for k in keys if k in message}
            chunk = {
                "id": obj.get("id"),
                "choices": [{"delta": delta, "finish_reason": choice.get("finish_reason")}],
            }
            translator.feed([orjson.dumps({**chunk, "usage": obj.get("usage")}), b"[DONE]"], out)
            return translator.end(out)
    return Error(
        "bad_response",
        f"the server's answer is neither an event stream nor a chat completion: {body_excerpt(raw)}",
    )
