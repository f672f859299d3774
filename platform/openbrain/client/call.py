"""One API request, described without doing I/O: what both transports send and decode."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar
from urllib.parse import quote

import msgspec

T = TypeVar("T")
SSE = "text/event-stream"


@dataclass(frozen=True, kw_only=True)
class Call(Generic[T]):
    """A request and how to read its successful answer.

    ``params`` leave out empty filters (``None`` or ``""``), so a form's blank input means
    "no filter" rather than "match the empty string".
    """

    method: str
    path: str
    decode: Callable[[bytes], T]
    params: Mapping[str, str | int | bool | None] = field(default_factory=dict)
    body: msgspec.Struct | dict[str, object] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)

    def query(self) -> dict[str, str]:
        return {k: _text(v) for k, v in self.params.items() if v is not None and v != ""}

    def content(self) -> bytes | None:
        return None if self.body is None else msgspec.json.encode(self.body)

    def request_headers(self) -> dict[str, str]:
        extra = {"Content-Type": "application/json"} if self.body is not None else {}
        return {**extra, **self.headers}


def _text(value: str | int | bool) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def segment(value: str) -> str:
    """One path segment, escaped (ids come from users and URLs)."""
    return quote(value, safe="")


def json_of(result: type[T]) -> Callable[[bytes], T]:
    """Decode a JSON answer into ``result`` (a domain Struct, a ``Page[...]``, a list)."""

    def decode(body: bytes) -> T:
        return msgspec.json.decode(body, type=result)

    return decode


def text(body: bytes) -> str:
    return body.decode()


def nothing(body: bytes) -> None:
    """An answer without content (204, or a body the caller does not need)."""
    del body
