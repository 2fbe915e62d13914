"""Turning decoded stream payloads (OpenAI chat-completion chunks) into events.

Handles every shape the servers send: reasoning in ``delta.reasoning_content`` (mlx-openai-server,
llama.cpp, LM Studio) or ``delta.reasoning`` (mlx_lm.server, vLLM, Ollama) or inline ``<think>`` tags
in ``delta.content``; tool calls whole or in fragments; usage in the finish chunk or in a chunk of its
own with ``choices: []``; an ``{"error": ...}`` object after a 200; ``[DONE]``. Lines that are not
JSON are counted and skipped.
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
    ToolCall,
)
from mlxchat.chat.http_errors import message_from_error, status_from_error
from mlxchat.chat.reasoning import ThinkSplitter

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
    details = usage.get("prompt_tokens_details")
    if isinstance(details, dict) and isinstance(details.get("cached_tokens"), int):
        out["cached_tokens"] = details["cached_tokens"]
    return out or None


class Translator:
    """State of one stream: which phase it is in, timings, usage, tool calls being assembled."""

    def __init__(self, *, started: float, thinking_prefilled: bool = False) -> None:
        self.started = started
        self.splitter = ThinkSplitter(in_think=thinking_prefilled)
        self.saw_reasoning_field = False
        self.thinking = False  # inside a run of reasoning
        self.think_started = 0.0
        self.thinking_total: float | None = None
        self.first_token_at: float | None = None
        self.finish_reason: str | None = None
        self.usage: dict[str, int] | None = None
        self.completion_id: str | None = None
        self.tool_calls: dict[int, list[Any]] = {}  # index -> [id, name, arguments]
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
                if b"\n" in payload:
                    # Servers that forget the blank line between events: one JSON per data line.
                    if self.feed(payload.split(b"\n"), out):
                        return True
                else:
                    self.ignored_lines += 1
                continue
            if type(obj) is not dict:
                self.ignored_lines += 1
                continue
            if self.completion_id is None:
                cid = obj.get("id")
                if isinstance(cid, str):
                    self.completion_id = cid
            err = obj.get("error")
            if err is not None:
                self.error = Error(
                    "server_error",
                    message_from_error(err) or "the server reported an error without a message",
                    status=status_from_error(err),
                )
                return True
            choices = obj.get("choices")
            if choices and type(choices) is list:
                choice = choices[0]
                if type(choice) is dict:
                    delta = choice.get("delta")
                    if delta and type(delta) is dict:
                        content = delta.get("content")
                        if (
                            self.answering
                            and type(content) is str
                            and content
                            and "<" not in content
                            and "reasoning_content" not in delta
                            and "reasoning" not in delta
                            and "tool_calls" not in delta
                        ):
                            # The hot path: a plain piece of the answer.
                            out.append(Response(content))
                        else:
                            self._delta(delta, out)
                    reason = choice.get("finish_reason")
                    if reason:
                        self.finish_reason = str(reason)
                        self._end_of_answer(out)
            usage = obj.get("usage")
            if usage:
                self.usage = normalize_usage(usage)
        return False

    def _update_answering(self) -> None:
        splitter = self.splitter
        self.answering = (
            self.first_token_at is not None
            and not self.thinking
            and not splitter.in_think
            and not splitter.pending
        )

    def _delta(self, delta: dict[str, Any], out: list[Event]) -> None:  # noqa: PLR0912 (every shape a delta takes)
        reasoning = delta.get("reasoning_content")
        if reasoning is None:
            reasoning = delta.get("reasoning")
        if reasoning is not None:
            if not self.saw_reasoning_field:
                # The server separates reasoning itself; its content is the answer.
                self.saw_reasoning_field = True
                self.splitter.in_think = False
            if reasoning and type(reasoning) is str:
                self._thinking(reasoning, out)
        content = delta.get("content")
        if content and type(content) is str:
            splitter = self.splitter
            if self.saw_reasoning_field and not splitter.pending:
                # The server separates reasoning itself: content is the answer, tags and all.
                self._response(content, out)
            elif not self.thinking and not splitter.in_think and "<" not in content and not splitter.pending:
                if self.first_token_at is None:
                    self.first_token_at = time.perf_counter()
                out.append(Response(content))
            else:
                for is_reasoning, text in splitter.feed(content):
                    if is_reasoning:
                        self._thinking(text, out)
                    else:
                        self._response(text, out)
        calls = delta.get("tool_calls")
        if calls and type(calls) is list:
            self._end_thinking(out)
            if self.first_token_at is None:
                self.first_token_at = time.perf_counter()
            for call in calls:
                self._tool_call_fragment(call)
        self._update_answering()

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

    def _tool_call_fragment(self, call: Any) -> None:
        if not isinstance(call, dict):
            return
        index = call.get("index")
        if not isinstance(index, int):
            index = len(self.tool_calls)
        entry = self.tool_calls.setdefault(index, [None, None, ""])
        if isinstance(call.get("id"), str) and not entry[0]:
            entry[0] = call["id"]
        function = call.get("function")
        if isinstance(function, dict):
            name = function.get("name")
            if isinstance(name, str) and name and not entry[1]:
                entry[1] = name
            args = function.get("arguments")
            if isinstance(args, str):
                entry[2] += args
            elif args is not None:
                entry[2] += orjson.dumps(args).decode()

    def _flush_tool_calls(self, out: list[Event]) -> None:
        for index in sorted(self.tool_calls):
            call_id, name, arguments = self.tool_calls[index]
            out.append(ToolCall(index, call_id, name, arguments))
        self.tool_calls.clear()

    def _flush_splitter(self, out: list[Event]) -> None:
        for is_reasoning, text in self.splitter.finish():
            if is_reasoning:
                self._thinking(text, out)
            else:
                self._response(text, out)

    def _end_of_answer(self, out: list[Event]) -> None:
        """The answer is complete (finish_reason or [DONE]): release everything held back."""
        self._flush_splitter(out)
        self._end_thinking(out)
        self._flush_tool_calls(out)
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
        if self.saw_done:
            return self.done(out)
        self.partial_output(out)
        return Error("stream_broken", "the server ended the stream before [DONE]")

    def partial_output(self, out: list[Event]) -> None:
        """The stream broke: what the server did send is still passed on (not the unfinished tool calls)."""
        self._flush_splitter(out)
