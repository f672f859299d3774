"""A small OpenAI-compatible chat-completions server for tests (real HTTP on 127.0.0.1).

Each request takes the next scripted step: a text answer, tool calls, an HTTP error, a
malformed body, or a hang. Plain JSON and ``stream: true`` (SSE chunks) are both served, and
every request body is recorded so tests can check what the model was sent.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Calls:
    calls: list[tuple[str, dict[str, Any]]]


@dataclass(frozen=True)
class Status:
    code: int
    body: str = '{"error": {"message": "boom", "type": "server_error"}}'
    headers: tuple[tuple[str, str], ...] = ()  # e.g. (("Retry-After", "1"),) with a 429


@dataclass(frozen=True)
class Malformed:
    body: str = '{"unexpected": true}'


@dataclass(frozen=True)
class Hang:
    seconds: float = 10.0


Step = Text | Calls | Status | Malformed | Hang


@dataclass
class FakeLLM:
    url: str = ""
    script: deque[Step] = field(default_factory=deque)
    requests: list[dict[str, Any]] = field(default_factory=list)
    default: Step = field(default_factory=lambda: Text("OK."))
    release: threading.Event = field(default_factory=threading.Event)
    call_counter: int = 0
    answer: Callable[[dict[str, Any]], Step] | None = None
    """When the script is empty: the step for a request body (a model that reads its prompt)."""

    def then(self, *steps: Step) -> FakeLLM:
        self.script.extend(steps)
        return self

    def next_step(self, body: dict[str, Any] | None = None) -> Step:
        if self.script:
            return self.script.popleft()
        if self.answer is not None and body is not None:
            return self.answer(body)
        return self.default

    def next_call_id(self) -> str:
        self.call_counter += 1
        return f"call_{self.call_counter}"

    @property
    def last_messages(self) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = self.requests[-1]["messages"]
        return messages


def _completion(model: str, message: dict[str, Any], finish: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18},
    }


def _chunk(model: str, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def _pieces(text: str) -> list[str]:
    words = text.split(" ")
    return [w + (" " if i < len(words) - 1 else "") for i, w in enumerate(words)]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        fake = self.server.fake
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length))
        if self.path != "/v1/chat/completions":
            self._send(404, b'{"error": {"message": "not found"}}')
            return
        fake.requests.append(body)
        step = fake.next_step(body)
        model = body.get("model", "test-model")
        if isinstance(step, Hang):
            fake.release.wait(step.seconds)
            self._send(200, json.dumps(_completion(model, {"role": "assistant",
                                                          "content": "late"}, "stop")).encode())
            return
        if isinstance(step, Status):
            self._send(step.code, step.body.encode(), step.headers)
            return
        if isinstance(step, Malformed):
            self._send(200, step.body.encode())
            return
        if body.get("stream"):
            self._stream(fake, model, step, body)
        else:
            self._plain(fake, model, step)

    def _plain(self, fake: FakeLLM, model: str, step: Text | Calls) -> None:
        message: dict[str, Any]
        if isinstance(step, Text):
            message = {"role": "assistant", "content": step.text}
            finish = "stop"
        else:
            message = {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"id": fake.next_call_id(), "type": "function",
                     "function": {"name": name, "arguments": json.dumps(args)}}
                    for name, args in step.calls
                ],
            }
            finish = "tool_calls"
        self._send(200, json.dumps(_completion(model, message, finish)).encode())

    def _stream(self, fake: FakeLLM, model: str, step: Text | Calls, body: dict[str, Any]) -> None:
        chunks: list[dict[str, Any]] = [_chunk(model, {"role": "assistant", "content": ""})]
        if isinstance(step, Text):
            chunks += [_chunk(model, {"content": p}) for p in _pieces(step.text)]
            chunks.append(_chunk(model, {}, "stop"))
        else:
            for index, (name, args) in enumerate(step.calls):
                arguments = json.dumps(args)
                half = len(arguments) // 2
                chunks.append(_chunk(model, {"tool_calls": [{
                    "index": index, "id": fake.next_call_id(), "type": "function",
                    "function": {"name": name, "arguments": arguments[:half]}}]}))
                chunks.append(_chunk(model, {"tool_calls": [{
                    "index": index, "function": {"arguments": arguments[half:]}}]}))
            chunks.append(_chunk(model, {}, "tool_calls"))
        if (body.get("stream_options") or {}).get("include_usage"):
            usage = {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18}
            chunks.append({**_chunk(model, {}), "choices": [], "usage": usage})
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for chunk in chunks:
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.flush()
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()

    def _send(self, code: int, payload: bytes,
              headers: tuple[tuple[str, str], ...] = ()) -> None:
        self.send_response(code)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeLLM


def start(fake: FakeLLM) -> _Server:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.fake = fake
    fake.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return server


@contextmanager
def serving(fake: FakeLLM) -> Iterator[FakeLLM]:
    """``fake`` served on loopback for the block; held answers are released at the end."""
    server = start(fake)
    try:
        yield fake
    finally:
        fake.release.set()
        server.shutdown()
        server.server_close()
