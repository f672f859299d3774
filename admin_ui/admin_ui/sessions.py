"""Sessions: the list (newest first; search, channel, profile, date and lead filters; pages)
and one transcript with its lead."""

from __future__ import annotations

import contextlib
from typing import Any, get_args

import reflex as rx

from admin_ui.auth import AuthState
from admin_ui.helpers import (
    day_bounds,
    fmt_time,
    lead_name,
    memory_view,
    session_row,
    transcript_rows,
)
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
from openbrain.domain.session import Channel

ALL = "all"
CHANNELS = (ALL, *get_args(Channel))
PAGE_SIZE = 25


class SessionsState(AuthState):
    sessions: rx.Field[list[dict[str, str]]] = rx.field(default_factory=list)
    query: rx.Field[str] = rx.field("")
    channel: rx.Field[str] = rx.field(ALL)
    profile_filter: rx.Field[str] = rx.field("")
    since: rx.Field[str] = rx.field("")
    until: rx.Field[str] = rx.field("")
    lead: rx.Field[str] = rx.field("")  # from the URL (``/sessions?lead=ID``): a lead's sessions
    # Paging: the cursors of the pages shown so far ("" the first) and of the next one.
    pages: rx.Field[list[str]] = rx.field(default_factory=list)
    next_cursor: rx.Field[str] = rx.field("")
    error: rx.Field[str] = rx.field("")
    loading: rx.Field[bool] = rx.field(False)

    def set_query(self, value: str) -> None:
        self.query = value

    async def set_channel(self, value: str) -> Any:
        self.channel = value
        return await self._show("", [])

    def set_profile_filter(self, value: str) -> None:
        self.profile_filter = value

    def set_since(self, value: str) -> None:
        self.since = value

    def set_until(self, value: str) -> None:
        self.until = value

    @rx.var
    def page_number(self) -> int:
        return len(self.pages)

    async def load(self) -> Any:
        """The page was opened: the first page, for the lead the URL names (if any). A
        lead's link means all its sessions: the filters of an earlier visit are dropped."""
        self.lead = self.router.url.query_parameters.get("lead", "")
        if self.lead:
            self.query, self.channel, self.profile_filter = "", ALL, ""
            self.since = self.until = ""
        return await self._show("", [])

    async def search(self, form: dict[str, Any]) -> Any:
        """The filter bar was submitted (its button, or Enter in a field): from the top, with
        the fields as submitted (Enter may come before a field's last change arrives)."""
        self.query = str(form.get("q", self.query))
        self.profile_filter = str(form.get("profile", self.profile_filter))
        self.since = str(form.get("since", self.since))
        self.until = str(form.get("until", self.until))
        return await self._show("", [])

    async def older(self) -> Any:
        return await self._show(self.next_cursor, [*self.pages])

    async def newer(self) -> Any:
        previous = self.pages[:-1]
        return await self._show(previous[-1] if previous else "", previous[:-1])

    async def _show(self, cursor: str, before: list[str]) -> Any:
        if (redirect := self._guard()) is not None:
            return redirect
        self.loading, self.error = True, ""
        try:
            since, until = day_bounds(self.since, self.until)
            call = api.sessions(self.profile_filter.strip(), since, until, PAGE_SIZE,
                                q=self.query.strip(),
                                channel="" if self.channel == ALL else self.channel,
                                lead=self.lead, cursor=cursor)
            async with self.api() as client:
                page = await client.send(call)
        except OpenBrainError as exc:
            self.error, redirect = self._failed(exc)
            return redirect
        finally:
            self.loading = False
        self.sessions = [session_row(s) for s in page.items]
        self.pages = [*before, cursor]
        self.next_cursor = page.cursor or ""
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
                lead = None
                if session.lead_id:
                    with contextlib.suppress(NotFoundError):  # erased since: the id stays
                        lead = await client.send(api.lead(session.lead_id))
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
            "lead_name": lead_name(lead) if lead is not None else session.lead_id or "",
            "channel": session.channel or "",
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


def _channel_badge(channel: Any) -> rx.Component:
    """Each channel its colour, so a tuner's or CLI's test sessions stand out at a glance."""
    # rx.match over plain values is a Var (its stubs also allow a Component).
    colour: Any = rx.match(channel, ("widget", "green"), ("tuner", "purple"), ("cli", "gray"),
                           "blue")
    return rx.badge(channel, class_name="channel", color_scheme=colour, high_contrast=True)


def _lead_cell(s: Any) -> rx.Component:
    return rx.cond(s["lead"] != "",
                   rx.link(s["lead_name"], href="/lead?id=" + s["lead"], class_name="lead-link"))


def _lead_filter() -> rx.Component:
    """Shown when the list is one lead's sessions (the lead page links here)."""
    return rx.cond(
        SessionsState.lead != "",
        rx.hstack(
            rx.text("Sessions of lead ", rx.link(SessionsState.lead,
                                                 href="/lead?id=" + SessionsState.lead),
                    size="2"),
            rx.link("Show all sessions", href="/sessions", id="clear-lead", size="2"),
            id="lead-filter",
            margin_bottom="8px",
        ),
    )


def _pager() -> rx.Component:
    return rx.hstack(
        rx.button("← Newer", on_click=SessionsState.newer, variant="soft", type="button",
                  disabled=SessionsState.page_number <= 1, id="newer-sessions"),
        rx.text("Page ", SessionsState.page_number, size="2", id="sessions-page"),
        rx.button("Older →", on_click=SessionsState.older, variant="soft", type="button",
                  disabled=SessionsState.next_cursor == "", id="older-sessions"),
        align="center",
        margin_top="12px",
    )


def sessions_page() -> rx.Component:
    return shell(
        "Sessions",
        filter_bar(
            SessionsState.search,
            labelled("Search lead, first message or id", "session-search",
                     rx.input(value=SessionsState.query, on_change=SessionsState.set_query,
                              id="session-search", name="q"),
                     width="100%", max_width="320px"),
            labelled("Channel", "filter-channel",
                     rx.select(list(CHANNELS), value=SessionsState.channel,
                               on_change=SessionsState.set_channel, id="filter-channel")),
            labelled("Profile", "filter-profile",
                     rx.input(value=SessionsState.profile_filter,
                              on_change=SessionsState.set_profile_filter, id="filter-profile",
                              name="profile")),
            labelled("From (UTC)", "filter-since",
                     rx.input(type="date", value=SessionsState.since,
                              on_change=SessionsState.set_since, id="filter-since",
                              name="since")),
            labelled("To (UTC)", "filter-until",
                     rx.input(type="date", value=SessionsState.until,
                              on_change=SessionsState.set_until, id="filter-until",
                              name="until")),
            rx.button("Search", type="submit", id="filter-sessions"),
        ),
        _lead_filter(),
        error_callout(SessionsState.error),
        loading(SessionsState.loading),
        table_region("Sessions", rx.table.root(
            rx.table.header(
                rx.table.row(
                    *[rx.table.column_header_cell(h) for h in ("Started", "Channel", "Lead",
                                                                "First message", "Profile",
                                                                "Turns", "Session")]
                )
            ),
            rx.table.body(
                rx.foreach(
                    SessionsState.sessions,
                    lambda s: rx.table.row(
                        rx.table.cell(s["created"], white_space="nowrap"),
                        rx.table.cell(rx.cond(s["channel"] != "", _channel_badge(s["channel"]))),
                        rx.table.cell(_lead_cell(s)),
                        rx.table.cell(rx.text(s["preview"], class_name="preview", size="2"),
                                      max_width="360px"),
                        rx.table.cell(s["profile"]),
                        rx.table.cell(s["turns"]),
                        rx.table.cell(rx.link(s["id"], href="/session?id=" + s["id"],
                                              class_name="session-link")),
                    ),
                )
            ),
            id="sessions-table",
        )),
        empty(SessionsState.sessions, "No sessions match.", SessionsState.loading,
              SessionsState.error),
        _pager(),
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
                    rx.cond(TranscriptState.summary["channel"] != "",
                            rx.box(_channel_badge(TranscriptState.summary["channel"]),
                                   as_="span", margin_right="6px", id="transcript-channel")),
                    "profile ", rx.text.strong(TranscriptState.summary["profile"]),
                    " v", TranscriptState.summary["version"],
                    " · turns ", TranscriptState.summary["turns"],
                    " · tokens ", TranscriptState.summary["tokens"],
                    rx.cond(TranscriptState.summary["lead"] != "",
                            rx.fragment(" · lead ",
                                        rx.link(TranscriptState.summary["lead_name"],
                                                href="/lead?id=" + TranscriptState.summary["lead"],
                                                id="transcript-lead"))),
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
