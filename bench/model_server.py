"""A loopback OpenAI-compatible chat-completions server for the benchmarks, in a process of
its own (so its CPU is not the platform's): HTTP/1.1 keep-alive, asyncio, one fixed answer
of ``--words`` words, as one JSON body or as SSE chunks (one per word, then the usage chunk
when asked for). Never calls tools: one model call per turn.

    python bench/model_server.py PORT [--words 35]
"""

from __future__ import annotations

import argparse
import asyncio

import msgspec

_decoder = msgspec.json.Decoder()


def _chunked(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


class Answers:
    def __init__(self, words: int) -> None:
        pieces = [f"word{i} " for i in range(words - 1)] + ["end."]
        text = "".join(pieces)
        usage = {"prompt_tokens": 420, "completion_tokens": words, "total_tokens": 420 + words}
        self.plain = msgspec.json.encode({
            "id": "chatcmpl-bench", "object": "chat.completion", "created": 0,
            "model": "bench-model", "usage": usage,
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": text}}]})

        def chunk(delta: dict[str, str], finish: str | None = None) -> bytes:
            event = {"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 0,
                     "model": "bench-model",
                     "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
            return _chunked(b"data: " + msgspec.json.encode(event) + b"\n\n")

        events = [chunk({"role": "assistant", "content": ""})]
        events += [chunk({"content": p}) for p in pieces]
        events.append(chunk({}, "stop"))
        self.stream = b"".join(events)
        self.usage = _chunked(b"data: " + msgspec.json.encode({
            "id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 0,
            "model": "bench-model", "choices": [], "usage": usage}) + b"\n\n")
        self.done = _chunked(b"data: [DONE]\n\n") + b"0\r\n\r\n"


async def handle(answers: Answers, reader: asyncio.StreamReader,
                 writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lower = head.lower()
            at = lower.find(b"content-length:")
            length = int(lower[at + 15:lower.index(b"\r\n", at)]) if at >= 0 else 0
            body = _decoder.decode(await reader.readexactly(length)) if length else {}
            if body.get("stream"):
                usage = (body.get("stream_options") or {}).get("include_usage")
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
                             b"transfer-encoding: chunked\r\n\r\n" + answers.stream
                             + (answers.usage if usage else b"") + answers.done)
            else:
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                             + f"content-length: {len(answers.plain)}\r\n\r\n".encode()
                             + answers.plain)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        writer.close()


async def main(port: int, words: int) -> None:
    answers = Answers(words)
    server = await asyncio.start_server(lambda r, w: handle(answers, r, w), "127.0.0.1", port)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("port", type=int)
    parser.add_argument("--words", type=int, default=35)
    args = parser.parse_args()
    asyncio.run(main(args.port, args.words))
