"""``get_current_time`` and ``convert_timezone`` (IANA zones through ``zoneinfo``)."""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import Annotated
from zoneinfo import ZoneInfo

import msgspec

from openbrain.agent.tools.registry import Tool, ToolArgs, ToolContext, ToolError, ToolResult

ZoneName = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
_ZONE = re.compile(r"^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+){0,2}$")


class CurrentTimeArgs(ToolArgs, kw_only=True):
    """An IANA time zone such as ``Europe/Paris``; UTC when omitted."""

    timezone: ZoneName = "UTC"


class ConvertArgs(ToolArgs, kw_only=True):
    """A time (ISO 8601 date-time, or ``HH:MM`` for today) and the zones to convert between."""

    time: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
    from_timezone: ZoneName
    to_timezone: ZoneName


def _zone(name: str) -> ZoneInfo:
    if not _ZONE.match(name):
        raise ToolError(f"unknown time zone {name!r}")
    try:
        return ZoneInfo(name)
    except (ValueError, OSError, KeyError) as exc:  # ZoneInfoNotFoundError is a KeyError
        raise ToolError(f"unknown time zone {name!r}") from exc


def _parse(value: str, zone: ZoneInfo, now: datetime) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        try:
            clock = time.fromisoformat(value)
        except ValueError as exc:
            raise ToolError(f"cannot read {value!r} as a time (use ISO 8601 or HH:MM)") from exc
        moment = datetime.combine(now.astimezone(zone).date(), clock)
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment


def get_current_time(args: CurrentTimeArgs, ctx: ToolContext) -> ToolResult:
    zone = _zone(args.timezone)
    moment = ctx.now.astimezone(zone)
    return ToolResult(output=f"{moment.isoformat(timespec='seconds')} ({args.timezone})")


def convert_timezone(args: ConvertArgs, ctx: ToolContext) -> ToolResult:
    source, target = _zone(args.from_timezone), _zone(args.to_timezone)
    moment = _parse(args.time, source, ctx.now).astimezone(target)
    return ToolResult(output=f"{moment.isoformat(timespec='minutes')} ({args.to_timezone})")


GET_CURRENT_TIME = Tool(
    name="get_current_time",
    description="The current date and time in a time zone.",
    args=CurrentTimeArgs,
    run=get_current_time,
)
CONVERT_TIMEZONE = Tool(
    name="convert_timezone",
    description="Convert a date-time from one time zone to another.",
    args=ConvertArgs,
    run=convert_timezone,
)
