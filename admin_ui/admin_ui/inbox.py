"""The inbox: hand-offs waiting or taken, the lead beside each, and the conversation live.

The list is read again every couple of seconds (a new hand-off raises a notice); the chosen
conversation follows the session's live stream (``GET /v1/sessions/{id}/events``), reopened
with ``Last-Event-ID`` whenever it ends, so no message is missed or shown twice. Both run in
one background task per open page, stopped when the page goes away.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import reflex as rx

from admin_ui.access import AccessState
from admin_ui.inbox_rows import (
    conversation_row,
    inbox_rows,
    lead_line,
    new_hand_offs,
    shown,
)
from admin_ui.layout import (
    empty,
    error_callout,
    guarded_shell,
    handler,
    heading,
    labelled,
    table_region,
)
from openbrain.client import AsyncClient, api
from openbrain.client.sse import SessionEvent
from openbrain.domain.errors import OpenBrainError
from openbrain.domain.handoff import SessionState
from openbrain.domain.session import ChatSession, Message

LIST_EVERY = 2.0  # seconds between two reads of the inbox
CHECK_EVERY = 1.0  # seconds a wait on the stream lasts before the task checks it is wanted
RECONNECT_AFTER = 1.0  # seconds before a dropped or refused stream is opened again


class InboxState(AccessState):
    entries: rx.Field[list[dict[str, str]]] = rx.field(default_factory=list)
    selected: rx.Field[str] = rx.field("")
    control: rx.Field[str] = rx.field("")
    operator: rx.Field[str] = rx.field("")
    lead: rx.Field[str] = rx.field("")
    conversation: rx.Field[list[dict[str, str]]] = rx.field(default_factory=list)
    draft: rx.Field[str] = rx.field("")
    arrived: rx.Field[str] = rx.field("")  # the new hand-off notice
    error: rx.Field[str] = rx.field("")
    listed: rx.Field[bool] = rx.field(False)
    _seen: set[str] = set()  # sessions already in the inbox when last read
    _last_seq: int = -1  # the chosen conversation's last message shown
    _watching: int = 0  # the running watch's generation; 0: none

    def set_draft(self, value: str) -> None:
        self.draft = value

    async def load(self) -> Any:
        if (redirect := self._guard()) is not None:
            return redirect
        self.error, self.arrived = "", ""
        wanted = self.router.url.query_parameters.get("id", "")
        try:
            async with self.api() as client:
                page = await client.send(api.inbox())
        except OpenBrainError as exc:
            self.error, redirect = self._failed(exc)
            return redirect
        self.entries = inbox_rows(page.items)
        self._seen = {e.session.session_id for e in page.items}
        self.listed = True
        self._watching += 1
        events: list[Any] = [InboxState.watch]
        if wanted:
            events.append(handler(InboxState.choose)(wanted))
        return events

    def stop(self) -> None:
        """The page went away: its watch ends."""
        self._watching = 0

    async def choose(self, session_id: str) -> Any:
        """Show one conversation: its transcript so far, then its messages as they come."""
        self.selected, self.error, self.draft = session_id, "", ""
        try:
            async with self.api() as client:
                session = await client.send(api.session(session_id))
                messages = await client.send(api.messages(session_id))
        except OpenBrainError as exc:
            self.error, redirect = self._failed(exc)
            return redirect
        self._show_session(session)
        self.conversation = [conversation_row(m) for m in messages.items if shown(m)]
        self._last_seq = messages.items[-1].seq if messages.items else -1
        entry = next((e for e in self.entries if e["id"] == session_id), None)
        self.lead = entry["lead"] if entry else ""
        return rx.set_focus("reply-input")

    def _show_session(self, session: ChatSession) -> None:
        self.control, self.operator = session.control, session.operator or ""

    # -- operator actions ----------------------------------------------------------------

    async def _act(self, call: Any) -> Any:
        if not self.selected:
            return None
        self.error = ""
        try:
            async with self.api() as client:
                session = await client.send(call)
                page = await client.send(api.inbox())
        except OpenBrainError as exc:
            self.error, redirect = self._failed(exc)
            return redirect
        if isinstance(session, ChatSession):
            self._show_session(session)
        self.entries = inbox_rows(page.items)
        return None

    async def take(self) -> Any:
        return await self._act(api.take_session(self.selected))

    async def release(self) -> Any:
        return await self._act(api.release_session(self.selected))

    async def close(self) -> Any:
        return await self._act(api.close_session(self.selected))

    async def send(self, _form: dict[str, Any]) -> Any:
        """Say the draft to the visitor (it shows when the stream brings it back)."""
        text = self.draft.strip()
        if not text or not self.selected:
            return None
        self.error = ""
        try:
            async with self.api() as client:
                await client.send(api.reply_as_operator(self.selected, text))
        except OpenBrainError as exc:
            self.error, redirect = self._failed(exc)
            return redirect
        self.draft = ""
        return rx.set_focus("reply-input")

    # -- live updates ----------------------------------------------------------------------

    @rx.event(background=True)
    async def watch(self) -> None:
        """Keep the list and the chosen conversation current while the page is open."""
        async with self:
            generation = self._watching
            bearer = await self._bearer()
        from admin_ui.auth import api_url

        async with AsyncClient(api_url(), bearer) as client:
            lister = asyncio.ensure_future(self._keep_listing(client, generation))
            try:
                await self._follow(client, generation)
            finally:
                lister.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await lister

    async def _wanted(self, generation: int) -> bool:
        async with self:
            return self._watching == generation

    async def _keep_listing(self, client: AsyncClient, generation: int) -> None:
        while await self._wanted(generation):
            await asyncio.sleep(LIST_EVERY)
            try:
                page = await client.send(api.inbox())
            except OpenBrainError:
                continue  # the page's own actions report failures
            async with self:
                arrived = new_hand_offs(page.items, self._seen)
                if arrived:
                    self.arrived = ("New hand-off waiting: "
                                    + ", ".join(lead_line(e) for e in arrived))
                self._seen = {e.session.session_id for e in page.items}
                self.entries = inbox_rows(page.items)

    async def _follow(self, client: AsyncClient, generation: int) -> None:
        """The chosen session's stream, reopened after the last message shown."""
        while await self._wanted(generation):
            async with self:
                session_id, after = self.selected, self._last_seq
            if not session_id:
                await asyncio.sleep(CHECK_EVERY)
                continue
            try:
                await self._read(generation, session_id,
                                 client.session_events(session_id, after))
            except OpenBrainError:
                await asyncio.sleep(RECONNECT_AFTER)

    async def _read(self, generation: int, session_id: str,
                    stream: AsyncIterator[SessionEvent]) -> None:
        pending: asyncio.Future[SessionEvent] | None = None
        try:
            while True:
                if pending is None:
                    pending = asyncio.ensure_future(anext(stream))
                done, _ = await asyncio.wait({pending}, timeout=CHECK_EVERY)
                async with self:
                    still = self._watching == generation and self.selected == session_id
                if not still:
                    return
                if not done:
                    continue
                try:
                    event = pending.result()
                except StopAsyncIteration:
                    return  # the server ended the stream: reopen it
                pending = None
                async with self:
                    self._apply(event)
        finally:
            if pending is not None and not pending.done():
                pending.cancel()
            with contextlib.suppress(Exception):
                await stream.aclose()  # type: ignore[attr-defined]

    def _apply(self, event: SessionEvent) -> None:
        if isinstance(event, SessionState):
            self.control, self.operator = event.control, event.operator or ""
        elif isinstance(event, Message) and event.seq > self._last_seq:
            self._last_seq = event.seq
            if shown(event):
                self.conversation = [*self.conversation, conversation_row(event)]


def _actions() -> rx.Component:
    control = InboxState.control
    return rx.flex(
        rx.cond((control == "waiting") | (control == "agent"),
                rx.button("Take", on_click=InboxState.take, id="inbox-take")),
        rx.cond((control == "waiting") | (control == "human"),
                rx.button("Release to agent", on_click=InboxState.release, variant="soft",
                          id="inbox-release")),
        rx.cond(control != "closed",
                rx.button("Close", on_click=InboxState.close, variant="soft",
                          color_scheme="red", id="inbox-close")),
        gap="8px",
        wrap="wrap",
    )


def _conversation() -> rx.Component:
    return rx.cond(
        InboxState.selected != "",
        rx.vstack(
            heading("Conversation", 2),
            rx.text(rx.code(InboxState.selected, id="inbox-selected"), " · ",
                    rx.text.span(InboxState.control, id="inbox-control"), " · ",
                    InboxState.operator, " · lead: ", InboxState.lead, size="2"),
            _actions(),
            rx.vstack(
                rx.foreach(
                    InboxState.conversation,
                    lambda m: rx.card(
                        rx.text(m["who"], " · ", m["time"], size="1", weight="bold"),
                        rx.text(m["content"], white_space="pre-wrap"),
                        width="100%",
                        class_name="inbox-message",
                        data_role=m["role"],
                    ),
                ),
                id="inbox-conversation",
                role="log",
                aria_live="polite",
                width="100%",
            ),
            rx.cond(
                InboxState.control == "human",
                rx.form(
                    rx.flex(
                        labelled("Reply as a person", "reply-input",
                                 rx.input(value=InboxState.draft, name="reply",
                                          on_change=InboxState.set_draft,
                                          id="reply-input", width="100%"),
                                 flex="1"),
                        rx.button("Send", type="submit", id="reply-send"),
                        gap="8px",
                        align="end",
                        width="100%",
                    ),
                    on_submit=InboxState.send,
                    reset_on_submit=False,
                    width="100%",
                ),
            ),
            width="100%",
            id="inbox-panel",
        ),
    )


def inbox_page() -> rx.Component:
    return rx.box(
        guarded_shell(
            AccessState.can_handoff, "answer hand-offs", "Inbox",
            rx.box(
                rx.cond(InboxState.arrived != "",
                        rx.callout(InboxState.arrived, icon="bell", color_scheme="amber",
                                   high_contrast=True, id="inbox-arrived")),
                role="status",
            ),
            error_callout(InboxState.error),
            table_region("Hand-offs", rx.table.root(
                rx.table.header(rx.table.row(
                    *[rx.table.column_header_cell(h) for h in ("Session", "State", "Operator",
                                                                "Lead", "Since")])),
                rx.table.body(rx.foreach(
                    InboxState.entries,
                    lambda e: rx.table.row(
                        rx.table.cell(rx.button(e["id"], variant="ghost",
                                                on_click=handler(InboxState.choose)(e["id"]),
                                                class_name="inbox-open")),
                        rx.table.cell(e["state"]),
                        rx.table.cell(e["operator"]),
                        rx.table.cell(e["lead"]),
                        rx.table.cell(e["since"]),
                        class_name="inbox-row",
                        data_session=e["id"],
                    ),
                )),
                id="inbox-table",
            )),
            empty(InboxState.entries, "No conversation is waiting for a person.",
                  ~InboxState.listed, InboxState.error),
            _conversation(),
        ),
        on_unmount=InboxState.stop,
    )
