"""``FramedStream`` sends what Litestar's ``Stream`` sends, stops when the client leaves (the
stream's own clean-up runs), passes on a cancellation from elsewhere, and a streamed turn
sets up no task group."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import anyio
import litestar.response.streaming as streaming
import pytest
from litestar.response import Stream

from openbrain.api.framed_stream import Final, FramedStream
from tests.api.conftest import World

SCOPE: dict[str, Any] = {"type": "http", "method": "GET", "path": "/", "headers": []}


class Client:
    """An ASGI client that leaves (``http.disconnect``) after ``leave_after`` body chunks;
    as uvicorn, ``receive`` says ``http.disconnect`` once the response is complete."""

    def __init__(self, leave_after: int | None = None) -> None:
        self.sent: list[dict[str, Any]] = []
        self.leave_after = leave_after
        self._left = asyncio.Event()

    async def send(self, message: Any) -> None:
        self.sent.append(dict(message))
        chunks = sum(1 for m in self.sent if m["type"] == "http.response.body")
        if (self.leave_after is not None and chunks >= self.leave_after) or (
                message["type"] == "http.response.body" and not message.get("more_body")):
            self._left.set()

    async def receive(self) -> Any:
        await self._left.wait()
        return {"type": "http.disconnect"}


def _chunks(stop: asyncio.Event | None, cleaned: list[str]) -> AsyncIterator[bytes]:
    async def chunks() -> AsyncIterator[bytes]:
        try:
            yield b"one"
            yield b"two"
            if stop is not None:
                await stop.wait()  # a model that has not answered yet
            yield b"three"
        finally:
            cleaned.append("done")
    return chunks()


async def _serve(response: Stream, client: Client) -> None:
    asgi = response.to_asgi_response(None, None)  # type: ignore[arg-type]
    await asgi(SCOPE, client.receive, client.send)  # type: ignore[arg-type]


def test_the_same_messages_as_stream() -> None:
    async def run(kind: type[Stream]) -> list[dict[str, Any]]:
        client = Client()
        cleaned: list[str] = []
        await _serve(kind(_chunks(None, cleaned), media_type="text/event-stream",
                          headers={"X-Session-Id": "s1"}), client)
        assert cleaned == ["done"]
        return client.sent

    ours, theirs = asyncio.run(run(FramedStream)), asyncio.run(run(Stream))
    assert ours == theirs
    assert [m.get("body") for m in ours[1:]] == [b"one", b"two", b"three", b""]


def test_a_final_chunk_ends_the_body_in_one_message() -> None:
    """The end of the body rides on the last chunk (one write to the socket, not two); the
    chunks before it are sent as ``Stream`` sends them, and the stream's clean-up runs."""
    async def chunks(cleaned: list[str]) -> AsyncIterator[bytes]:
        try:
            yield b"one"
            yield Final(b"two")
        finally:
            cleaned.append("done")

    async def run() -> tuple[list[dict[str, Any]], list[str]]:
        client, cleaned = Client(), []
        await _serve(FramedStream(chunks(cleaned), media_type="text/event-stream"), client)
        return client.sent, cleaned

    sent, cleaned = asyncio.run(run())
    assert [(m.get("body"), m.get("more_body")) for m in sent[1:]] == [
        (b"one", True), (b"two", False)]
    assert cleaned == ["done"]


@pytest.mark.parametrize("kind", [FramedStream, Stream])
def test_a_client_that_leaves_stops_the_stream(kind: type[Stream]) -> None:
    async def run() -> tuple[Client, list[str]]:
        client = Client(leave_after=2)
        cleaned: list[str] = []
        never = asyncio.Event()
        await asyncio.wait_for(_serve(kind(_chunks(never, cleaned)), client), 5.0)
        await asyncio.sleep(0)
        assert {t for t in asyncio.all_tasks() if t is not asyncio.current_task()} == set()
        return client, cleaned

    client, cleaned = asyncio.run(run())
    assert cleaned == ["done"]  # the stream's own clean-up ran (stream_client_gone)
    assert [m.get("body") for m in client.sent[1:]] == [b"one", b"two"]


def test_a_cancellation_from_elsewhere_goes_on() -> None:
    async def run() -> list[str]:
        cleaned: list[str] = []
        task = asyncio.ensure_future(_serve(FramedStream(_chunks(asyncio.Event(), cleaned)),
                                            Client()))
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return cleaned

    assert asyncio.run(run()) == ["done"]


def test_a_streamed_turn_sets_up_no_task_group(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    groups: list[object] = []

    def counting() -> Any:
        groups.append(object())
        return anyio.create_task_group()

    monkeypatch.setattr(streaming, "create_task_group", counting)
    r = world.stream_turn()
    assert r.text.count("event: token\r\n") > 5
    assert "event: done\r\n" in r.text
    assert groups == []
