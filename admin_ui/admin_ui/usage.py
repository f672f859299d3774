"""Usage: tokens and turns per day and per profile, as charts."""

from __future__ import annotations

from typing import Any

import reflex as rx

from admin_ui.auth import AuthState
from admin_ui.helpers import usage_by_day, usage_by_profile
from admin_ui.layout import error_callout, loading, shell
from openbrain.client import api
from openbrain.domain.errors import OpenBrainError


class UsageState(AuthState):
    by_day: rx.Field[list[dict[str, Any]]] = rx.field(default_factory=list)
    by_profile: rx.Field[list[dict[str, Any]]] = rx.field(default_factory=list)
    since: rx.Field[str] = rx.field("")
    until: rx.Field[str] = rx.field("")
    error: rx.Field[str] = rx.field("")
    loading: rx.Field[bool] = rx.field(False)

    def set_since(self, value: str) -> None:
        self.since = value

    def set_until(self, value: str) -> None:
        self.until = value

    async def load(self) -> Any:
        if (redirect := self._guard()) is not None:
            return redirect
        self.loading, self.error = True, ""
        try:
            async with self.api() as client:
                page = await client.send(api.usage(self.since, self.until))
        except OpenBrainError as exc:
            self.error, redirect = self._failed(exc)
            return redirect
        finally:
            self.loading = False
        self.by_day = usage_by_day(page.items)
        self.by_profile = usage_by_profile(page.items)
        return None


def _chart(data: rx.Var[Any], x: str, test_id: str) -> rx.Component:
    return rx.hstack(
        rx.recharts.bar_chart(
            rx.recharts.bar(data_key="tokens", fill="var(--accent-9)", name="tokens"),
            rx.recharts.x_axis(data_key=x),
            rx.recharts.y_axis(),
            rx.recharts.graphing_tooltip(),
            rx.recharts.legend(),
            data=data,
            width=460,
            height=260,
        ),
        rx.recharts.bar_chart(
            rx.recharts.bar(data_key="turns", fill="var(--green-9)", name="turns"),
            rx.recharts.x_axis(data_key=x),
            rx.recharts.y_axis(allow_decimals=False),
            rx.recharts.graphing_tooltip(),
            rx.recharts.legend(),
            data=data,
            width=460,
            height=260,
        ),
        id=test_id,
        wrap="wrap",
    )


def usage_page() -> rx.Component:
    return shell(
        "Usage",
        rx.hstack(
            rx.input(type="date", value=UsageState.since, on_change=UsageState.set_since,
                     id="usage-since"),
            rx.input(type="date", value=UsageState.until, on_change=UsageState.set_until,
                     id="usage-until"),
            rx.button("Show", on_click=UsageState.load, id="usage-show"),
            margin_bottom="12px",
        ),
        error_callout(UsageState.error),
        loading(UsageState.loading),
        rx.cond(
            UsageState.by_day.length() > 0,
            rx.vstack(
                rx.heading("Per day", size="4"),
                _chart(UsageState.by_day, "day", "usage-by-day"),
                rx.heading("Per profile", size="4"),
                _chart(UsageState.by_profile, "profile", "usage-by-profile"),
            ),
            rx.text("No usage recorded in this period.", id="usage-empty"),
        ),
    )
