"""The page shell (navigation, tenant, sign-out) and the shared loading/error pieces."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Concatenate, ParamSpec, cast

import reflex as rx
from reflex_base.event import EventSpec
from reflex_base.vars.sequence import ArrayVar

from admin_ui.auth import AuthState

NAV = (
    ("Profiles", "/profiles"),
    ("Sessions", "/sessions"),
    ("Leads", "/leads"),
    ("API keys", "/keys"),
    ("Events", "/events"),
    ("Usage", "/usage"),
)


def error_callout(message: rx.Var[str], test_id: str = "error") -> rx.Component:
    """The API's problem-detail message, when there is one."""
    return rx.cond(
        message != "",
        rx.callout(message, icon="triangle_alert", color_scheme="red", role="alert", id=test_id),
    )


def loading(flag: rx.Var[bool]) -> rx.Component:
    return rx.cond(flag, rx.hstack(rx.spinner(), rx.text("Loading…"), id="loading"))


def notice(message: rx.Var[str], test_id: str = "notice") -> rx.Component:
    return rx.cond(
        message != "",
        rx.callout(message, icon="info", color_scheme="green", id=test_id),
    )


def shell(title: str, *children: rx.Component) -> rx.Component:
    """A signed-in page: the navigation on top, then the page's content."""
    return rx.box(
        rx.hstack(
            rx.heading("OpenBrain", size="5"),
            *[rx.link(label, href=href, id=f"nav-{href.strip('/')}") for label, href in NAV],
            rx.spacer(),
            rx.badge(AuthState.tenant, id="tenant-badge"),
            rx.text(AuthState.role, size="1", color_scheme="gray"),
            rx.button("Sign out", on_click=AuthState.sign_out, variant="soft", id="sign-out"),
            spacing="4",
            align="center",
            padding="12px 20px",
            border_bottom="1px solid var(--gray-5)",
            wrap="wrap",
        ),
        rx.box(rx.heading(title, size="6", margin_bottom="12px"), *children, padding="20px"),
    )


def field_error(message: rx.Var[str] | str) -> rx.Component:
    """A field's message; ``str`` because an entry of a dict state var is typed as one."""
    return rx.cond(message != "", rx.text(message, color_scheme="red", size="1"))


def empty(rows: ArrayVar[Sequence[Any]], message: str, flag: rx.Var[bool]) -> rx.Component:
    """What an empty table says (once loading is over)."""
    return rx.cond(
        (rows.length() == 0) & ~flag,
        rx.text(message, size="2", color_scheme="gray", class_name="empty"),
    )


P = ParamSpec("P")


def handler(method: Callable[Concatenate[Any, P], object]) -> Callable[P, EventSpec]:
    """``State.method`` called with its arguments on a page, as Reflex does it.

    Reflex turns a state's methods into EventHandlers when it builds the class; mypy still
    sees the plain function, which wants ``self``. The cast states what Reflex made of it,
    and the parameters keep their types.
    """
    return cast(Callable[P, EventSpec], method)
