"""Sessions: the list (newest first, filter by profile and date) and one transcript."""

from __future__ import annotations

from typing import Any

import reflex as rx

from admin_ui.auth import AuthState
from admin_ui.helpers import day_bounds, fmt_time, memory_view, transcript_rows
from admin_ui.layout import (
    empty,
    error_callout,
    filter_bar,
    heading,
    labelled,
    loading,
    shell,
    table_region,
)
from openbrain.client import api
from openbrain.domain.errors import NotFoundError, OpenBrainError


class SessionsState(AuthState):
    sessions: rx.Field[list[dict[str, str]]] = rx.field(default_factory=list)
    profile_filter: rx.Field[str] = rx.field("")
    since: rx.Field[str] = rx.field("")
    until: rx.Field[str] = rx.field("")
    error: rx.Field[str] = rx.field("")
    loading: rx.Field[bool] = rx.field(False)

    def set_profile_filter(self, value: str) -> None:
        self.profile_filter = value

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
            since, until = day_bounds(self.since, self.until)
            async with self.api() as client:
                page = await client.send(api.sessions(self.profile_filter.strip(), since, until))
        except OpenBrainError as exc:
            self.error, redirect = self._failed(exc)
            return redirect
        finally:
            self.loading = False
        self.sessions = [
            {
                "id": s.session_id,
                "profile": s.profile_name,
                "version": str(s.config.version),
                "turns": str(s.turn_count),
                "lead": s.lead_id or "",
                "created": fmt_time(s.created_at),
                "updated": fmt_time(s.updated_at),
            }
            for s in page.items
        ]
        return None


class TranscriptState(AuthState):
    session_id: rx.Field[str] = rx.field("")
    summary: dict[str, str] = {}
    memory: dict[str, str] = {}
    rows: rx.Field[list[dict[str, str]]] = rx.field(default_factory=list)
    events: rx.Field[list[dict[str, str]]] = rx.field(default_factory=list)
    error: rx.Field[str] = rx.field("")
    loading: rx.Field[bool] = rx.field(False)
    not_found: rx.Field[bool] = rx.field(False)

    async def load(self) -> Any:
        if (redirect := self._guard()) is not None:
            return redirect
        self.session_id = self.router.url.query_parameters.get("id", "")
        self.loading, self.error, self.not_found = True, "", False
        self.rows, self.events, self.summary, self.memory = [], [], {}, {}
        try:
            async with self.api() as client:
                session = await client.send(api.session(self.session_id))
                messages = await client.send(api.messages(self.session_id))
                memory = await client.send(api.session_memory(self.session_id))
                actions = await client.send(api.tool_actions(self.session_id))
                events = await client.send(api.events(self.session_id))
        except OpenBrainError as exc:
            self.not_found = isinstance(exc, NotFoundError)
            self.error, redirect = self._failed(exc)
            return redirect
        finally:
            self.loading = False
        self.summary = {
            "profile": session.profile_name,
            "version": str(session.config.version),
            "lead": session.lead_id or "",
            "turns": str(session.turn_count),
            "tokens": str(session.input_tokens + session.output_tokens),
            "created": fmt_time(session.created_at),
        }
        self.memory = memory_view(memory)
        self.rows = transcript_rows(messages.items, actions)
        self.events = [
            {
                "type": e.detail_type,
                "object": f"{e.object_type} {e.object_id}",
                "time": fmt_time(e.occurred_at),
                "published": fmt_time(e.published_at) or "pending",
            }
            for e in events.items
        ]
        return None


def sessions_page() -> rx.Component:
    return shell(
        "Sessions",
        filter_bar(
            SessionsState.search,
            labelled("Profile", "filter-profile",
                     rx.input(value=SessionsState.profile_filter,
                              on_change=SessionsState.set_profile_filter, id="filter-profile")),
            labelled("From (UTC)", "filter-since",
                     rx.input(type="date", value=SessionsState.since,
                              on_change=SessionsState.set_since, id="filter-since")),
            labelled("To (UTC)", "filter-until",
                     rx.input(type="date", value=SessionsState.until,
                              on_change=SessionsState.set_until, id="filter-until")),
            rx.button("Filter", type="submit", id="filter-sessions"),
        ),
        error_callout(SessionsState.error),
        loading(SessionsState.loading),
        table_region("Sessions", rx.table.root(
            rx.table.header(
                rx.table.row(
                    *[rx.table.column_header_cell(h) for h in ("Session", "Profile", "Version",
                                                                "Turns", "Lead", "Started",
                                                                "Last turn")]
                )
            ),
            rx.table.body(
                rx.foreach(
                    SessionsState.sessions,
                    lambda s: rx.table.row(
                        rx.table.cell(rx.link(s["id"], href="/session?id=" + s["id"],
                                              class_name="session-link")),
                        rx.table.cell(s["profile"]),
                        rx.table.cell(s["version"]),
                        rx.table.cell(s["turns"]),
                        rx.table.cell(s["lead"]),
                        rx.table.cell(s["created"]),
                        rx.table.cell(s["updated"]),
                    ),
                )
            ),
            id="sessions-table",
        )),
        empty(SessionsState.sessions, "No sessions match.", SessionsState.loading,
              SessionsState.error),
    )


def transcript_page() -> rx.Component:
    return shell(
        "Transcript",
        rx.code(TranscriptState.session_id, id="transcript-id"),
        error_callout(TranscriptState.error),
        loading(TranscriptState.loading),
        rx.cond(
            TranscriptState.not_found,
            rx.text("Not found: no such session in this tenant.", id="not-found"),
            rx.vstack(
                rx.text(
                    "profile ", rx.text.strong(TranscriptState.summary["profile"]),
                    " v", TranscriptState.summary["version"],
                    " · turns ", TranscriptState.summary["turns"],
                    " · tokens ", TranscriptState.summary["tokens"],
                    " · lead ", TranscriptState.summary["lead"],
                    " · started ", TranscriptState.summary["created"],
                    size="2",
                ),
                rx.card(
                    rx.text("memory ", rx.text.strong(TranscriptState.memory["policy"]),
                            " · ", TranscriptState.memory["covers"], " ",
                            TranscriptState.memory["model"], size="1"),
                    rx.text(TranscriptState.memory["text"], white_space="pre-wrap"),
                    width="100%",
                    id="transcript-memory",
                ),
                rx.vstack(
                    rx.foreach(
                        TranscriptState.rows,
                        lambda r: rx.card(
                            rx.text(r["role"], " · ", r["time"], size="1"),
                            rx.text(r["content"], white_space="pre-wrap"),
                            width="100%",
                            class_name="transcript-row",
                        ),
                    ),
                    id="transcript",
                    width="100%",
                ),
                heading("Events", 2),
                rx.vstack(
                    rx.foreach(
                        TranscriptState.events,
                        lambda e: rx.text(rx.code(e["type"]), " ", e["object"], " ", e["time"],
                                          " · published ", e["published"], size="2"),
                    ),
                    id="transcript-events",
                ),
                width="100%",
            ),
        ),
    )
