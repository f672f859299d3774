"""Encoding records to and from the ``data`` blob: msgspec JSON, one cached coder per type."""

from __future__ import annotations

from functools import cache
from typing import Any, TypeVar

import msgspec

from openbrain.domain.errors import InvalidError

T = TypeVar("T")
S = TypeVar("S", bound=msgspec.Struct)

_encoder = msgspec.json.Encoder()


def encode(record: msgspec.Struct) -> bytes:
    return _encoder.encode(record)


@cache
def _decoder(record_type: type[Any]) -> msgspec.json.Decoder[Any]:
    return msgspec.json.Decoder(record_type)


def validated(record: S) -> S:
    """``record`` checked against its type's constraints (msgspec checks them on decode, not
    on ``__init__``, so records built in Python are re-checked before they are stored).

    Raises:
        InvalidError: a field breaks a constraint; the message names the wire field.
    """
    try:
        return msgspec.convert(msgspec.to_builtins(record), type=type(record))
    except msgspec.ValidationError as exc:
        raise InvalidError(str(exc)) from exc


def decode(data: bytes, record_type: type[T]) -> T:
    result: T = _decoder(record_type).decode(data)  # type: ignore[arg-type]  # types hash
    return result
