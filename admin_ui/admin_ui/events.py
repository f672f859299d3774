"""Events: the tenant's routes (add a webhook, rotate its secret), deliveries, dead letters."""

from __future__ import annotations

from typing import Any

import reflex as rx

from admin_ui.api_client import ApiError
from admin_ui.auth import AuthState
from admin_ui.helpers import EVENT_TYPES, fmt_time
from admin_ui.layout import empty, error_callout, loading, notice, shell


class EventsState(AuthState):
    routes: list[dict[str, str]] = []
    deliveries: list[dict[str, str]] = []
    dead_letters: list[dict[str, str]] = []
    route_url: str = ""
    route_types: list[str] = ["lead.created", "lead.updated"]
    new_secret: str = ""
    message: str = ""
    error: str = ""
    loading: bool = False

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
        api = self.api()
        try:
            routes = await api.routes()
            deliveries = await api.deliveries()
            dead = await api.dead_letters()
        except ApiError as exc:
            self.error, redirect = self._failed(exc)
            return redirect
        finally:
            self.loading = False
        self.routes = [
            {
                "id": str(r.get("routeId", "")),
                "kind": str(r.get("kind", "webhook")),
                "url": str(r.get("url") or ""),
                "types": ", ".join(r.get("eventTypes") or []),
                "enabled": "yes" if r.get("enabled", True) else "no",
            }
            for r in routes
        ]
        self.deliveries = [
            {
                "at": fmt_time(d.get("at")),
                "event": str(d.get("eventId", "")),
                "type": str(d.get("detailType", "")),
                "route": str(d.get("routeId", "")),
                "attempt": str(d.get("attempt", "")),
                "outcome": str(d.get("outcome", "")),
                "status": str(d.get("httpStatus") or ""),
                "latency": f"{float(d.get('latencyMs') or 0):.0f} ms",
                "error": str(d.get("error") or ""),
            }
            for d in deliveries
        ]
        self.dead_letters = [
            {
                "id": str(d.get("deadLetterId", "")),
                "event": str(d.get("eventId", "")),
                "type": str(d.get("detailType", "")),
                "route": str(d.get("routeId", "")),
                "attempts": str(d.get("attempts", "")),
                "error": str(d.get("lastError") or ""),
                "state": str(d.get("state", "")),
                "created": fmt_time(d.get("createdAt")),
            }
            for d in dead
        ]
        return None

    async def add_route(self) -> Any:
        self.error, self.new_secret, self.message = "", "", ""
        try:
            created = await self.api().add_route(self.route_url.strip(), list(self.route_types))
        except ApiError as exc:
            self.error, redirect = self._failed(exc)
            return redirect
        self.new_secret = str(created.get("secret", ""))
        self.message = "Webhook added. Copy its signing secret now: it is shown only once."
        self.route_url = ""
        return await self._refresh()

    async def rotate(self, route_id: str) -> Any:
        self.error, self.new_secret, self.message = "", "", ""
        try:
            rotated = await self.api().rotate_route_secret(route_id)
        except ApiError as exc:
            self.error, redirect = self._failed(exc)
            return redirect
        self.new_secret = str(rotated.get("secret", ""))
        self.message = f"New signing secret for {route_id}: shown only once."
        return None

    async def redrive(self, dead_letter_id: str) -> Any:
        self.error, self.message = "", ""
        try:
            await self.api().redrive(dead_letter_id)
        except ApiError as exc:
            self.error, redirect = self._failed(exc)
            return redirect
        self.message = f"Redriven {dead_letter_id}."
        return await self._refresh()

    async def redrive_all(self) -> Any:
        self.error, self.message = "", ""
        try:
            count = await self.api().redrive_all()
        except ApiError as exc:
            self.error, redirect = self._failed(exc)
            return redirect
        self.message = f"Redriven {count} dead letter(s)."
        return await self._refresh()


def _toggle_type(event_type: str) -> Any:
    return lambda v: EventsState.toggle_type(event_type, v)


def _table(columns: tuple[str, ...], rows: Any, row: Any, test_id: str) -> rx.Component:
    return rx.table.root(
        rx.table.header(rx.table.row(*[rx.table.column_header_cell(c) for c in columns])),
        rx.table.body(rx.foreach(rows, row)),
        id=test_id,
    )


def events_page() -> rx.Component:
    return shell(
        "Events",
        error_callout(EventsState.error),
        notice(EventsState.message, "events-message"),
        rx.cond(
            EventsState.new_secret != "",
            rx.hstack(
                rx.code(EventsState.new_secret, id="route-secret"),
                rx.button("Copy", size="1", on_click=rx.set_clipboard(EventsState.new_secret)),
                margin_bottom="12px",
            ),
        ),
        loading(EventsState.loading),
        rx.heading("Routes", size="4"),
        rx.card(
            rx.hstack(
                rx.input(placeholder="https://example.com/hooks/openbrain",
                         value=EventsState.route_url, on_change=EventsState.set_route_url,
                         id="route-url", width="360px"),
                *[
                    rx.checkbox(t, checked=EventsState.route_types.contains(t),
                                on_change=_toggle_type(t), id=f"route-type-{t}")
                    for t in EVENT_TYPES
                ],
                rx.button("Add webhook", on_click=EventsState.add_route, id="add-route"),
                wrap="wrap",
                align="center",
            ),
            margin_y="8px",
        ),
        _table(
            ("Route", "Kind", "URL", "Event types", "Enabled", ""),
            EventsState.routes,
            lambda r: rx.table.row(
                rx.table.cell(rx.code(r["id"])),
                rx.table.cell(r["kind"]),
                rx.table.cell(r["url"]),
                rx.table.cell(r["types"]),
                rx.table.cell(r["enabled"]),
                rx.table.cell(
                    rx.cond(
                        r["kind"] == "webhook",
                        rx.button("Rotate secret", size="1", variant="soft",
                                  on_click=EventsState.rotate(r["id"])),
                    )
                ),
            ),
            "routes-table",
        ),
        empty(EventsState.routes, "No routes.", EventsState.loading),
        rx.hstack(
            rx.heading("Dead letters", size="4"),
            rx.button("Redrive all", size="1", on_click=EventsState.redrive_all,
                      id="redrive-all"),
            margin_top="16px",
            align="center",
        ),
        _table(
            ("Dead letter", "Event", "Type", "Route", "Attempts", "Last error", "State",
             "Created", ""),
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
                        rx.button("Redrive", size="1", on_click=EventsState.redrive(d["id"])),
                    )
                ),
            ),
            "dead-letters-table",
        ),
        empty(EventsState.dead_letters, "No dead letters: every event was delivered.",
              EventsState.loading),
        rx.heading("Delivery log", size="4", margin_top="16px"),
        _table(
            ("At", "Event", "Type", "Route", "Attempt", "Outcome", "HTTP", "Latency", "Error"),
            EventsState.deliveries,
            lambda d: rx.table.row(
                *[rx.table.cell(d[k]) for k in ("at", "event", "type", "route", "attempt",
                                                "outcome", "status", "latency", "error")]
            ),
            "deliveries-table",
        ),
        empty(EventsState.deliveries, "No deliveries yet.", EventsState.loading),
    )
