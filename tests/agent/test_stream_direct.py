"""The executor's streamed model call takes the providers' lean path (``stream_text``): the
same tokens and the same answer as ``BaseChatModel.stream`` merged, with no per-token
LangChain object, callback or log line; ``stream`` itself (callbacks, usage) is unchanged, and
a call that something observes keeps taking it. The upstream stream's ``data:`` lines are
read as ``iter_lines`` read them, errors and retries are as before, and a stream read to its
end leaves its keep-alive connection to the next call."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
import structlog
from langchain_core.callbacks import BaseCallbackHandler, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage
from langchain_core.outputs import ChatGenerationChunk
from langchain_core.runnables import Runnable
from pydantic import SecretStr

from openbrain.agent.offline import OfflineChatModel
from openbrain.agent.providers.openai_compat import OpenAICompatChatModel
from openbrain.agent.providers.streaming import direct
from openbrain.agent.providers.transport import sse_data
from openbrain.agent.tools import default_registry
from openbrain.agent.upstream import call_model
from openbrain.domain import UpstreamError
from tests.agent.fake_llm import Calls, FakeLLM, Malformed, Step, Text, serving

TOOLS = [t.openai_spec() for t in default_registry().select(
    ["capture_lead", "update_lead", "calculator"])]
ASKED: list[list[BaseMessage]] = [
    [HumanMessage("What are your opening hours?")],
    [HumanMessage("I'm Jane Doe, jane@example.com")],  # capture_lead
    [HumanMessage("what is 6 * 7?")],  # calculator
]


def _merged(model: Runnable[Any, Any], messages: list[BaseMessage]) -> tuple[list[str], Any]:
    """Tokens and answer as ``call_model`` took them before: ``stream``, merged once."""
    chunks = list(model.stream(messages, timeout=5.0))
    assert all(isinstance(c, AIMessageChunk) for c in chunks)
    first, *rest = chunks
    return [str(c.text) for c in chunks if c.text], first + rest if rest else first


def _lean(model: Runnable[Any, Any], messages: list[BaseMessage]) -> tuple[list[str], AIMessage]:
    assert direct(model) is not None
    tokens: list[str] = []
    answer = call_model(model, list(messages), timeout=5.0, on_token=tokens.append)
    return tokens, answer


def _read(answer: AIMessage) -> tuple[Any, ...]:
    """Everything the tool loop reads from an answer."""
    return (answer.content, [(c["name"], c["args"], c["id"]) for c in answer.tool_calls],
            answer.invalid_tool_calls, answer.usage_metadata)


@pytest.mark.parametrize("messages", ASKED, ids=["text", "lead", "calculator"])
def test_offline_lean_stream_gives_what_stream_gave(messages: list[BaseMessage]) -> None:
    model = OfflineChatModel().bind_tools(TOOLS)
    tokens, answer = _lean(model, messages)
    old_tokens, old = _merged(model, messages)
    assert tokens == old_tokens
    assert _read(answer) == _read(old)


@pytest.mark.parametrize("step", [
    Text("Hello there, we open at nine ✓ and close at five."),
    Calls([("capture_lead", {"full_name": "Jane Doe", "email": "jane@example.com"}),
           ("calculator", {"expression": "6 * 7"})]),
], ids=["text", "tool-calls"])
def test_openai_lean_stream_gives_what_stream_gave(step: Step) -> None:
    sent = []
    for run in (_lean, _merged):
        with serving(FakeLLM().then(step)) as fake:  # a fresh server: the same call ids
            model = OpenAICompatChatModel(model_name="m", base_url=fake.url,
                                          api_key=SecretStr("k")).bind_tools(TOOLS)
            sent.append((fake.requests, *run(model, ASKED[0])))
    (requests, tokens, answer), (old_requests, old_tokens, old) = sent
    assert requests == old_requests  # the same request on the wire
    assert tokens == old_tokens
    assert isinstance(answer, AIMessageChunk)
    assert answer.model_dump(exclude={"id"}) == old.model_dump(exclude={"id"})
    assert answer.usage_metadata
    assert answer.usage_metadata["output_tokens"] == 7


def test_a_stream_without_chunks_or_with_a_bad_one_fails_as_before() -> None:
    fake = FakeLLM()
    with serving(fake):
        model = OpenAICompatChatModel(model_name="m", base_url=fake.url, api_key=SecretStr("k"))
        for body in ('{"unexpected": true}', 'data: {"choices": [}\n\n'):
            fake.then(Malformed(body))
            with pytest.raises(UpstreamError, match="malformed"):
                call_model(model, ASKED[0], timeout=5.0, on_token=lambda _t: None)


class Counts:
    def __init__(self) -> None:
        self.chunks = 0
        self.generations = 0
        self.callbacks = 0


@pytest.fixture
def counts(monkeypatch: pytest.MonkeyPatch) -> Counts:
    """Counts LangChain message chunks, generation chunks and token callbacks as they are
    made."""
    seen = Counts()
    chunk_init, generation_init = AIMessageChunk.__init__, ChatGenerationChunk.__init__
    on_token = CallbackManagerForLLMRun.on_llm_new_token

    def chunk(self: AIMessageChunk, *args: Any, **kwargs: Any) -> None:
        seen.chunks += 1
        chunk_init(self, *args, **kwargs)

    def generation(self: ChatGenerationChunk, *args: Any, **kwargs: Any) -> None:
        seen.generations += 1
        generation_init(self, *args, **kwargs)

    def callback(self: CallbackManagerForLLMRun, *args: Any, **kwargs: Any) -> None:
        seen.callbacks += 1
        on_token(self, *args, **kwargs)

    monkeypatch.setattr(AIMessageChunk, "__init__", chunk)
    monkeypatch.setattr(ChatGenerationChunk, "__init__", generation)
    monkeypatch.setattr(CallbackManagerForLLMRun, "on_llm_new_token", callback)
    return seen


def test_per_token_work_is_the_token_alone(counts: Counts) -> None:
    """However many tokens, the same few objects per call, and no callback or log line."""
    fake = FakeLLM()
    seen: list[tuple[int, int, int, int]] = []
    with serving(fake):
        for model in (OfflineChatModel(), OpenAICompatChatModel(
                model_name="m", base_url=fake.url, api_key=SecretStr("k"))):
            for words in (5, 60):
                if isinstance(model, OpenAICompatChatModel):
                    fake.then(Text(" ".join(["word"] * words)))
                counts.chunks = counts.generations = counts.callbacks = 0
                tokens: list[str] = []
                with structlog.testing.capture_logs() as logs:
                    call_model(model, [HumanMessage(" ".join(["hi"] * words))], timeout=5.0,
                               on_token=tokens.append)
                assert len(tokens) >= 5
                assert isinstance(model, OfflineChatModel) or len(tokens) == words
                seen.append((counts.chunks, counts.generations, counts.callbacks, len(logs)))
    offline_short, offline_long, online_short, online_long = seen
    assert offline_short == offline_long
    assert offline_short == (0, 0, 0, 0)
    assert online_short == online_long
    assert online_short[1:] == (0, 0, 0)
    # The text, the finish chunk, the usage chunk, the closing one, and their merge.
    assert online_short[0] <= 5


class Recorder(BaseCallbackHandler):
    def __init__(self) -> None:
        self.tokens: list[str] = []
        self.ends = 0

    def on_llm_new_token(self, token: Any, **kwargs: Any) -> None:
        self.tokens.append(token)

    def on_llm_end(self, response: Any, **kwargs: Any) -> None:
        self.ends += 1


def _observed(recorder: Recorder) -> Iterator[tuple[str, Runnable[Any, Any]]]:
    bound = OfflineChatModel().bind_tools(TOOLS)
    yield "binding", bound.with_config(callbacks=[recorder])
    yield "model", OfflineChatModel(callbacks=[recorder]).bind_tools(TOOLS)
    yield "verbose", OfflineChatModel(verbose=True, callbacks=[recorder]).bind_tools(TOOLS)


def test_an_observed_call_still_takes_stream_with_its_callbacks() -> None:
    assert direct(OfflineChatModel()) is not None
    assert direct(OfflineChatModel().bind_tools(TOOLS)) is not None
    for what, model in _observed(recorder := Recorder()):
        recorder.tokens.clear()
        recorder.ends = 0
        assert direct(model) is None, what
        tokens: list[str] = []
        call_model(model, list(ASKED[0]), timeout=5.0, on_token=tokens.append)
        # Every token (a model's own callbacks hear each twice: ``_stream`` reports it, then
        # ``stream``, as before).
        said = recorder.tokens
        heard = [t for i, t in enumerate(said) if t and (i == 0 or said[i - 1] != t)]
        assert heard == tokens, what
        assert recorder.ends == 1, what


def test_stream_itself_still_streams_with_usage() -> None:
    model: BaseChatModel = OfflineChatModel()
    chunks = list(model.stream(ASKED[0]))
    assert len(chunks) > 5
    assert sum(c.usage_metadata["output_tokens"] for c in chunks if c.usage_metadata) > 0


SAMPLE = (b": a comment\r\nevent: chunk\r\ndata: {\"a\": 1}\r\n\r\ndata:{\"b\":\"\xc3\xbc\"}\n\n"
          b"data:  {\"c\": 3}  \r\rdata: [DONE]\n\ndata: {\"after\": 1}\n\n")


class Blocks(httpx.SyncByteStream):
    def __init__(self, blocks: list[bytes]) -> None:
        self.blocks = blocks

    def __iter__(self) -> Iterator[bytes]:
        yield from self.blocks


def _by_lines(raw: bytes) -> list[bytes]:
    """What the provider read before: ``iter_lines``, ``data:`` lines, up to ``[DONE]``."""
    found = []
    for line in httpx.Response(200, stream=Blocks([raw])).iter_lines():
        if line.startswith("data:"):
            data = line[5:].strip()
            if data == "[DONE]":
                break
            found.append(data.encode())
    return found


def test_sse_payloads_split_anywhere_read_as_iter_lines_read_them() -> None:
    expected = _by_lines(SAMPLE)
    assert expected == [b'{"a": 1}', b'{"b":"\xc3\xbc"}', b'{"c": 3}']
    for cut in range(len(SAMPLE) + 1):
        for second in (cut, min(cut + 1, len(SAMPLE))):
            blocks = [SAMPLE[:cut], SAMPLE[cut:second], SAMPLE[second:]]
            assert list(sse_data(httpx.Response(200, stream=Blocks(blocks)))) == expected, cut
    unterminated = b"data: {\"a\": 1}\ndata: {\"z\": 2}"
    assert list(sse_data(httpx.Response(200, stream=Blocks([unterminated])))) == (
        _by_lines(unterminated))


class KeepAlive(BaseHTTPRequestHandler):
    """A streamed completion over HTTP/1.1 keep-alive (``Content-Length``), with ``tail``
    bytes of comment after ``[DONE]``; with ``cut`` the connection drops in the middle of
    them."""

    protocol_version = "HTTP/1.1"
    cut = False
    tail = 24

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        events = [{"choices": [{"delta": {"content": word}}]} for word in ("one ", "two")]
        body = b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in events)
        body += b"data: [DONE]\n\n"
        tail = b":" + b"-" * (self.tail - 3) + b"\n\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Content-Length", str(len(body) + len(tail) + (10 if self.cut else 0)))
        self.end_headers()
        try:
            self.wfile.write(body + tail)
            self.wfile.flush()
        except OSError:  # the client closed it (after a tail longer than it reads)
            self.close_connection = True
        if self.cut:
            self.close_connection = True


class Counting(ThreadingHTTPServer):
    daemon_threads = True
    connections = 0

    def process_request(self, request: Any, client_address: Any) -> None:
        self.connections += 1
        super().process_request(request, client_address)


@contextmanager
def _serving(handler: type[BaseHTTPRequestHandler]
             ) -> Iterator[tuple[Counting, OpenAICompatChatModel]]:
    """``handler`` on a loopback port, and a model that streams from it."""
    server = Counting(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        yield server, OpenAICompatChatModel(
            model_name="m", base_url=f"http://127.0.0.1:{server.server_address[1]}/v1",
            api_key=SecretStr("k"))
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(("cut", "tail", "connections"), [
    (False, 24, 1), (True, 24, 3), (False, 200_000, 3),
], ids=["whole", "cut-after-done", "endless-after-done"])
def test_a_streamed_call_leaves_its_connection_to_the_next(cut: bool, tail: int,
                                                           connections: int) -> None:
    handler = type("Handler", (KeepAlive,), {"cut": cut, "tail": tail})
    with _serving(handler) as (server, model):
        for _ in range(3):
            tokens: list[str] = []
            answer = call_model(model, list(ASKED[0]), timeout=5.0, on_token=tokens.append)
            assert tokens == ["one ", "two"]
            assert answer.content == "one two"
        # Read to its end after [DONE], a response leaves its connection in the pool; one
        # whose body broke off, or went on too long, after [DONE] still gave its whole answer.
        assert server.connections == connections


class BreaksOff(KeepAlive):
    """One token, then the connection drops in the middle of the stream."""

    posts = 0

    def do_POST(self) -> None:
        type(self).posts += 1
        self.rfile.read(int(self.headers["Content-Length"]))
        first = b'data: {"choices": [{"delta": {"content": "one "}}]}\n\n'
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Content-Length", str(len(first) + 100))
        self.end_headers()
        self.wfile.write(first)
        self.wfile.flush()
        self.close_connection = True


def test_a_stream_that_breaks_off_after_a_token_is_not_retried() -> None:
    handler = type("Handler", (BreaksOff,), {"posts": 0})
    with _serving(handler) as (_, model):
        tokens: list[str] = []
        with pytest.raises(UpstreamError, match="could not reach"):
            call_model(model, list(ASKED[0]), timeout=5.0, on_token=tokens.append, retries=3)
        assert tokens == ["one "]
        assert handler.posts == 1
