"""When a tenant's people answer hand-offs: a plan option (``handoff`` and ``businessHours``)."""

from __future__ import annotations

from datetime import datetime, time
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec

from openbrain.domain.base import Record
from openbrain.domain.validation import shape

HandoffAvailability = Literal["always", "business-hours", "never"]
ClockTime = Annotated[str, msgspec.Meta(pattern=shape(
    r"^([01][0-9]|2[0-3]):[0-5][0-9]$", "a time of day as HH:MM (24-hour clock)"))]
IsoWeekday = Annotated[int, msgspec.Meta(ge=1, le=7)]


class BusinessHours(Record, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """The hours operators are at work, in the tenant's time zone (days 1 = Monday … 7)."""

    timezone: str = "UTC"
    days: Annotated[list[IsoWeekday], msgspec.Meta(min_length=1)] = msgspec.field(
        default_factory=lambda: [1, 2, 3, 4, 5])
    opens: ClockTime = "09:00"
    closes: ClockTime = "17:00"

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"timezone {self.timezone!r} is not an IANA time zone") from exc
        if self.opens >= self.closes:
            raise ValueError("businessHours: opens must be before closes")

    def open_at(self, moment: datetime) -> bool:
        local = moment.astimezone(ZoneInfo(self.timezone))
        now = local.time().replace(tzinfo=None)
        return (local.isoweekday() in self.days
                and time.fromisoformat(self.opens) <= now < time.fromisoformat(self.closes))


def humans_available(availability: HandoffAvailability, hours: BusinessHours,
                     moment: datetime) -> bool:
    """Whether a hand-off requested at ``moment`` can reach a person."""
    if availability == "never":
        return False
    return availability == "always" or hours.open_at(moment)
