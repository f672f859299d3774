"""Encoding records to and from the ``data`` blob: msgspec JSON, one cached coder per type."""

from __future__ import annotations

from functools import cache
from typing import Any, TypeVar

import msgspec

T = TypeVar("T")

_encoder = msgspec.json.Encoder()


def encode(record: msgspec.Struct) -> bytes:
    return _encoder.encode(record)


@cache
def _decoder(record_type: type[Any]) -> msgspec.json.Decoder[Any]:
    return msgspec.json.Decoder(record_type)


def decode(data: bytes, record_type: type[T]) -> T:
    result: T = _decoder(record_type).decode(data)  # type: ignore[arg-type]  # types hash
    return result
