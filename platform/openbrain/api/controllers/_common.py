"""Shared parameter types of the controllers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from litestar.exceptions import ValidationException
from litestar.params import Parameter

from openbrain.domain.ids import IDENTIFIER, PROFILE_NAME

LimitParam = Annotated[int, Parameter(ge=1, le=200, description="page size (1-200)")]
CursorParam = Annotated[
    str | None, Parameter(max_length=2000, description="cursor of the next page", required=False)
]
# Dates and timestamps in queries are strings read strictly: Litestar's lax conversion of a
# ``date``/``datetime`` parameter also takes ``null`` (as absent) and numbers (Unix time).
_DAY = r"^(?!0000)[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"  # no year 0
DayParam = Annotated[str | None, Parameter(
    required=False, pattern=rf"{_DAY}$(?!\n)", schema_extra={"format": "date"},
    description="YYYY-MM-DD, a real calendar day")]
# No ``format: date-time``: that format requires an offset, and a timestamp without one is
# read as UTC.
TimestampFilter = Annotated[str | None, Parameter(
    required=False,
    pattern=(rf"{_DAY}T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{{1,6}})?"
             r"(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])?$(?!\n)"),
    description="RFC 3339 timestamp (UTC when it has no offset)")]


def _invalid(name: str, what: str) -> ValidationException:
    message = f"{name} is not a valid {what}"
    return ValidationException(message, extra=[{"key": name, "message": message,
                                                 "source": "query"}])


def day(name: str, value: str | None) -> date | None:
    """The ``DayParam`` query parameter ``name`` as a date.

    Raises:
        ValidationException: not a real day (``2024-02-30``): a 400 naming it.
    """
    try:
        return None if value is None else date.fromisoformat(value)
    except ValueError as exc:
        raise _invalid(name, "day (YYYY-MM-DD)") from exc


def timestamp(name: str, value: str | None) -> datetime | None:
    """The ``TimestampFilter`` query parameter ``name`` as a datetime.

    Raises:
        ValidationException: not a real moment (``2024-02-30T00:00:00Z``): a 400 naming it.
    """
    try:
        return None if value is None else datetime.fromisoformat(value)
    except ValueError as exc:
        raise _invalid(name, "timestamp") from exc
IdParam = Annotated[str, Parameter(pattern=IDENTIFIER.anchored)]
ProfileParam = Annotated[str, Parameter(pattern=PROFILE_NAME.anchored)]
# Optional filters take one Parameter carrying the pattern: an outer ``Parameter`` around an
# Annotated alias in a union drops the inner one's constraints (``?profile=%00`` passed).
ProfileFilter = Annotated[
    str | None, Parameter(pattern=PROFILE_NAME.anchored, required=False)
]
# Search text: any printable text, never control characters (a NUL is a probe, not a name).
QueryParam = Annotated[str | None, Parameter(required=False, min_length=1, max_length=200,
                                             pattern=r"^[^\x00-\x1f\x7f]+$")]
