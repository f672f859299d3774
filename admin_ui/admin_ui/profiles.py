"""Profiles: the list, and the tuner (form, version history, live chat panel)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import reflex as rx

from admin_ui.api_client import ApiError
from admin_ui.auth import AuthState
from admin_ui.helpers import (
    DEFAULT_SETTINGS,
    FIELD_LABELS,
    FLAG_FIELDS,
    LEAD_EDIT_FIELDS,
    NUMBER_FIELDS,
    OVERRIDABLE_FIELDS,
    SETTINGS_FIELDS,
    fmt_time,
    form_from_config,
    settings_from_form,
    version_rows,
)
from admin_ui.layout import empty, error_callout, field_error, loading, notice, shell

_NO_ERRORS = dict.fromkeys(SETTINGS_FIELDS, "")


class ProfilesState(AuthState):
    """The tenant's profiles (latest version of each)."""

    profiles: list[dict[str, str]] = []
    new_name: str = ""
    error: str = ""
    loading: bool = False

    def set_new_name(self, value: str) -> None:
        self.new_name = value

    async def load(self) -> Any:
        if (redirect := self._guard()) is not None:
            return redirect
        self.loading, self.error = True, ""
        try:
            configs = await self.api().configs()
        except ApiError as exc:
            self.error, redirect = self._failed(exc)
            return redirect
        finally:
            self.loading = False
        self.profiles = [
            {
                "name": str(c.get("profileName", "")),
                "version": str(c.get("version", "")),
                "model": str(c.get("model", "")),
                "tools": ", ".join(c.get("tools") or []),
                "created": fmt_time(c.get("createdAt")),
            }
            for c in configs
        ]
        return None

    async def create(self) -> Any:
        name = self.new_name.strip()
        if not name:
            self.error = "Give the new profile a name."
            return None
        self.loading, self.error = True, ""
        try:
            await self.api().save_config(name, dict(DEFAULT_SETTINGS))
        except ApiError as exc:
            self.error, redirect = self._failed(exc)
            return redirect
        finally:
            self.loading = False
        self.new_name = ""
        return rx.redirect(f"/profile?name={quote(name, safe='')}")


class EditorState(AuthState):
    """One profile in the tuner. The form keeps its values when a save fails."""

    name: str = ""
    version: int = 0
    form: dict[str, str] = form_from_config({})
    selected_tools: list[str] = []
    overridable: list[str] = []
    flags: dict[str, bool] = dict.fromkeys(FLAG_FIELDS, False)
    field_errors: dict[str, str] = dict(_NO_ERRORS)
    available_tools: list[dict[str, str]] = []
    versions: list[dict[str, str]] = []
    error: str = ""
    saved: str = ""
    loading: bool = False
    saving: bool = False
    not_found: bool = False

    async def load(self) -> Any:
        if (redirect := self._guard()) is not None:
            return redirect
        self.name = self.router.url.query_parameters.get("name", "")
        self.loading, self.error, self.saved, self.not_found = True, "", "", False
        self.field_errors = dict(_NO_ERRORS)
        api = self.api()
        try:
            config = await api.config(self.name)
            tools = await api.tools()
            versions = await api.versions(self.name)
        except ApiError as exc:
            self.not_found = exc.not_found
            self.error, redirect = self._failed(exc)
            return redirect
        finally:
            self.loading = False
        self.available_tools = [
            {"name": str(t.get("name", "")), "description": str(t.get("description", ""))}
            for t in tools
        ]
        self._show_config(config)
        self.versions = version_rows(versions)
        return ChatState.reset_chat

    def _show_config(self, config: dict[str, Any]) -> None:
        self.version = int(config.get("version", 0))
        self.form = form_from_config(config)
        self.selected_tools = list(config.get("tools") or [])
        self.overridable = list(config.get("overridable") or [])
        self.flags = {name: bool(config.get(name, False)) for name in FLAG_FIELDS}

    def set_field(self, name: str, value: str) -> None:
        self.form = {**self.form, name: value}
        self.field_errors = {**self.field_errors, name: ""}

    def set_flag(self, name: str, value: bool) -> None:
        self.flags = {**self.flags, name: bool(value)}

    def toggle_tool(self, name: str, on: bool) -> None:
        rest = [t for t in self.selected_tools if t != name]
        self.selected_tools = [*rest, name] if on else rest

    def toggle_overridable(self, name: str, on: bool) -> None:
        rest = [f for f in self.overridable if f != name]
        self.overridable = [*rest, name] if on else rest

    async def save(self) -> Any:
        self.error, self.saved = "", ""
        settings, errors = settings_from_form(
            self.form, self.selected_tools, self.overridable, self.flags
        )
        self.field_errors = _NO_ERRORS | errors
        if errors:
            self.error = "Fix the fields marked below."
            return None
        self.saving = True
        api = self.api()
        try:
            config = await api.save_config(self.name, settings, if_match=self.version or None)
            versions = await api.versions(self.name)
        except ApiError as exc:
            # The form keeps what the admin typed; the API's message says what to fix.
            self.field_errors = _NO_ERRORS | {
                k: v for k, v in exc.field_errors.items() if k in _NO_ERRORS
            }
            self.error, redirect = self._failed(exc)
            return redirect
        finally:
            self.saving = False
        self._show_config(config)
        self.versions = version_rows(versions)
        self.saved = f"Saved as version {self.version}."
        return ChatState.reset_chat

    async def restore(self, version: str) -> Any:
        self.error, self.saved = "", ""
        self.saving = True
        api = self.api()
        try:
            config = await api.restore(self.name, int(version))
            versions = await api.versions(self.name)
        except ApiError as exc:
            self.error, redirect = self._failed(exc)
            return redirect
        finally:
            self.saving = False
        self._show_config(config)
        self.field_errors = dict(_NO_ERRORS)
        self.versions = version_rows(versions)
        self.saved = f"Restored version {version} as version {self.version}."
        return ChatState.reset_chat


class ChatState(EditorState):
    """The live chat panel: a real session with the profile as currently saved."""

    session_id: str = ""
    chat: list[dict[str, str]] = []
    draft: str = ""
    partial: str = ""
    streaming: bool = False
    chat_error: str = ""
    lead: list[dict[str, str]] = []
    chat_events: list[dict[str, str]] = []

    def set_draft(self, value: str) -> None:
        self.draft = value

    async def reset_chat(self) -> Any:
        """Start a new session (the profile's ice breaker opens it)."""
        self.chat, self.lead, self.chat_events = [], [], []
        self.partial, self.chat_error, self.session_id = "", "", ""
        if not self.name or self.not_found:
            return None
        try:
            reply = await self.api().start_session(self.name)
        except ApiError as exc:
            self.chat_error, redirect = self._failed(exc)
            return redirect
        self.session_id = str(reply.get("sessionId", ""))
        self.chat = [{"role": "assistant", "text": str(reply.get("message", ""))}]
        return None

    def send_on_enter(self, key: str) -> Any:
        """Enter in the message field sends it, like the Send button."""
        if key == "Enter" and not self.streaming:
            return ChatState.send
        return None

    async def send(self) -> Any:
        """Send the draft and stream the answer into the panel token by token (SSE)."""
        text = self.draft.strip()
        if not text or self.streaming:
            return
        if not self.session_id:
            await self.reset_chat()
            if not self.session_id:
                return
        self.draft, self.chat_error, self.partial = "", "", ""
        self.chat = [*self.chat, {"role": "user", "text": text}]
        self.streaming = True
        yield
        reply: dict[str, Any] | None = None
        api = self.api()
        try:
            async for event, data in api.stream_message(self.session_id, text):
                if event == "token" and isinstance(data, dict):
                    self.partial += str(data.get("text", ""))
                    yield
                elif event == "done" and isinstance(data, dict):
                    reply = data
            events = await api.events(self.session_id)
        except ApiError as exc:
            self.streaming = False
            self.chat_error, redirect = self._failed(exc)
            if redirect is not None:
                yield redirect
            return
        self.streaming = False
        answer = str((reply or {}).get("message", self.partial))
        self.partial = ""
        self.chat = [*self.chat, {"role": "assistant", "text": answer}]
        lead = (reply or {}).get("lead") or {}
        self.lead = [
            {"field": FIELD_LABELS.get(k, k), "name": k, "value": _value(lead.get(k))}
            for k in ("leadId", *LEAD_EDIT_FIELDS)
            if lead.get(k)
        ]
        self.chat_events = [
            {
                "type": str(e.get("detailType", "")),
                "object": f"{e.get('objectType', '')} {e.get('objectId', '')}",
                "time": fmt_time(e.get("occurredAt")),
            }
            for e in events
        ]


def _value(value: Any) -> str:
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


# --- pages ------------------------------------------------------------------------------


def profiles_page() -> rx.Component:
    return shell(
        "Profiles",
        error_callout(ProfilesState.error),
        loading(ProfilesState.loading),
        rx.hstack(
            rx.input(
                placeholder="new profile name",
                value=ProfilesState.new_name,
                on_change=ProfilesState.set_new_name,
                id="new-profile-name",
            ),
            rx.button("Create profile", on_click=ProfilesState.create, id="create-profile"),
            margin_y="12px",
        ),
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    *[rx.table.column_header_cell(h) for h in ("Profile", "Version", "Model",
                                                                "Tools", "Saved")]
                )
            ),
            rx.table.body(
                rx.foreach(
                    ProfilesState.profiles,
                    lambda p: rx.table.row(
                        rx.table.cell(rx.link(p["name"], href="/profile?name=" + p["name"])),
                        rx.table.cell(p["version"]),
                        rx.table.cell(p["model"]),
                        rx.table.cell(p["tools"]),
                        rx.table.cell(p["created"]),
                    ),
                )
            ),
            id="profiles-table",
        ),
        empty(ProfilesState.profiles, "No profiles yet.", ProfilesState.loading),
    )


def _text_input(name: str) -> rx.Component:
    control = (
        rx.text_area(
            value=EditorState.form[name],
            on_change=lambda v: EditorState.set_field(name, v),
            rows="4",
            id=f"field-{name}",
        )
        if name in ("systemMessage", "iceBreaker")
        else rx.input(
            value=EditorState.form[name],
            on_change=lambda v: EditorState.set_field(name, v),
            id=f"field-{name}",
            type="text",
        )
    )
    return rx.box(
        rx.text(FIELD_LABELS[name], size="2", weight="bold"),
        control,
        field_error(EditorState.field_errors[name]),
        width="100%",
    )


def _flag(name: str) -> rx.Component:
    return rx.box(
        rx.checkbox(
            FIELD_LABELS[name],
            checked=EditorState.flags[name],
            on_change=lambda v: EditorState.set_flag(name, v),
            id=f"field-{name}",
        ),
        field_error(EditorState.field_errors[name]),
    )


def _tools_picker() -> rx.Component:
    return rx.box(
        rx.text("Tools", size="2", weight="bold"),
        rx.foreach(
            EditorState.available_tools,
            lambda t: rx.hstack(
                rx.checkbox(
                    checked=EditorState.selected_tools.contains(t["name"]),
                    on_change=lambda v: EditorState.toggle_tool(t["name"], v),
                    id="tool-" + t["name"],
                ),
                rx.vstack(
                    rx.code(t["name"]),
                    rx.text(t["description"], size="1", color_scheme="gray"),
                    spacing="0",
                ),
                align="start",
            ),
        ),
        field_error(EditorState.field_errors["tools"]),
    )


def _toggle_overridable(name: str) -> Any:
    return lambda v: EditorState.toggle_overridable(name, v)


def _overridable_picker() -> rx.Component:
    return rx.box(
        rx.text("Overridable per session", size="2", weight="bold"),
        rx.flex(
            *[
                rx.checkbox(
                    name,
                    checked=EditorState.overridable.contains(name),
                    on_change=_toggle_overridable(name),
                    id=f"overridable-{name}",
                )
                for name in OVERRIDABLE_FIELDS
            ],
            wrap="wrap",
            gap="10px",
        ),
        field_error(EditorState.field_errors["overridable"]),
    )


def _form() -> rx.Component:
    return rx.vstack(
        *[_text_input(name) for name in ("systemMessage", "iceBreaker", "model")],
        rx.grid(*[_text_input(name) for name in NUMBER_FIELDS], columns="3", gap="10px",
                width="100%"),
        _tools_picker(),
        _overridable_picker(),
        *[_flag(name) for name in FLAG_FIELDS],
        rx.hstack(
            rx.button("Save (new version)", on_click=EditorState.save, loading=EditorState.saving,
                      id="save-profile"),
            rx.text("current version ", rx.text.strong(EditorState.version, id="current-version")),
            align="center",
        ),
        width="100%",
        spacing="3",
    )


def _versions() -> rx.Component:
    return rx.box(
        rx.heading("Version history", size="4", margin_y="10px"),
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    *[rx.table.column_header_cell(h) for h in ("Version", "Saved",
                                                                "Changes from previous", "")]
                )
            ),
            rx.table.body(
                rx.foreach(
                    EditorState.versions,
                    lambda v: rx.table.row(
                        rx.table.cell(v["version"]),
                        rx.table.cell(v["created"]),
                        rx.table.cell(v["changes"]),
                        rx.table.cell(
                            rx.button("Restore", size="1", variant="soft",
                                      on_click=EditorState.restore(v["version"]),
                                      id="restore-" + v["version"])
                        ),
                        class_name="version-row",
                    ),
                )
            ),
            id="versions-table",
        ),
    )


def _chat_panel() -> rx.Component:
    return rx.card(
        rx.hstack(
            rx.heading("Try it", size="4"),
            rx.spacer(),
            rx.button("Reset", on_click=ChatState.reset_chat, variant="soft", size="1",
                      id="chat-reset"),
        ),
        rx.text("Chats with the profile as currently saved.", size="1", color_scheme="gray"),
        error_callout(ChatState.chat_error, "chat-error"),
        rx.vstack(
            rx.foreach(
                ChatState.chat,
                lambda m: rx.box(
                    rx.text(m["role"], size="1", color_scheme="gray"),
                    rx.text(m["text"], white_space="pre-wrap"),
                    class_name="chat-" + m["role"],
                ),
            ),
            rx.cond(ChatState.streaming, rx.text(ChatState.partial, "▍", id="chat-partial")),
            id="chat-log",
            max_height="360px",
            overflow_y="auto",
            spacing="2",
            width="100%",
        ),
        rx.hstack(
            rx.input(value=ChatState.draft, on_change=ChatState.set_draft,
                     on_key_down=ChatState.send_on_enter,
                     placeholder="Say something…", id="chat-input", width="100%"),
            rx.button("Send", on_click=ChatState.send, loading=ChatState.streaming,
                      id="chat-send"),
            width="100%",
            margin_top="8px",
        ),
        rx.heading("Lead so far", size="3", margin_top="12px"),
        rx.cond(
            ChatState.lead.length() > 0,
            rx.data_list.root(
                rx.foreach(
                    ChatState.lead,
                    lambda f: rx.data_list.item(
                        rx.data_list.label(f["name"]), rx.data_list.value(f["value"])
                    ),
                ),
                id="chat-lead",
            ),
            rx.text("No lead yet.", size="1", color_scheme="gray"),
        ),
        rx.heading("Events emitted", size="3", margin_top="12px"),
        rx.vstack(
            rx.foreach(
                ChatState.chat_events,
                lambda e: rx.text(rx.code(e["type"]), " ", e["object"], " ", e["time"], size="1"),
            ),
            id="chat-events",
        ),
        width="100%",
    )


def editor_page() -> rx.Component:
    return shell(
        "Profile",
        rx.heading(EditorState.name, size="5", id="profile-name"),
        error_callout(EditorState.error),
        notice(EditorState.saved, "saved"),
        loading(EditorState.loading),
        rx.cond(
            EditorState.not_found,
            rx.text("Not found: no such profile in this tenant.", id="not-found"),
            rx.grid(
                rx.vstack(_form(), _versions(), width="100%"),
                _chat_panel(),
                columns="2",
                gap="24px",
                width="100%",
            ),
        ),
    )
