"""Events: the tenant's routes (add a webhook, rotate its secret, turn it off and on, send it a
test event), deliveries, dead letters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, get_args

import reflex as rx

from admin_ui.access import AccessState
from admin_ui.auth import AuthState
from admin_ui.helpers import describe_test_result, fmt_time
from admin_ui.layout import (
    checkbox_group,
    confirmed,
    empty,
    error_callout,
    guarded_shell,
    handler,
    heading,
    labelled,
    loading,
    notice,
    table_region,
)
from openbrain.client import api
from openbrain.domain.delivery import NewRoute, RouteChanges
from openbrain.domain.errors import OpenBrainError
from openbrain.domain.tenant import EventType

EVENT_TYPES: tuple[EventType, ...] = get_args(EventType)  # the API's own list


class EventsState(AuthState):
    routes: rx.Field[list[dict[str, str]]] = rx.field(default_factory=list)
    deliveries: rx.Field[list[dict[str, str]]] = rx.field(default_factory=list)
    dead_letters: rx.Field[list[dict[str, str]]] = rx.field(default_factory=list)
    route_url: rx.Field[str] = rx.field("")
    route_types: rx.Field[list[str]] = rx.field(
        default_factory=lambda: ["lead.created", "lead.updated"])
    new_secret: rx.Field[str] = rx.field("")
    # The last test event: what its route's target answered, and whether it took it.
    test_result: rx.Field[str] = rx.field("")
    test_delivered: rx.Field[bool] = rx.field(False)
    message: rx.Field[str] = rx.field("")
    error: rx.Field[str] = rx.field("")
    loading: rx.Field[bool] = rx.field(False)

    def set_route_url(self, value: str) -> None:
        self.route_url = value

    def toggle_type(self, event_type: str, on: bool) -> None:
        rest = [t for t in self.route_types if t != event_type]
        self.route_types = [*rest, event_type] if on else rest

    async def load(self) -> Any:
        if (redirect := self._guard()) is not None:
            return redirect
        self.new_secret, self.message = "", ""
        return await self._refresh()

    async def _refresh(self) -> Any:
        self.loading, self.error = True, ""
        try:
            async with self.api() as client:
                routes = await client.send(api.routes())
                deliveries = await client.send(api.deliveries())
                dead = await client.send(api.dead_letters())
        except OpenBrainError as exc:
            self.error, redirect = self._failed(exc)
            return redirect
        finally:
            self.loading = False
        self.routes = [
            {
                "id": r.route_id,
                "kind": r.kind,
                "url": r.url or "",
                "types": ", ".join(r.event_types),
                "enabled": "yes" if r.enabled else "no",
                "source": r.source,
            }
            for r in routes
        ]
        self.deliveries = [
            {
                "at": fmt_time(d.at),
                "event": d.event_id,
                "type": d.detail_type,
                "route": d.route_id,
                "attempt": str(d.attempt),
                "outcome": d.outcome,
                "status": str(d.http_status or ""),
                "latency": f"{d.latency_ms:.0f} ms",
                "error": d.error or "",
            }
            for d in deliveries.items
        ]
        self.dead_letters = [
            {
                "id": d.dead_letter_id,
                "event": d.event_id,
                "type": d.detail_type,
                "route": d.route_id,
                "attempts": str(d.attempts),
                "error": d.last_error or "",
                "state": d.state,
                "created": fmt_time(d.created_at),
            }
            for d in dead.items
        ]
        return None

    def _new_route(self) -> NewRoute:
        """The form as a request; the API checks the URL and says what is wrong with it."""
        types: list[EventType] = [t for t in EVENT_TYPES if t in self.route_types]
        return NewRoute(event_types=types, url=self.route_url.strip())

    async def add_route(self) -> Any:
        self.error, self.new_secret, self.message = "", "", ""
        try:
            async with self.api() as client:
                created = await client.send(api.add_route(self._new_route()))
        except OpenBrainError as exc:
            self.error, redirect = self._failed(exc)
            return redirect
        self.new_secret = created.secret
        self.message = "Webhook added. Copy its signing secret now: it is shown only once."
        self.route_url = ""
        return await self._refresh()

    async def rotate(self, route_id: str) -> Any:
        self.error, self.new_secret, self.message = "", "", ""
        try:
            async with self.api() as client:
                rotated = await client.send(api.rotate_route_secret(route_id))
        except OpenBrainError as exc:
            self.error, redirect = self._failed(exc)
            return redirect
        self.new_secret = rotated.secret
        self.message = f"New signing secret for {route_id}: shown only once."
        return None

    async def set_enabled(self, route_id: str, enabled: bool) -> Any:
        """Turn an added route off (it gets no events) or on again."""
        self.error, self.new_secret, self.message, self.test_result = "", "", "", ""
        try:
            async with self.api() as client:
                await client.send(api.change_route(route_id, RouteChanges(enabled=enabled)))
        except OpenBrainError as exc:
            self.error, redirect = self._failed(exc)
            return redirect
        self.message = f"Route {route_id} {'enabled' if enabled else 'disabled'}."
        return await self._refresh()

    async def send_test(self, route_id: str) -> Any:
        """Send the route a test event now; show how its target took it."""
        self.error, self.new_secret, self.message, self.test_result = "", "", "", ""
        try:
            async with self.api() as client:
                result = await client.send(api.send_test_event(route_id))
        except OpenBrainError as exc:
            self.error, redirect = self._failed(exc)
            return redirect
        self.test_delivered = result.delivered
        self.test_result = describe_test_result(result)
        return await self._refresh()

    async def delete_route(self, route_id: str) -> Any:
        """Delete a route added through the API (a spec's routes change in the spec)."""
        self.error, self.new_secret, self.message = "", "", ""
        try:
            async with self.api() as client:
                await client.send(api.delete_route(route_id))
        except OpenBrainError as exc:
            self.error, redirect = self._failed(exc)
            return redirect
        self.message = f"Route {route_id} deleted."
        return await self._refresh()

    async def redrive(self, dead_letter_id: str) -> Any:
        self.error, self.message = "", ""
        try:
            async with self.api() as client:
                await client.send(api.redrive(dead_letter_id))
        except OpenBrainError as exc:
            self.error, redirect = self._failed(exc)
            return redirect
        self.message = f"Redriven {dead_letter_id}."
        return await self._refresh()

    async def redrive_all(self) -> Any:
        self.error, self.message = "", ""
        try:
            async with self.api() as client:
                redriven = await client.send(api.redrive_all())
        except OpenBrainError as exc:
            self.error, redirect = self._failed(exc)
            return redirect
        self.message = f"Redriven {redriven.redriven} dead letter(s)."
        return await self._refresh()


def _toggle_type(event_type: str) -> Any:
    return lambda v: handler(EventsState.toggle_type)(event_type, v)


def _table(label: str, columns: tuple[str, ...], rows: rx.Var[Any],
           row: Callable[[Any], rx.Component], test_id: str) -> rx.Component:
    return table_region(label, rx.table.root(
        rx.table.header(rx.table.row(*[rx.table.column_header_cell(c) for c in columns])),
        rx.table.body(rx.foreach(rows, row)),
        id=test_id,
    ))


def events_page() -> rx.Component:
    return guarded_shell(
        AccessState.can_manage_events, "manage event routes and deliveries",
        "Events",
        error_callout(EventsState.error),
        notice(EventsState.message, "events-message"),
        rx.cond(
            EventsState.new_secret != "",
            rx.hstack(
                rx.code(EventsState.new_secret, id="route-secret"),
                rx.button("Copy", size="1", on_click=rx.set_clipboard(EventsState.new_secret),
                          aria_label="Copy the signing secret"),
                margin_bottom="12px",
            ),
        ),
        rx.box(
            rx.cond(EventsState.test_result != "", rx.cond(
                EventsState.test_delivered,
                rx.callout(EventsState.test_result, icon="check", color_scheme="green",
                           id="route-test-result"),
                rx.callout(EventsState.test_result, icon="triangle_alert", color_scheme="red",
                           id="route-test-result"),
            )),
            role="status",
            margin_bottom="12px",
        ),
        loading(EventsState.loading),
        heading("Routes", 2),
        rx.card(
            rx.flex(
                labelled("Webhook URL", "route-url",
                         rx.input(placeholder="https://example.com/hooks/openbrain",
                                  value=EventsState.route_url,
                                  on_change=EventsState.set_route_url, id="route-url"),
                         width="100%", max_width="360px"),
                checkbox_group("Event types", EVENT_TYPES, EventsState.route_types, _toggle_type,
                               "route-type-", gap="12px"),
                rx.button("Add webhook", on_click=EventsState.add_route, id="add-route"),
                wrap="wrap",
                gap="12px",
                align="end",
            ),
            margin_y="8px",
        ),
        _table(
            "Routes",
            ("Route", "Kind", "URL", "Event types", "Enabled", "Action"),
            EventsState.routes,
            lambda r: rx.table.row(
                rx.table.cell(rx.code(r["id"])),
                rx.table.cell(r["kind"]),
                rx.table.cell(r["url"]),
                rx.table.cell(r["types"]),
                rx.table.cell(r["enabled"]),
                rx.table.cell(rx.hstack(
                    rx.button("Send test event", size="1", variant="soft",
                              on_click=handler(EventsState.send_test)(r["id"]),
                              class_name="test-route",
                              aria_label="Send test event to " + r["id"]),
                    rx.cond(
                        r["source"] == "added",
                        rx.cond(
                            r["enabled"] == "yes",
                            rx.button("Disable", size="1", variant="soft", color_scheme="gray",
                                      on_click=handler(EventsState.set_enabled)(r["id"], False),
                                      class_name="disable-route",
                                      aria_label="Disable route " + r["id"]),
                            rx.button("Enable", size="1", variant="soft",
                                      on_click=handler(EventsState.set_enabled)(r["id"], True),
                                      class_name="enable-route",
                                      aria_label="Enable route " + r["id"]),
                        ),
                    ),
                    rx.cond(
                        r["kind"] == "webhook",
                        confirmed("Rotate secret of " + r["id"],
                                  "Rotate the signing secret of " + r["id"] + "?",
                                  "A new secret signs its deliveries from now on; the "
                                  "receiver refuses them until it has the new one.",
                                  "Rotate secret", handler(EventsState.rotate)(r["id"]),
                                  "rotate-secret", "confirm-rotate", "cancel-rotate",
                                  trigger_text="Rotate secret"),
                    ),
                    rx.cond(
                        r["source"] == "added",
                        confirmed("Delete route " + r["id"], "Delete route " + r["id"] + "?",
                                  "Events are no longer sent to it; its delivery log stays.",
                                  "Delete route", handler(EventsState.delete_route)(r["id"]),
                                  "delete-route", "confirm-delete-route", "cancel-delete-route"),
                    ),
                    wrap="wrap",
                )),
            ),
            "routes-table",
        ),
        empty(EventsState.routes, "No routes.", EventsState.loading, EventsState.error),
        rx.hstack(
            heading("Dead letters", 2),
            rx.button("Redrive all", size="1", on_click=EventsState.redrive_all,
                      id="redrive-all"),
            margin_top="16px",
            align="center",
        ),
        _table(
            "Dead letters",
            ("Dead letter", "Event", "Type", "Route", "Attempts", "Last error", "State",
             "Created", "Action"),
            EventsState.dead_letters,
            lambda d: rx.table.row(
                rx.table.cell(rx.code(d["id"])),
                rx.table.cell(d["event"]),
                rx.table.cell(d["type"]),
                rx.table.cell(d["route"]),
                rx.table.cell(d["attempts"]),
                rx.table.cell(d["error"]),
                rx.table.cell(d["state"]),
                rx.table.cell(d["created"]),
                rx.table.cell(
                    rx.cond(
                        d["state"] == "open",
                        rx.button("Redrive", size="1",
                                  on_click=handler(EventsState.redrive)(d["id"])),
                    )
                ),
            ),
            "dead-letters-table",
        ),
        empty(EventsState.dead_letters, "No dead letters: every event was delivered.",
              EventsState.loading, EventsState.error),
        heading("Delivery log", 2, margin_top="16px"),
        _table(
            "Delivery log",
            ("At", "Event", "Type", "Route", "Attempt", "Outcome", "HTTP", "Latency", "Error"),
            EventsState.deliveries,
            lambda d: rx.table.row(
                *[rx.table.cell(d[k]) for k in ("at", "event", "type", "route", "attempt",
                                                "outcome", "status", "latency", "error")]
            ),
            "deliveries-table",
        ),
        empty(EventsState.deliveries, "No deliveries yet.", EventsState.loading,
              EventsState.error),
    )
