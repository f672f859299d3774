"""Token usage per day and profile."""

from __future__ import annotations

from litestar import Controller, get

from openbrain.api.controllers._common import DayParam, day
from openbrain.api.deps import StoreDep
from openbrain.api.guards import requires_scope
from openbrain.api.schemas import UsagePage


class UsageController(Controller):
    path = "/v1/usage"
    tags = ["usage"]

    @get(operation_id="listUsage", guards=[requires_scope("configs:read")], sync_to_thread=True)
    def list_usage(self, store: StoreDep, since: DayParam = None,
                   until: DayParam = None) -> UsagePage:
        # Checked as days, compared as the ``YYYY-MM-DD`` text usage keys hold.
        day("since", since)
        day("until", until)
        return UsagePage(items=store.usage.list(since=since, until=until), cursor=None)
