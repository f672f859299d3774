"""API keys: create (secret or publishable), the secret shown once with a copy button, revoke."""

from __future__ import annotations

import html
from typing import Any

import reflex as rx

from admin_ui.access import AccessState
from admin_ui.auth import AuthState, api_url
from admin_ui.helpers import fmt_time, split_list
from admin_ui.layout import (
    checkbox_group,
    confirmed,
    empty,
    error_callout,
    field_error,
    guarded_shell,
    handler,
    heading,
    labelled,
    loading,
    notice,
    table_region,
)
from openbrain.api.schemas import NewKey
from openbrain.client import api
from openbrain.domain.agent_config import DEFAULT_PROFILE
from openbrain.domain.api_key import ALL_TENANT_SCOPES, KeyKind, TenantScope
from openbrain.domain.errors import OpenBrainError

TENANT_SCOPES = ALL_TENANT_SCOPES  # one list, the API's own
KINDS: tuple[KeyKind, ...] = ("publishable", "secret")


def embed_snippet(token: str, profiles: list[str]) -> str:
    """The tag that embeds the chat widget with a publishable key (its first profile)."""
    profile = profiles[0] if profiles else DEFAULT_PROFILE
    return (f'<script src="{html.escape(api_url())}/widget.js" data-key="{html.escape(token)}" '
            f'data-profile="{html.escape(profile)}" async></script>')


class KeysState(AuthState):
    keys: rx.Field[list[dict[str, str]]] = rx.field(default_factory=list)
    kind: rx.Field[str] = rx.field("publishable")
    key_name: rx.Field[str] = rx.field("")
    origins: rx.Field[str] = rx.field("")
    key_profiles: rx.Field[str] = rx.field("")
    scopes: rx.Field[list[str]] = rx.field(default_factory=lambda: ["chat"])
    new_secret: rx.Field[str] = rx.field("")
    # For a new publishable key: the <script> tag that puts the widget on a site.
    embed_snippet: rx.Field[str] = rx.field("")
    message: rx.Field[str] = rx.field("")
    error: rx.Field[str] = rx.field("")
    loading: rx.Field[bool] = rx.field(False)
    creating: rx.Field[bool] = rx.field(False)
    # The origins dialog of one publishable key ("" when closed) and what the API said.
    editing_key: rx.Field[str] = rx.field("")
    edited_origins: rx.Field[str] = rx.field("")
    origins_error: rx.Field[str] = rx.field("")

    def set_kind(self, value: str) -> None:
        self.kind = value

    def set_key_name(self, value: str) -> None:
        self.key_name = value

    def set_origins(self, value: str) -> None:
        self.origins = value

    def set_key_profiles(self, value: str) -> None:
        self.key_profiles = value

    def toggle_scope(self, scope: str, on: bool) -> None:
        rest = [s for s in self.scopes if s != scope]
        self.scopes = [*rest, scope] if on else rest

    def dismiss_secret(self) -> None:
        self.new_secret, self.embed_snippet = "", ""

    async def load(self) -> Any:
        if (redirect := self._guard()) is not None:
            return redirect
        self.new_secret, self.embed_snippet, self.message = "", "", ""
        return await self._refresh()

    async def _refresh(self) -> Any:
        self.loading, self.error = True, ""
        try:
            async with self.api() as client:
                page = await client.send(api.keys())
        except OpenBrainError as exc:
            self.error, redirect = self._failed(exc)
            return redirect
        finally:
            self.loading = False
        self.keys = [
            {
                "id": k.key_id,
                "kind": k.kind,
                "name": k.name,
                "scopes": ", ".join(k.scopes),
                "origins": ", ".join(k.allowed_origins),
                "profiles": ", ".join(k.profiles),
                "created": fmt_time(k.created_at),
                "revoked": fmt_time(k.revoked_at),
                "lastUsed": fmt_time(k.last_used_at),
            }
            for k in page.items
        ]
        return None

    def _new_key(self) -> NewKey:
        """The form as a request; its values are checked by the API, which names a bad one."""
        publishable = self.kind == "publishable"
        scopes: list[TenantScope] = ["chat"] if publishable else [
            s for s in TENANT_SCOPES if s in self.scopes]
        return NewKey(
            kind="publishable" if publishable else "secret",
            name=self.key_name.strip(),
            scopes=list(scopes),
            allowed_origins=split_list(self.origins) if publishable else [],
            profiles=split_list(self.key_profiles),
        )

    async def create(self) -> Any:
        self.error, self.new_secret, self.embed_snippet = "", "", ""
        self.creating = True
        try:
            async with self.api() as client:
                created = await client.send(api.create_key(self._new_key()))
        except OpenBrainError as exc:
            self.error, redirect = self._failed(exc)
            return redirect
        finally:
            self.creating = False
        # Shown once: the API keeps only a hash, and this page forgets it on the next load.
        self.new_secret = created.secret
        if created.key.kind == "publishable":
            self.embed_snippet = embed_snippet(created.secret, created.key.profiles)
        self.key_name, self.origins, self.key_profiles = "", "", ""
        return await self._refresh()

    def edit_origins(self, key_id: str, origins: str) -> None:
        self.editing_key, self.edited_origins, self.origins_error = key_id, origins, ""

    def set_edited_origins(self, value: str) -> None:
        self.edited_origins, self.origins_error = value, ""

    def close_origins(self, open_: bool) -> None:
        if not open_:
            self.editing_key, self.origins_error = "", ""

    async def save_origins(self) -> Any:
        """The publishable key's new origins; a refusal stays in the dialog, naming them."""
        key_id, self.message = self.editing_key, ""
        try:
            async with self.api() as client:
                await client.send(api.change_key_origins(key_id,
                                                         split_list(self.edited_origins)))
        except OpenBrainError as exc:
            self.origins_error, redirect = self._failed(exc)
            return redirect
        self.editing_key = ""
        self.message = f"Origins of key {key_id} saved: the widget is accepted from them now."
        return await self._refresh()

    async def revoke(self, key_id: str) -> Any:
        self.error, self.message = "", ""
        try:
            async with self.api() as client:
                await client.send(api.revoke_key(key_id))
        except OpenBrainError as exc:
            self.error, redirect = self._failed(exc)
            return redirect
        self.message = f"Key {key_id} revoked."
        redirect = await self._refresh()
        # The Revoke button that opened the dialog is gone: the focus goes to the key list.
        return redirect or rx.set_focus("keys-region")


def _toggle_scope(scope: str) -> Any:
    return lambda v: handler(KeysState.toggle_scope)(scope, v)


def _revoke_dialog(key: Any) -> rx.Component:
    return confirmed("Revoke " + key["name"], "Revoke key " + key["name"] + "?",
                     "Requests with this key are refused from now on. This cannot be undone.",
                     "Revoke key", handler(KeysState.revoke)(key["id"]),
                     "revoke-key", "confirm-revoke", "cancel-revoke")


def _origins_dialog() -> rx.Component:
    """Change the origins of the publishable key being edited (one dialog for the page)."""
    attrs: dict[str, Any] = {"as": "h2"}  # under the page's H1 (Radix renders an H1)
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Allowed origins of " + KeysState.editing_key, custom_attrs=attrs),
            rx.dialog.description(
                "The pages the widget may use this key from: among the tenant's widget "
                "origins, comma-separated; empty allows all of them.", size="2"),
            labelled("Allowed origins", "edit-origins",
                     rx.input(value=KeysState.edited_origins,
                              on_change=KeysState.set_edited_origins, id="edit-origins"),
                     margin_top="8px"),
            field_error(KeysState.origins_error),
            rx.flex(
                rx.dialog.close(rx.button("Cancel", variant="soft", id="cancel-origins")),
                rx.button("Save origins", on_click=KeysState.save_origins, id="save-origins"),
                gap="12px", margin_top="16px", justify="end",
            ),
        ),
        open=KeysState.editing_key != "",
        on_open_change=KeysState.close_origins,
    )


def keys_page() -> rx.Component:
    return guarded_shell(
        AccessState.can_manage_keys, "manage API keys",
        "API keys",
        error_callout(KeysState.error),
        notice(KeysState.message, "keys-message"),
        rx.card(
            heading("New key", 2),
            rx.flex(
                labelled("Kind", "key-kind",
                         rx.select(list(KINDS), value=KeysState.kind,
                                   on_change=KeysState.set_kind, id="key-kind")),
                labelled("Name", "key-name",
                         rx.input(value=KeysState.key_name, on_change=KeysState.set_key_name,
                                  id="key-name")),
                labelled("Allowed origins (comma-separated)", "key-origins",
                         rx.input(placeholder="https://shop.example", value=KeysState.origins,
                                  on_change=KeysState.set_origins, id="key-origins"),
                         width="100%", max_width="320px"),
                labelled("Profiles (comma-separated)", "key-profiles",
                         rx.input(value=KeysState.key_profiles,
                                  on_change=KeysState.set_key_profiles, id="key-profiles")),
                gap="12px",
                wrap="wrap",
                margin_top="8px",
            ),
            rx.cond(
                KeysState.kind == "secret",
                checkbox_group("Scopes", TENANT_SCOPES, KeysState.scopes, _toggle_scope, "scope-",
                               margin="8px 0 0 0"),
                rx.text("Publishable keys can only chat, from their allowed origins.", size="1",
                        margin_top="8px"),
            ),
            rx.button("Create key", on_click=KeysState.create, loading=KeysState.creating,
                      id="create-key", margin_top="8px"),
            margin_bottom="12px",
        ),
        rx.cond(
            KeysState.new_secret != "",
            rx.callout.root(
                rx.text("Copy the key now: it is shown only once."),
                rx.cond(
                    KeysState.embed_snippet != "",
                    rx.box(
                        rx.text("Put the widget on your site (an allowed origin) with:",
                                size="2", margin_top="6px"),
                        rx.el.pre(rx.el.code(KeysState.embed_snippet), id="embed-snippet",
                                  white_space="pre-wrap", word_break="break-all"),
                        rx.button("Copy snippet",
                                  on_click=rx.set_clipboard(KeysState.embed_snippet),
                                  size="1", id="copy-snippet"),
                    ),
                ),
                rx.hstack(
                    rx.code(KeysState.new_secret, id="new-secret"),
                    rx.button("Copy", on_click=rx.set_clipboard(KeysState.new_secret),
                              size="1", id="copy-secret"),
                    rx.button("Done", on_click=KeysState.dismiss_secret, size="1",
                              variant="soft", id="dismiss-secret"),
                ),
                color_scheme="amber",
                id="secret-once",
                margin_bottom="12px",
            ),
        ),
        loading(KeysState.loading),
        table_region("API keys", rx.table.root(
            rx.table.header(
                rx.table.row(
                    *[rx.table.column_header_cell(h) for h in ("Key", "Kind", "Name", "Scopes",
                                                                "Origins", "Profiles", "Created",
                                                                "Last used", "Action")]
                )
            ),
            rx.table.body(
                rx.foreach(
                    KeysState.keys,
                    lambda k: rx.table.row(
                        rx.table.cell(rx.code(k["id"])),
                        rx.table.cell(k["kind"]),
                        rx.table.cell(k["name"]),
                        rx.table.cell(k["scopes"]),
                        rx.table.cell(k["origins"]),
                        rx.table.cell(k["profiles"]),
                        rx.table.cell(k["created"]),
                        rx.table.cell(k["lastUsed"]),
                        rx.table.cell(
                            rx.cond(
                                k["revoked"] != "",
                                rx.badge("revoked " + k["revoked"], color_scheme="gray",
                                         class_name="key-revoked"),
                                rx.hstack(
                                    rx.cond(
                                        k["kind"] == "publishable",
                                        rx.button(
                                            "Edit origins", size="1", variant="soft",
                                            class_name="edit-origins",
                                            aria_label="Edit origins of " + k["name"],
                                            on_click=handler(KeysState.edit_origins)(
                                                k["id"], k["origins"])),
                                    ),
                                    _revoke_dialog(k),
                                ),
                            )
                        ),
                        class_name="key-row",
                    ),
                )
            ),
            id="keys-table",
        ), region_id="keys-region"),
        empty(KeysState.keys, "No API keys yet.", KeysState.loading, KeysState.error),
        _origins_dialog(),
    )
