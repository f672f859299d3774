"""Refuse JSON bodies nested past a sane depth, before authentication, on every route.

A decoder recurses once per level: a few thousand ``[`` overflow it (a 500 with a traceback in
the log). This middleware reads the body first (it is capped at the app's body limit
anyway), counts the nesting of ``[`` and ``{`` outside strings, and answers a deep one with a
400 problem detail; otherwise it hands the same body on to the app.
"""

from __future__ import annotations

import re

import msgspec
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Receive, ReceiveMessage, Scope, Send

MAX_JSON_DEPTH = 32
"""Far above any request the API accepts (a profile with overrides nests about five deep)."""
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_OPEN = frozenset(b"[{")


def too_deep(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether ``body`` nests arrays and objects more than ``limit`` levels deep."""
    # Each level opens with a bracket: a body with no more opening brackets than the limit
    # (strings' included) cannot be deeper. Most bodies: two counts, no scan.
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    return scanned_too_deep(body, limit)


def scanned_too_deep(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """:func:`too_deep` by scanning the brackets outside strings, however few there are."""
    depth = 0
    for byte in _STRING.sub(b"", body).translate(None, _NOT_BRACKETS):
        depth = depth + 1 if byte in _OPEN else depth - 1
        if depth > limit:
            return True
    return False


class JsonDepthMiddleware:
    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:  # every body the API reads is JSON
            await self.app(scope, receive, send)
            return
        messages: list[ReceiveMessage] = []
        chunks: list[bytes] = []
        size, more = 0, True
        while more and size <= self.max_body_bytes:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            more = message.get("more_body", False)
        # Past the body limit the app answers 413 itself; only whole bodies are checked here.
        if not more and size <= self.max_body_bytes and too_deep(b"".join(chunks)):
            raise msgspec.DecodeError(
                f"the JSON body is nested more than {MAX_JSON_DEPTH} levels deep")

        async def replay() -> ReceiveMessage:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

