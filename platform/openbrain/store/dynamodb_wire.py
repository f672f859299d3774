"""DynamoDB's answers to the driver decoded by msgspec straight into typed values.

botocore parses every JSON answer by walking the operation's output shape value by value
(base64 included) into plain dicts, which the driver then walked again into :class:`Item`:
most of a ``Query``'s client CPU after the HTTP exchange itself. Here a ``before-parse``
handler (botocore's own hook) decodes the successful answer of a call the driver marked with
:func:`decoding` in one msgspec pass, and leaves botocore an empty body to parse. Only the
attribute types the store writes (``S``, ``N``, ``B``) are read. Errors (status >= 300) and
every call not marked (other users of the same client, ``BatchWriteItem``) are parsed by
botocore as before, so the driver's error mapping and retries see what they always saw.
A successful answer that is not valid JSON of the operation is a store failure (botocore
would have read it as an empty answer).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import msgspec
from botocore.exceptions import BotoCoreError

from openbrain.store.driver import Item

COUNTER_PREFIX = "c_"
TTL_ATTRIBUTE = "expiresAt"
DECODED = "openbrain:decoded"  # the key of the decoded answer in botocore's parsed response
HANDLER_ID = "openbrain-dynamodb-wire"

T = TypeVar("T")


class UnreadableAnswerError(BotoCoreError):
    """A successful answer that is not the JSON its operation returns (the driver maps it
    to ``StoreUnavailableError``, as every botocore failure)."""

    fmt = "DynamoDB's answer could not be read: {error}"


class Value(msgspec.Struct, frozen=True, omit_defaults=True):
    """An attribute value of a type the store writes (others read as all ``None``)."""

    S: str | None = None
    N: str | None = None
    B: bytes | None = None  # base64 on the wire; msgspec decodes it


Attrs = dict[str, Value]


class Answer(msgspec.Struct, frozen=True):
    """What every answer may carry: the capacity consumed, when asked for (a meter)."""

    ConsumedCapacity: Any = None


class GetItemAnswer(Answer, frozen=True):
    Item: Attrs | None = None


class QueryAnswer(Answer, frozen=True):
    Items: list[Attrs] = []
    LastEvaluatedKey: Attrs | None = None


class UpdateItemAnswer(Answer, frozen=True):
    Attributes: Attrs | None = None


_state = threading.local()


@contextmanager
def decoding(answer: type[Answer]) -> Iterator[None]:
    """Within this block, this thread's successful calls are decoded as ``answer`` and
    found in the parsed response under :data:`DECODED`."""
    _state.answer = answer
    try:
        yield
    finally:
        _state.answer = None


def before_parse(response_dict: dict[str, Any], customized_response_dict: dict[str, Any],
                 **_: Any) -> None:
    """botocore's ``before-parse`` event: decode a marked call's successful answer."""
    answer: type[Answer] | None = getattr(_state, "answer", None)
    if answer is None or response_dict["status_code"] >= 300:
        return
    try:
        customized_response_dict[DECODED] = msgspec.json.decode(response_dict["body"],
                                                                type=answer)
    except msgspec.DecodeError as exc:
        raise UnreadableAnswerError(error=exc) from exc
    response_dict["body"] = b"{}"


def decoded(response: dict[str, Any], answer: type[T]) -> T:
    """The decoded answer in a parsed response (see :func:`decoding`)."""
    found = response[DECODED]
    assert isinstance(found, answer)
    return found


def to_item(attrs: Attrs) -> Item:
    pk, sk = attrs["pk"].S, attrs["sk"].S
    assert pk is not None
    assert sk is not None
    data = attrs.get("data")
    version = attrs.get("version")
    gsi1pk, gsi1sk = attrs.get("gsi1pk"), attrs.get("gsi1sk")
    expires = attrs.get(TTL_ATTRIBUTE)
    return Item(
        pk=pk,
        sk=sk,
        data=(data.B or b"") if data is not None else b"",
        version=int(version.N or 0) if version is not None else 0,
        gsi1pk=gsi1pk.S if gsi1pk is not None else None,
        gsi1sk=gsi1sk.S if gsi1sk is not None else None,
        expires_at=int(expires.N or 0) if expires is not None else None,
        counters=counters(attrs),
    )


def counters(attrs: Attrs) -> dict[str, int]:
    return {
        name.removeprefix(COUNTER_PREFIX): int(value.N or 0)
        for name, value in attrs.items()
        if name.startswith(COUNTER_PREFIX)
    }


def key_attrs(attrs: Attrs) -> dict[str, dict[str, str]]:
    """A key from an answer (``LastEvaluatedKey``: strings only) in wire form, to send again."""
    return {name: {"S": value.S} for name, value in attrs.items() if value.S is not None}
