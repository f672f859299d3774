"""Token usage per day and profile."""

from __future__ import annotations

from datetime import date

from litestar import Controller, get

from openbrain.api.controllers._common import DayParam
from openbrain.api.deps import StoreDep
from openbrain.api.guards import requires_scope
from openbrain.api.schemas import UsagePage


class UsageController(Controller):
    path = "/v1/usage"
    tags = ["usage"]

    @get(operation_id="listUsage", guards=[requires_scope("configs:read")], sync_to_thread=True)
    def list_usage(self, store: StoreDep, since: DayParam = None,
                   until: DayParam = None) -> UsagePage:
        return UsagePage(items=store.usage.list(since=_day(since), until=_day(until)),
                         cursor=None)


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()
