"""Usage: tokens and turns per day and per profile, as charts; what they cost per model."""

from __future__ import annotations

from typing import Any

import reflex as rx

from admin_ui.auth import AuthState
from admin_ui.helpers import money, usage_by_day, usage_by_profile, usage_total
from admin_ui.layout import (
    error_callout,
    filter_bar,
    heading,
    labelled,
    loading,
    shell,
    table_region,
)
from openbrain.client import api
from openbrain.domain.errors import OpenBrainError


class UsageState(AuthState):
    by_day: rx.Field[list[dict[str, Any]]] = rx.field(default_factory=list)
    by_profile: rx.Field[list[dict[str, Any]]] = rx.field(default_factory=list)
    # The period's totals (usage_total), one field each.
    total_turns: rx.Field[int] = rx.field(0)
    total_input: rx.Field[int] = rx.field(0)
    total_output: rx.Field[int] = rx.field(0)
    total_tokens: rx.Field[int] = rx.field(0)
    # Per model: {model, turns, input, output, cost} (cost "unpriced" when the price table
    # does not list the model: unknown, never shown as $0).
    costs: rx.Field[list[dict[str, str]]] = rx.field(default_factory=list)
    total_cost: rx.Field[str] = rx.field("")
    unpriced: rx.Field[str] = rx.field("")
    since: rx.Field[str] = rx.field("")
    until: rx.Field[str] = rx.field("")
    error: rx.Field[str] = rx.field("")
    loading: rx.Field[bool] = rx.field(False)

    def set_since(self, value: str) -> None:
        self.since = value

    def set_until(self, value: str) -> None:
        self.until = value

    async def search(self, _form: dict[str, Any]) -> Any:
        """The filter bar was submitted (its button, or Enter in a field)."""
        return await self.load()

    async def load(self) -> Any:
        if (redirect := self._guard()) is not None:
            return redirect
        self.loading, self.error = True, ""
        try:
            async with self.api() as client:
                page = await client.send(api.usage(self.since, self.until))
                costs = await client.send(api.usage_costs(self.since, self.until))
        except OpenBrainError as exc:
            self.error, redirect = self._failed(exc)
            return redirect
        finally:
            self.loading = False
        self.by_day = usage_by_day(page.items)
        self.by_profile = usage_by_profile(page.items)
        total = usage_total(page.items)
        self.total_turns, self.total_input = total["turns"], total["input"]
        self.total_output, self.total_tokens = total["output"], total["tokens"]
        self.costs = [{"model": c.model, "turns": str(c.turns), "input": str(c.input_tokens),
                       "output": str(c.output_tokens), "cost": money(c.cost)}
                      for c in costs.items]
        self.total_cost = money(costs.total)
        self.unpriced = ", ".join(costs.unpriced)
        return None


def _bars(data: rx.Var[Any], x: str, key: str, fill: str, caption: str) -> rx.Component:
    """One fluid bar chart, named by its caption (the table below holds the same numbers)."""
    return rx.el.figure(
        rx.recharts.bar_chart(
            # No growing animation: bars drawn from zero on every render looked far too
            # short until it ended (and in every screenshot or printout taken meanwhile).
            rx.recharts.bar(data_key=key, fill=fill, name=key, is_animation_active=False),
            rx.recharts.x_axis(data_key=x),
            rx.recharts.y_axis(allow_decimals=False),
            rx.recharts.graphing_tooltip(),
            rx.recharts.legend(),
            data=data,
            width="100%",
            height=260,
        ),
        rx.el.figcaption(rx.text(caption, size="2")),
        margin="0",
        width="100%",
        max_width="460px",
        min_width="0",
    )


def _chart(data: rx.Var[Any], x: str, label: str, test_id: str) -> rx.Component:
    """Tokens and turns as two charts, and the same numbers as a table (the text alternative)."""
    return rx.box(
        rx.flex(
            _bars(data, x, "tokens", "var(--accent-9)", f"Tokens per {label.lower()}"),
            _bars(data, x, "turns", "var(--green-9)", f"Turns per {label.lower()}"),
            gap="16px",
            wrap="wrap",
            width="100%",
        ),
        table_region(f"Usage per {label.lower()}, as a table", rx.table.root(
            rx.table.header(rx.table.row(
                *[rx.table.column_header_cell(h) for h in (label, "Turns", "Input tokens",
                                                            "Output tokens", "Tokens")])),
            rx.table.body(rx.foreach(data, lambda r: rx.table.row(
                rx.table.row_header_cell(r[x]), rx.table.cell(r["turns"]),
                rx.table.cell(r["input"]), rx.table.cell(r["output"]),
                rx.table.cell(r["tokens"])))),
            size="1",
        )),
        id=test_id,
        width="100%",
    )


def _costs() -> rx.Component:
    """Tokens and cost per model, priced by the platform's table (``OB_MODEL_PRICES``)."""
    return rx.box(
        rx.text("In this period: ", rx.text.strong(UsageState.total_cost),
                rx.cond(UsageState.unpriced != "",
                        rx.text.span(" for the priced models; not priced: ", UsageState.unpriced,
                                     " (no entry in the price table)")),
                ".", id="usage-cost-total"),
        table_region("Cost per model", rx.table.root(
            rx.table.header(rx.table.row(
                *[rx.table.column_header_cell(h) for h in ("Model", "Turns", "Input tokens",
                                                            "Output tokens", "Cost")])),
            rx.table.body(rx.foreach(UsageState.costs, lambda c: rx.table.row(
                rx.table.row_header_cell(c["model"]), rx.table.cell(c["turns"]),
                rx.table.cell(c["input"]), rx.table.cell(c["output"]),
                rx.table.cell(c["cost"])))),
            size="1",
        ), "usage-costs"),
        width="100%",
    )


def usage_page() -> rx.Component:
    return shell(
        "Usage",
        filter_bar(
            UsageState.search,
            labelled("From (UTC)", "usage-since",
                     rx.input(type="date", value=UsageState.since,
                              on_change=UsageState.set_since, id="usage-since")),
            labelled("To (UTC)", "usage-until",
                     rx.input(type="date", value=UsageState.until,
                              on_change=UsageState.set_until, id="usage-until")),
            rx.button("Show", type="submit", id="usage-show"),
        ),
        error_callout(UsageState.error),
        loading(UsageState.loading),
        rx.cond(
            UsageState.by_day.length() > 0,
            rx.vstack(
                rx.text("In this period: ", rx.text.strong(UsageState.total_turns),
                        " turns, ", rx.text.strong(UsageState.total_input),
                        " input and ", rx.text.strong(UsageState.total_output),
                        " output tokens (", UsageState.total_tokens, " in all).",
                        id="usage-total"),
                heading("Per day", 2),
                _chart(UsageState.by_day, "day", "Day", "usage-by-day"),
                heading("Per profile", 2),
                _chart(UsageState.by_profile, "profile", "Profile", "usage-by-profile"),
                heading("Cost per model", 2),
                _costs(),
                width="100%",
            ),
            rx.text("No usage recorded in this period.", id="usage-empty"),
        ),
    )
