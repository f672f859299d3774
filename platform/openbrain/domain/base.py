"""Base Structs and shared constrained types for every record on the wire and in the table."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from typing import Annotated, Any

import msgspec

# The id shapes live in ``ids``; re-exported for the records that import them from here.
from openbrain.domain.ids import ClientId as ClientId
from openbrain.domain.ids import Identifier as Identifier
from openbrain.domain.ids import ProfileName as ProfileName
from openbrain.domain.validation import shape


class Record(msgspec.Struct, rename="camel", kw_only=True, frozen=True):
    """A stored or transmitted record.

    * ``rename="camel"``: snake_case in Python, camelCase on the wire and in the table, so
      decode errors name the field the caller actually sent.
    * ``kw_only=True``: field order is free, so subclasses can add defaulted fields.
    * ``frozen=True``: records are values; change one with ``msgspec.structs.replace``.
    * unknown fields are ignored on decode, so a record written by a newer version (a rolling
      deploy, a rollback) still reads; new fields therefore need defaults.
    """


class Request(Record, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """An inbound payload: unknown fields are refused rather than silently dropped.

    msgspec applies this per Struct type, so a stored record never embeds or extends a
    Request: a shape used both ways keeps its fields on a Record base, which the Request and
    the stored record both extend (``AgentSettingsBase``). The store also drops unknown fields
    itself on read (``openbrain.store.codec``), for the inbound tenant spec types it keeps.
    """


# Constrained aliases: named once so every record refuses the same bad values the same way.
ShortText = Annotated[str, msgspec.Meta(max_length=200)]
LongText = Annotated[str, msgspec.Meta(max_length=20_000)]
MessageText = Annotated[str, msgspec.Meta(min_length=1, max_length=16_000)]
# No space or control character, spelled out so that Python and ECMA-262 (the OpenAPI
# document's readers) agree: their ``\s`` differ on U+001C-U+001F, U+0085 and U+FEFF.
_NOT_BLANK = r"@\s\x00-\x1f\x7f-\x9f\ufeff"
Email = Annotated[str, msgspec.Meta(
    pattern=shape(rf"^[^{_NOT_BLANK}]{{1,64}}@[^{_NOT_BLANK}]{{1,255}}\.[^{_NOT_BLANK}.]{{2,63}}$",
                  "an e-mail address such as jane@example.com"),
    max_length=254,
)]
Phone = Annotated[str, msgspec.Meta(pattern=shape(
    r"^\+?[0-9 ().-]{3,30}$", "a phone number: 3 to 30 digits, spaces and + ( ) . -"))]
Timestamp = datetime
JsonObject = dict[str, Any]

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_PAIRS = [a + b for a in _CROCKFORD for b in _CROCKFORD]
_PAIR_SHIFTS = range(120, -1, -10)


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC (naive datetimes never enter a record)."""
    return datetime.now(UTC)


def as_utc(moment: datetime | None) -> datetime | None:
    """``moment`` as an aware UTC datetime; a naive one is taken to be UTC already."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def new_id() -> str:
    """A 26-character, time-sortable, random identifier (ULID layout, Crockford base32).

    Sorting these strings sorts by creation time, which makes "newest first" a plain key
    order in the table. Each call draws fresh randomness (the original shared one id).
    """
    value = (time.time_ns() // 1_000_000) << 80 | int.from_bytes(os.urandom(10), "big")
    return ulid_text(value)


def ulid_text(value: int) -> str:
    """The 128-bit ``value`` as 26 Crockford base32 digits, most significant first: two
    digits (10 bits) per step, from a table of the 1,024 pairs."""
    return "".join([_PAIRS[(value >> shift) & 1023] for shift in _PAIR_SHIFTS])
