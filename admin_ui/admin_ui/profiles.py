"""Profiles: the list, and the tuner (form, version history, live chat panel)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import reflex as rx

from admin_ui.access import AccessState, not_allowed
from admin_ui.auth import AuthState
from admin_ui.chat_view import chat_row, streaming_bubble
from admin_ui.helpers import (
    CHOICE_FIELDS,
    FIELD_LABELS,
    FLAG_FIELDS,
    NUMBER_FIELDS,
    OVERRIDABLE_FIELDS,
    SETTINGS_FIELDS,
    chat_rows,
    fmt_time,
    form_from_config,
    model_options,
    settings_from_form,
    version_rows,
)
from admin_ui.layout import (
    confirmed,
    dialog_title,
    empty,
    error_callout,
    field_error,
    handler,
    heading,
    labelled,
    loading,
    shell,
    table_region,
)
from openbrain.api.schemas import SendMessage, StartSession
from openbrain.client import Token, api
from openbrain.domain.agent_config import DEFAULT_PROFILE, AgentConfig, AgentSettings
from openbrain.domain.chat import ChatReply
from openbrain.domain.errors import ConflictError, InvalidError, NotFoundError, OpenBrainError
from openbrain.domain.lead import LEAD_FIELDS, Lead
from openbrain.domain.pricing import ModelInfo
from openbrain.domain.session import Message

_NO_ERRORS = dict.fromkeys(SETTINGS_FIELDS, "")
# After each message the log shows the newest one (it scrolls by itself, and by keyboard).
_SCROLL_CHAT = (
    "const log = document.getElementById('chat-log');"
    " if (log) { log.scrollTop = log.scrollHeight; }"
)


class ProfilesState(AuthState):
    """The tenant's profiles (latest version of each)."""

    profiles: rx.Field[list[dict[str, str]]] = rx.field(default_factory=list)
    new_name: rx.Field[str] = rx.field("")
    error: rx.Field[str] = rx.field("")
    loading: rx.Field[bool] = rx.field(False)

    def set_new_name(self, value: str) -> None:
        self.new_name = value

    async def load(self) -> Any:
        if (redirect := self._guard()) is not None:
            return redirect
        self.loading, self.error = True, ""
        try:
            async with self.api() as client:
                page = await client.send(api.configs())
        except OpenBrainError as exc:
            self.error, redirect = self._failed(exc)
            return redirect
        finally:
            self.loading = False
        self.profiles = [
            {
                "name": c.profile_name,
                "version": str(c.version),
                "model": c.model,
                "tools": ", ".join(c.tools),
                "created": fmt_time(c.created_at),
            }
            for c in page.items
        ]
        return None

    async def create(self) -> Any:
        name = self.new_name.strip()
        if not name:
            self.error = "Give the new profile a name."
            return None
        self.loading, self.error = True, ""
        try:
            async with self.api() as client:
                await client.send(api.save_config(name, AgentSettings()))
        except OpenBrainError as exc:
            self.error, redirect = self._failed(exc)
            return redirect
        finally:
            self.loading = False
        self.new_name = ""
        return rx.redirect(f"/profile?name={quote(name, safe='')}")


class EditorState(AuthState):
    """One profile in the tuner. The form keeps its values when a save fails."""

    name: rx.Field[str] = rx.field("")
    version: rx.Field[int] = rx.field(0)
    form: dict[str, str] = form_from_config(AgentSettings())
    selected_tools: rx.Field[list[str]] = rx.field(default_factory=list)
    overridable: rx.Field[list[str]] = rx.field(default_factory=list)
    flags: dict[str, bool] = dict.fromkeys(FLAG_FIELDS, False)
    field_errors: dict[str, str] = dict(_NO_ERRORS)
    available_tools: rx.Field[list[dict[str, str]]] = rx.field(default_factory=list)
    # The model picker: the configured models (GET /v1/models) and a line about each.
    model_choices: rx.Field[list[str]] = rx.field(default_factory=list)
    model_notes: dict[str, str] = {}
    versions: rx.Field[list[dict[str, str]]] = rx.field(default_factory=list)
    error: rx.Field[str] = rx.field("")
    saved: rx.Field[str] = rx.field("")
    save_failed: rx.Field[bool] = rx.field(False)  # the last save or restore was refused
    loading: rx.Field[bool] = rx.field(False)
    saving: rx.Field[bool] = rx.field(False)
    not_found: rx.Field[bool] = rx.field(False)
    conflict: rx.Field[bool] = rx.field(False)  # a save lost to a newer version elsewhere
    copy_name: rx.Field[str] = rx.field("")
    new_name: rx.Field[str] = rx.field("")  # what to rename the profile to
    deleting: rx.Field[bool] = rx.field(False)  # the delete confirmation is open
    _ice_breaker: str = ""  # backend only: the saved version's, which opens the live chat
    _models: list[ModelInfo] = []  # backend only: the configured models, as last loaded

    async def load(self) -> Any:
        if (redirect := self._guard()) is not None:
            return redirect
        self.name = self.router.url.query_parameters.get("name", "")
        self.loading, self.error, self.saved, self.not_found = True, "", "", False
        self.conflict = self.save_failed = False
        self.field_errors = dict(_NO_ERRORS)
        try:
            async with self.api() as client:
                config = await client.send(api.config(self.name))
                tools = await client.send(api.tools())
                models = await client.send(api.models())
                versions = await client.send(api.config_versions(self.name))
        except OpenBrainError as exc:
            self.not_found = isinstance(exc, NotFoundError)
            self.error, redirect = self._failed(exc)
            return redirect
        finally:
            self.loading = False
        self.available_tools = [{"name": t.name, "description": t.description} for t in tools]
        self._models = models
        self._show_config(config)
        self.versions = version_rows(versions.items)
        return ChatState.reset_chat

    def _show_config(self, config: AgentConfig) -> None:
        self.version = config.version
        self._ice_breaker = config.ice_breaker
        self.form = form_from_config(config)
        self.selected_tools = list(config.tools)
        self.overridable = list(config.overridable)
        wire = {"recordToolActions": config.record_tool_actions,
                "widgetEnabled": config.widget_enabled}
        self.flags = {name: wire[name] for name in FLAG_FIELDS}
        self.model_choices, self.model_notes = model_options(self._models, config.model)

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
        self.error, self.saved, self.save_failed = "", "", False
        settings, errors = settings_from_form(
            self.form, self.selected_tools, self.overridable, self.flags
        )
        self.field_errors = _NO_ERRORS | errors
        if errors:
            self.error, self.save_failed = "Fix the fields marked below.", True
            return None
        self.saving = True
        try:
            async with self.api() as client:
                config = await client.send(
                    api.save_config(self.name, settings, if_match=self.version or None))
                versions = await client.send(api.config_versions(self.name))
        except OpenBrainError as exc:
            # The form keeps what the admin typed; the API's message says what to fix.
            fields = exc.fields if isinstance(exc, InvalidError) else {}
            self.field_errors = _NO_ERRORS | {k: v for k, v in fields.items() if k in _NO_ERRORS}
            self.conflict, self.save_failed = isinstance(exc, ConflictError), True
            self.error, redirect = self._failed(exc)
            return redirect
        finally:
            self.saving = False
        self.conflict = False
        self._show_config(config)
        self.versions = version_rows(versions.items)
        self.saved = f"Saved as version {self.version}."
        return ChatState.reset_chat

    def set_copy_name(self, value: str) -> None:
        self.copy_name = value

    async def duplicate(self) -> Any:
        """A new profile with this one's saved settings (never overwriting an existing one)."""
        name = self.copy_name.strip()
        self.error, self.saved = "", ""
        if not name:
            self.error = "Give the copy a name."
            return None
        try:
            async with self.api() as client:
                current = await client.send(api.config(self.name))
                await client.send(api.save_config(name, current.settings, if_match=0))
        except OpenBrainError as exc:
            self.error, redirect = self._failed(exc)
            return redirect
        self.copy_name = ""
        return rx.redirect(f"/profile?name={quote(name, safe='')}")

    def set_new_name(self, value: str) -> None:
        self.new_name = value

    async def rename(self) -> Any:
        """Rename the profile with its history (the API refuses a taken name, with why)."""
        name = self.new_name.strip()
        self.error, self.saved, self.save_failed = "", "", False
        if not name:
            self.error = "Give the profile its new name."
            return None
        try:
            async with self.api() as client:
                await client.send(api.rename_config(self.name, name))
        except OpenBrainError as exc:
            self.error, redirect = self._failed(exc)
            return redirect
        self.new_name = ""
        return rx.redirect(f"/profile?name={quote(name, safe='')}")

    def set_deleting(self, open_: bool) -> None:
        self.deleting = bool(open_)

    async def delete(self) -> Any:
        """Delete the profile (its sessions keep the settings they started with)."""
        self.error, self.deleting = "", False
        try:
            async with self.api() as client:
                await client.send(api.delete_config(self.name))
        except OpenBrainError as exc:
            self.error, redirect = self._failed(exc)
            return redirect
        return rx.redirect("/profiles")

    async def restore(self, version: str) -> Any:
        self.error, self.saved, self.save_failed = "", "", False
        self.saving = True
        try:
            async with self.api() as client:
                config = await client.send(api.restore_config(self.name, int(version)))
                versions = await client.send(api.config_versions(self.name))
        except OpenBrainError as exc:
            self.save_failed = True
            self.error, redirect = self._failed(exc)
            return redirect
        finally:
            self.saving = False
        self._show_config(config)
        self.field_errors = dict(_NO_ERRORS)
        self.versions = version_rows(versions.items)
        self.saved = f"Restored version {version} as version {self.version}."
        return ChatState.reset_chat


class ChatState(EditorState):
    """The live chat panel: a real session with the profile as currently saved."""

    session_id: rx.Field[str] = rx.field("")
    chat: rx.Field[list[dict[str, str]]] = rx.field(default_factory=list)
    draft: rx.Field[str] = rx.field("")
    partial: rx.Field[str] = rx.field("")
    streaming: rx.Field[bool] = rx.field(False)
    chat_error: rx.Field[str] = rx.field("")
    lead: rx.Field[list[dict[str, str]]] = rx.field(default_factory=list)
    chat_events: rx.Field[list[dict[str, str]]] = rx.field(default_factory=list)
    # What the platform tells the operator about this chat (e.g. the offline model stands in).
    model_notice: rx.Field[str] = rx.field("")

    def set_draft(self, value: str) -> None:
        self.draft = value

    def reset_chat(self) -> None:
        """A fresh conversation, opened by the saved version's ice breaker. No session is
        started until the first message: opening, saving or restoring a profile must not
        leave empty sessions among the tenant's real ones."""
        self.chat, self.lead, self.chat_events = [], [], []
        self.partial, self.chat_error, self.session_id = "", "", ""
        self.model_notice = ""
        if self.name and not self.not_found and self._ice_breaker:
            self.chat = [_said("assistant", self._ice_breaker)]

    async def _start_session(self) -> Any:
        """The session the first message goes to (its opening is already on screen)."""
        try:
            async with self.api() as client:
                reply = await client.send(api.start_session(StartSession(profile=self.name,
                                                                          channel="tuner")))
        except OpenBrainError as exc:
            self.chat_error, redirect = self._failed(exc)
            return redirect
        self.session_id = reply.session_id
        self.model_notice = reply.notice or ""
        return None

    def send_on_enter(self, key: str) -> Any:
        """Enter in the message field sends it, like the Send button."""
        if key == "Enter" and not self.streaming:
            return ChatState.send
        return None

    async def send(self) -> AsyncIterator[Any]:
        """Send the draft and stream the answer into the panel token by token (SSE)."""
        text = self.draft.strip()
        if not text or self.streaming:
            return
        if not self.session_id:
            redirect = await self._start_session()
            if not self.session_id:
                if redirect is not None:
                    yield redirect
                return
        self.draft, self.chat_error, self.partial = "", "", ""
        self.chat = [*self.chat, _said("user", text)]
        self.streaming = True
        # The Send button is disabled while the answer streams: keep the keyboard in the field.
        yield [rx.set_focus("chat-input"), rx.call_script(_SCROLL_CHAT)]
        reply: ChatReply | None = None
        turn = api.send_message(self.session_id, SendMessage(message=text), stream=True)
        try:
            async with self.api() as client:
                async for event in client.stream(turn):
                    if isinstance(event, Token):
                        self.partial += event.text
                        yield rx.call_script(_SCROLL_CHAT)
                    else:
                        reply = event
                events = await client.send(api.events(self.session_id))
                # The stored turn, tool calls and results included (the stream carries text).
                transcript: list[Message] = []
                cursor = ""
                while True:  # oldest first: a long conversation's newest are on its last page
                    page = await client.send(api.messages(self.session_id, cursor=cursor))
                    transcript += page.items
                    if not page.cursor:
                        break
                    cursor = page.cursor
        except OpenBrainError as exc:
            self.streaming = False
            self.chat_error, redirect = self._failed(exc)
            if redirect is not None:
                yield redirect
            return
        self.streaming = False
        self.partial = ""
        self.chat = chat_rows(transcript)
        self.lead = _lead_rows(reply.lead if reply else None)
        self.chat_events = [
            {
                "type": e.detail_type,
                "object": f"{e.object_type} {e.object_id}",
                "time": fmt_time(e.occurred_at),
            }
            for e in events.items
        ]
        yield rx.call_script(_SCROLL_CHAT)


def _said(role: str, text: str) -> dict[str, str]:
    """A row of the chat log before the turn is stored (the keys of ``chat_rows``)."""
    return {"role": role, "text": text, "name": "", "args": "", "result": ""}


def _lead_rows(lead: Lead | None) -> list[dict[str, str]]:
    """The lead's id and filled-in fields, for the panel."""
    if lead is None:
        return []
    rows = [{"field": "Lead id", "name": "leadId", "value": lead.lead_id}]
    for field in LEAD_FIELDS:
        value = getattr(lead, field.name)
        if value:
            shown = ", ".join(value) if field.many else str(value)
            rows.append({"field": field.label, "name": field.wire, "value": shown})
    return rows


# --- pages ------------------------------------------------------------------------------


def profiles_page() -> rx.Component:
    return shell(
        "Profiles",
        error_callout(ProfilesState.error),
        loading(ProfilesState.loading),
        rx.cond(AccessState.can_edit_profiles, rx.flex(
            labelled(
                "New profile name",
                "new-profile-name",
                rx.input(
                    value=ProfilesState.new_name,
                    on_change=ProfilesState.set_new_name,
                    id="new-profile-name",
                ),
            ),
            rx.button("Create profile", on_click=ProfilesState.create, id="create-profile"),
            margin_y="12px",
            gap="12px",
            align="end",
            wrap="wrap",
        )),
        table_region("Profiles", rx.table.root(
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
        )),
        empty(ProfilesState.profiles, "No profiles yet.", ProfilesState.loading,
              ProfilesState.error),
    )


def _text_input(name: str) -> rx.Component:
    control = (
        rx.text_area(
            value=EditorState.form[name],
            on_change=lambda v: handler(EditorState.set_field)(name, v),
            rows="4",
            id=f"field-{name}",
        )
        if name in ("systemMessage", "iceBreaker")
        else rx.input(
            value=EditorState.form[name],
            on_change=lambda v: handler(EditorState.set_field)(name, v),
            id=f"field-{name}",
            type="text",
        )
    )
    return rx.box(
        labelled(FIELD_LABELS[name], f"field-{name}", control),
        field_error(EditorState.field_errors[name]),
        width="100%",
    )


def _model_picker() -> rx.Component:
    """The configured models as a select, with what the chosen one costs."""
    return rx.box(
        labelled(FIELD_LABELS["model"], "field-model",
                 rx.select(EditorState.model_choices, value=EditorState.form["model"],
                           on_change=lambda v: handler(EditorState.set_field)("model", v),
                           id="field-model", aria_describedby="model-note")),
        rx.text(EditorState.model_notes[EditorState.form["model"]], size="1", id="model-note"),
        field_error(EditorState.field_errors["model"]),
        width="100%",
    )


def _choice_input(name: str) -> rx.Component:
    control = rx.el.select(
        *[rx.el.option(choice, value=choice) for choice in CHOICE_FIELDS[name]],
        value=EditorState.form[name],
        on_change=lambda v: handler(EditorState.set_field)(name, v),
        id=f"field-{name}",
    )
    return rx.box(
        labelled(FIELD_LABELS[name], f"field-{name}", control),
        field_error(EditorState.field_errors[name]),
        width="100%",
    )


def _flag(name: str) -> rx.Component:
    return rx.box(
        rx.checkbox(
            FIELD_LABELS[name],
            checked=EditorState.flags[name],
            on_change=lambda v: handler(EditorState.set_flag)(name, v),
            id=f"field-{name}",
        ),
        field_error(EditorState.field_errors[name]),
    )


def _tools_picker() -> rx.Component:
    return rx.el.fieldset(
        rx.el.legend(rx.text("Tools", size="2", weight="bold")),
        rx.foreach(
            EditorState.available_tools,
            lambda t: rx.box(
                rx.checkbox(
                    t["name"],
                    checked=EditorState.selected_tools.contains(t["name"]),
                    on_change=lambda v: handler(EditorState.toggle_tool)(t["name"], v),
                    id="tool-" + t["name"],
                    aria_describedby="tool-about-" + t["name"],
                ),
                rx.text(t["description"], size="1", id="tool-about-" + t["name"],
                        margin_left="24px"),
                margin_bottom="6px",
            ),
        ),
        field_error(EditorState.field_errors["tools"]),
        border="none",
        padding="0",
        margin="0",
    )


def _toggle_overridable(name: str) -> Any:
    return lambda v: handler(EditorState.toggle_overridable)(name, v)


def _overridable_picker() -> rx.Component:
    return rx.el.fieldset(
        rx.el.legend(rx.text("Overridable per session", size="2", weight="bold")),
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
        border="none",
        padding="0",
        margin="0",
    )


def _form() -> rx.Component:
    return rx.vstack(
        *[_text_input(name) for name in ("systemMessage", "iceBreaker")],
        _model_picker(),
        rx.grid(*[_text_input(name) for name in NUMBER_FIELDS],
                *[_choice_input(name) for name in CHOICE_FIELDS],
                columns=rx.breakpoints(initial="1", xs="2", md="3"), gap="10px", width="100%"),
        _tools_picker(),
        _overridable_picker(),
        *[_flag(name) for name in FLAG_FIELDS],
        rx.hstack(
            rx.cond(AccessState.can_edit_profiles,
                    rx.button("Save (new version)", on_click=EditorState.save,
                              loading=EditorState.saving, id="save-profile")),
            rx.text("current version ", rx.text.strong(EditorState.version, id="current-version")),
            _save_feedback(),
            align="center",
            wrap="wrap",
        ),
        rx.cond(AccessState.can_edit_profiles, _copy_and_delete()),
        width="100%",
        spacing="3",
    )


def _save_feedback() -> rx.Component:
    """What the last save or restore did, beside the button that did it (a live region that
    is there before its text, so screen readers announce it)."""
    return rx.box(
        rx.cond(EditorState.saved != "",
                rx.text(EditorState.saved, color_scheme="green", size="2", weight="medium",
                        id="saved")),
        rx.cond(EditorState.save_failed,
                rx.text("Not saved: see the message above.", color_scheme="red", size="2",
                        id="save-failed")),
        role="status",
    )


def _copy_and_delete() -> rx.Component:
    """Duplicate the saved profile under a new name, rename it (with its history), delete it
    after a confirmation (``default``, which chats start with, is neither renamed nor
    deleted)."""
    return rx.flex(
        labelled("Copy as", "copy-name",
                 rx.input(value=EditorState.copy_name, on_change=EditorState.set_copy_name,
                          id="copy-name")),
        rx.button("Duplicate", on_click=EditorState.duplicate, variant="soft",
                  id="duplicate-profile"),
        rx.cond(EditorState.name != DEFAULT_PROFILE, rx.flex(
            labelled("Rename to", "rename-name",
                     rx.input(value=EditorState.new_name, on_change=EditorState.set_new_name,
                              id="rename-name")),
            rx.button("Rename", on_click=EditorState.rename, variant="soft",
                      id="rename-profile"),
            gap="12px",
            align="end",
        )),
        rx.cond(EditorState.name != DEFAULT_PROFILE, rx.alert_dialog.root(
            rx.alert_dialog.trigger(
                rx.button("Delete…", color_scheme="red", variant="soft", high_contrast=True,
                          id="delete-profile"),
            ),
            rx.alert_dialog.content(
                dialog_title("Delete this profile?"),
                rx.alert_dialog.description(
                    "The profile and all its versions are deleted. Sessions that used it "
                    "keep the settings they started with. This cannot be undone."),
                rx.flex(
                    rx.alert_dialog.cancel(rx.button("Cancel", variant="soft",
                                                     id="cancel-delete")),
                    rx.alert_dialog.action(rx.button("Delete for good",
                                                     on_click=EditorState.delete,
                                                     color_scheme="red", high_contrast=True,
                                                     id="confirm-delete")),
                    gap="12px", margin_top="16px", justify="end", wrap="wrap",
                ),
            ),
            open=EditorState.deleting,
            on_open_change=EditorState.set_deleting,
        )),
        gap="12px",
        align="end",
        wrap="wrap",
    )


def _versions() -> rx.Component:
    return rx.box(
        heading("Version history", 2, margin_y="10px"),
        table_region("Version history", rx.table.root(
            rx.table.header(
                rx.table.row(
                    *[rx.table.column_header_cell(h) for h in ("Version", "Saved",
                                                                "Changes from previous", "Action")]
                )
            ),
            rx.table.body(
                rx.foreach(
                    EditorState.versions,
                    lambda v: rx.table.row(
                        rx.table.cell(v["version"]),
                        rx.table.cell(v["created"]),
                        rx.table.cell(v["changes"]),
                        rx.table.cell(rx.cond(
                            AccessState.can_edit_profiles,
                            confirmed(
                                "Restore version " + v["version"],
                                "Restore version " + v["version"] + "?",
                                "Its settings are saved as a new version; the current "
                                "version stays in the history.",
                                "Restore version", handler(EditorState.restore)(v["version"]),
                                "restore-version", "confirm-restore", "cancel-restore",
                                trigger_text="Restore", trigger_id="restore-" + v["version"],
                                color="gray"),
                        )),
                        class_name="version-row",
                    ),
                )
            ),
            id="versions-table",
        )),
        width="100%",
    )


def _chat_side() -> rx.Component:
    """What the conversation produced so far: the lead and the session's events."""
    return rx.box(
        heading("Lead so far", 3),
        rx.cond(
            ChatState.lead.length() > 0,
            rx.data_list.root(
                rx.foreach(
                    ChatState.lead,
                    lambda f: rx.data_list.item(
                        rx.data_list.label(f["field"]), rx.data_list.value(f["value"])
                    ),
                ),
                orientation="vertical",
                size="1",
                id="chat-lead",
            ),
            rx.text("No lead yet.", size="1"),
        ),
        heading("Events emitted", 3, margin_top="12px"),
        rx.vstack(
            rx.foreach(
                ChatState.chat_events,
                lambda e: rx.text(rx.code(e["type"]), " ", e["object"], " ", e["time"], size="1"),
            ),
            id="chat-events",
        ),
        min_width="0",
    )


def _chat_panel() -> rx.Component:
    return rx.card(
        rx.hstack(
            heading("Try it", 2),
            rx.spacer(),
            rx.button("Reset", on_click=ChatState.reset_chat, variant="soft", size="1",
                      id="chat-reset"),
        ),
        rx.text("Chats with the profile as currently saved.", size="1"),
        error_callout(ChatState.chat_error, "chat-error"),
        rx.cond(ChatState.model_notice != "",
                rx.callout(ChatState.model_notice, icon="info", color_scheme="amber", size="1",
                           id="chat-model-notice")),
        # The conversation, and beside it (below, on narrow screens) the lead and events.
        rx.grid(
            rx.box(
                rx.vstack(
                    rx.foreach(ChatState.chat, chat_row),
                    rx.cond(ChatState.streaming, streaming_bubble(ChatState.partial)),
                    id="chat-log",
                    role="log",
                    aria_live="polite",
                    aria_label="Conversation",
                    tab_index=0,
                    height="420px",
                    overflow_y="auto",
                    spacing="2",
                    width="100%",
                    padding="10px",
                    background="var(--gray-2)",
                    border_radius="8px",
                ),
                rx.el.label("Message", html_for="chat-input", class_name="sr-only"),
                rx.hstack(
                    rx.input(value=ChatState.draft, on_change=ChatState.set_draft,
                             on_key_down=ChatState.send_on_enter,
                             placeholder="Say something…", id="chat-input", width="100%"),
                    rx.button("Send", on_click=ChatState.send, loading=ChatState.streaming,
                              id="chat-send"),
                    width="100%",
                    margin_top="8px",
                ),
                min_width="0",
            ),
            _chat_side(),
            columns=rx.breakpoints(initial="1", lg="minmax(0, 3fr) minmax(0, 2fr)"),
            gap="16px",
            margin_top="8px",
            width="100%",
        ),
        width="100%",
    )


def editor_page() -> rx.Component:
    return shell(
        "Profile",
        heading(EditorState.name, 2, id="profile-name"),
        error_callout(EditorState.error),
        rx.cond(
            EditorState.conflict,
            rx.hstack(
                rx.text("Someone saved this profile since you opened it. Reload to see their "
                        "version (your edits here are dropped), then make your change again.",
                        size="2"),
                rx.button("Reload the profile", on_click=EditorState.load, size="1",
                          id="reload-profile"),
                align="center",
                wrap="wrap",
                margin_bottom="8px",
            ),
        ),
        loading(EditorState.loading),
        rx.cond(
            EditorState.not_found,
            rx.text("Not found: no such profile in this tenant.", id="not-found"),
            rx.grid(
                # min-width 0: a grid cell may shrink below its widest table (which scrolls).
                rx.vstack(_form(), _versions(), width="100%", min_width="0"),
                rx.box(rx.cond(AccessState.can_chat, _chat_panel(),
                               not_allowed("chat with the profile")), min_width="0"),
                columns=rx.breakpoints(initial="1", md="2"),
                gap="24px",
                width="100%",
            ),
        ),
    )
