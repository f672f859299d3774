"""Encoding records to and from the ``data`` blob: msgspec JSON, one cached coder per type.

Reads are tolerant: a record written by a newer version (a rolling deploy, a rollback) has
fields this version does not know, and they are ignored. msgspec refuses unknown fields per
Struct type, and a few stored types are also inbound shapes that must refuse them (``Tenant``
and its ``Plan`` and ``Route``: tenant spec files and ``createTenant``), so the store drops
them itself rather than relying on each type's configuration.
"""

from __future__ import annotations

from functools import cache
from typing import Any, TypeVar

import msgspec
import msgspec.inspect as mi

from openbrain.domain.errors import InvalidError, StoredRecordError

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


@cache
def _type_info(record_type: type[Any]) -> mi.Type:
    return mi.type_info(record_type)


def decode(data: bytes, record_type: type[T]) -> T:
    """A stored record; fields this version does not declare are ignored.

    Raises:
        StoredRecordError: the blob is not a ``record_type`` even without unknown fields (a
            fault of the store, never of the caller).
    """
    decoder = _decoder(record_type)  # type: ignore[arg-type]  # types hash
    try:
        try:
            result: T = decoder.decode(data)
        except msgspec.ValidationError:  # perhaps written by a newer version: drop its fields
            info = _type_info(record_type)  # type: ignore[arg-type]  # types hash
            result = decoder.decode(_encoder.encode(known_fields(msgspec.json.decode(data), info)))
    except msgspec.DecodeError as exc:  # ValidationError included
        raise StoredRecordError(f"a stored {record_type.__name__} cannot be read: {exc}") from exc
    return result


def known_fields(value: Any, info: mi.Type) -> Any:
    """``value`` (plain decoded JSON) without the object keys ``info`` does not declare, at
    any depth (nested records, lists and dicts of records, optional records)."""
    if isinstance(info, mi.UnionType):
        fitting = [t for t in info.types if _fits(value, t)]
        return known_fields(value, fitting[0]) if len(fitting) == 1 else value
    if isinstance(value, dict) and isinstance(info, mi.StructType):
        fields = {f.encode_name: f.type for f in info.fields}
        return {
            key: known_fields(item, fields[key])
            for key, item in value.items()
            if key in fields or key == info.tag_field
        }
    if isinstance(value, dict) and isinstance(info, mi.DictType):
        return {key: known_fields(item, info.value_type) for key, item in value.items()}
    if isinstance(value, list) and isinstance(info, mi.CollectionType):
        return [known_fields(item, info.item_type) for item in value]
    return value


def _fits(value: Any, info: mi.Type) -> bool:
    if isinstance(value, dict):
        return isinstance(info, mi.StructType | mi.DictType)
    return isinstance(value, list) and isinstance(info, mi.CollectionType)
