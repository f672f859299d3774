"""What the signed-in role may do, so the dashboard shows no control the API would refuse.

The scopes come from the API itself (``GET /v1/me``), asked on every page load: a role's
scopes are the API's to decide, and a change (or a revoked key) shows at the next page.
Until the answer arrives, or when it cannot be had, every write control stays hidden.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from admin_ui.auth import AuthState
from openbrain.client import api
from openbrain.domain.errors import OpenBrainError


class AccessState(AuthState):
    scopes: rx.Field[list[str]] = rx.field(default_factory=list)
    known: rx.Field[bool] = rx.field(False)  # whether ``scopes`` holds the API's answer yet

    async def load_access(self) -> Any:
        """Ask the API what this token may do (the page's own load reports any failure)."""
        if not self.token:
            self.scopes, self.known = [], False
            return None
        try:
            async with self.api() as client:
                me = await client.send(api.me())
        except OpenBrainError:
            self.scopes, self.known = [], False
            return None
        self.scopes, self.known = list(me.scopes), True
        return None

    @rx.var
    def can_edit_profiles(self) -> bool:
        return "configs:write" in self.scopes

    @rx.var
    def can_chat(self) -> bool:
        return "chat" in self.scopes

    @rx.var
    def can_edit_leads(self) -> bool:
        return "leads:write" in self.scopes

    @rx.var
    def can_manage_keys(self) -> bool:
        return "keys:manage" in self.scopes

    @rx.var
    def can_manage_events(self) -> bool:
        return "events:manage" in self.scopes

    @rx.var
    def can_handoff(self) -> bool:
        return "handoff" in self.scopes


def not_allowed(what: str) -> rx.Component:
    """What a page says to a role that cannot use it (instead of controls that would fail);
    nothing until the API has said what the role may do."""
    return rx.cond(
        AccessState.known,
        rx.callout(
            f"Your role ({AuthState.role}) cannot {what}. Ask a tenant admin if you need to.",
            icon="lock", color_scheme="gray", id="not-allowed",
        ),
    )


def allowed(flag: rx.Var[bool], what: str, *children: rx.Component) -> rx.Component:
    """``children`` when the role may (``flag``), else :func:`not_allowed`."""
    return rx.cond(flag, rx.fragment(*children), not_allowed(what))
