"""The page shell (navigation, tenant, sign-out) and the shared loading/error pieces."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Concatenate, Literal, ParamSpec, cast

import reflex as rx
from reflex_base.event import EventSpec
from reflex_base.vars.sequence import ArrayVar

from admin_ui.access import AccessState, allowed
from admin_ui.auth import AuthState

NAV = (
    ("Profiles", "/profiles"),
    ("Sessions", "/sessions"),
    ("Inbox", "/inbox"),
    ("Leads", "/leads"),
    ("API keys", "/keys"),
    ("Events", "/events"),
    ("Usage", "/usage"),
)
# Pages a role without the scope cannot use at all: their links are not shown to it.
_NAV_NEEDS = {"/keys": AccessState.can_manage_keys, "/events": AccessState.can_manage_events,
              "/inbox": AccessState.can_handoff}


def _nav_link(label: str, href: str) -> rx.Component:
    link = rx.link(label, href=href, id=f"nav-{href.strip('/')}")
    needs = _NAV_NEEDS.get(href)
    return link if needs is None else rx.cond(needs, link)


def error_callout(message: rx.Var[str], test_id: str = "error") -> rx.Component:
    """The API's problem-detail message, when there is one."""
    return rx.cond(
        message != "",
        rx.callout(message, icon="triangle_alert", color_scheme="red", role="alert", id=test_id),
    )


def loading(flag: rx.Var[bool]) -> rx.Component:
    return rx.cond(flag, rx.hstack(rx.spinner(), rx.text("Loading…"), id="loading",
                                   role="status"))


def notice(message: rx.Var[str], test_id: str = "notice") -> rx.Component:
    """A success message, announced politely (the live region is there before the text)."""
    return rx.box(
        rx.cond(message != "", rx.callout(message, icon="info", color_scheme="green", id=test_id)),
        role="status",
    )


def heading(text: rx.Var[str] | str, level: int, **props: Any) -> rx.Component:
    """A heading at its place in the outline (Radix renders every heading as an H1)."""
    sizes: dict[int, Literal["6", "4", "3"]] = {1: "6", 2: "4", 3: "3"}
    return rx.heading(text, as_=f"h{level}", size=sizes[level], **props)


def dialog_title(text: rx.Var[str] | str) -> rx.Component:
    """A dialog's title, an H2 under the page's H1 (Radix renders it as an H1). Radix passes
    ``as`` on to its heading; Reflex's title component does not declare it."""
    attrs: dict[str, Any] = {"as": "h2"}
    return rx.alert_dialog.title(text, custom_attrs=attrs)


def labelled(label: str, control_id: str, control: rx.Component, **props: Any) -> rx.Component:
    """A control under its visible label, tied to it by ``for`` (no placeholder-only names)."""
    return rx.box(
        rx.el.label(rx.text(label, size="2", weight="bold"), html_for=control_id,
                    display="block", margin_bottom="2px"),
        control,
        **props,
    )


def checkbox_group(legend: str, options: Sequence[str], checked: ArrayVar[Sequence[str]],
                   toggle: Callable[[str], Any], id_prefix: str, *, gap: str = "10px",
                   margin: str = "0") -> rx.Component:
    """Checkboxes named by a visible legend (a fieldset): one per option, ``id_prefix`` +
    option as its id, ``toggle(option)`` its change handler."""
    return rx.el.fieldset(
        rx.el.legend(rx.text(legend, size="2", weight="bold")),
        rx.flex(
            *[rx.checkbox(option, checked=checked.contains(option), on_change=toggle(option),
                          id=f"{id_prefix}{option}") for option in options],
            gap=gap,
            wrap="wrap",
        ),
        border="none",
        padding="0",
        margin=margin,
    )


def table_region(label: str, table: rx.Component, region_id: str | None = None) -> rx.Component:
    """A wide table scrolls inside a named, keyboard-focusable region, never the page."""
    return rx.box(table, role="region", aria_label=label, tab_index=0, class_name="table-region",
                  width="100%", id=region_id)


def guarded_shell(may: rx.Var[bool], what: str, title: str,
                  *children: rx.Component) -> rx.Component:
    """A :func:`shell` page only for roles that ``may`` use it; others see that they cannot
    ``what`` instead of controls the API would refuse."""
    return shell(title, allowed(may, what, *children))


def shell(title: str, *children: rx.Component) -> rx.Component:
    """A signed-in page: skip link, header with the navigation, then the page's main content
    under its one H1."""
    return rx.box(
        # Moves the focus itself: following "#main" would go through the client-side router,
        # which drops the page's query string (and reloads the page's state).
        rx.el.a("Skip to content", href="#main", class_name="skip-link",
                on_click=[rx.prevent_default,
                          rx.call_script("document.getElementById('main').focus()")]),
        rx.el.header(
            rx.hstack(
                rx.text("OpenBrain", size="5", weight="bold"),
                rx.el.nav(
                    rx.flex(
                        *[_nav_link(label, href) for label, href in NAV],
                        gap="16px",
                        wrap="wrap",
                    ),
                    aria_label="Main",
                ),
                rx.spacer(),
                rx.hstack(
                    rx.badge(AuthState.tenant, id="tenant-badge"),
                    rx.text(AuthState.role, size="1"),
                    rx.button("Sign out", on_click=AuthState.sign_out, variant="soft",
                              id="sign-out"),
                    align="center",
                ),
                spacing="4",
                align="center",
                padding="12px 16px",
                border_bottom="1px solid var(--gray-5)",
                wrap="wrap",
            ),
        ),
        rx.el.main(
            heading(title, 1, margin_bottom="12px"),
            *children,
            id="main",
            tab_index=-1,
            padding="16px",
            max_width="100%",
        ),
    )


def field_error(message: rx.Var[str] | str) -> rx.Component:
    """A field's message; ``str`` because an entry of a dict state var is typed as one."""
    return rx.cond(message != "", rx.text(message, color_scheme="red", size="1"))


def empty(rows: ArrayVar[Sequence[Any]], message: str, flag: rx.Var[bool],
          error: rx.Var[str]) -> rx.Component:
    """What an empty table says (once loading is over, and unless loading failed: a refusal
    is not an empty list)."""
    return rx.cond(
        (rows.length() == 0) & ~flag & (error == ""),
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


def filter_bar(on_submit: Any, *children: rx.Component) -> rx.Component:
    """Filters above a list, as a form: Enter in any field applies them, like the button
    (which must be ``type="submit"``; other buttons in the bar ``type="button"``)."""
    return rx.form(
        rx.flex(*children, gap="12px", align="end", wrap="wrap"),
        on_submit=on_submit,
        reset_on_submit=False,
        margin_bottom="12px",
    )


def confirmed(label: str | rx.Var[str], title: rx.Var[str] | str, description: str,
              confirm: str, on_confirm: Any, trigger_class: str, confirm_class: str,
              cancel_class: str, *, trigger_text: str | None = None,
              trigger_id: rx.Var[str] | str | None = None,
              color: Literal["red", "gray"] = "red") -> rx.Component:
    """A button that asks first, in a dialog that takes the focus and gives it back on Cancel
    (``label``: the button's accessible name; ``trigger_text``: its text, by default the
    confirming verb; ``color``: red for what cannot be undone)."""
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button(trigger_text or confirm.split(" ")[0], size="1", color_scheme=color,
                      variant="soft", high_contrast=True, class_name=trigger_class,
                      aria_label=label, id=trigger_id),
        ),
        rx.alert_dialog.content(
            dialog_title(title),
            rx.alert_dialog.description(description),
            rx.flex(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft",
                                                 class_name=cancel_class)),
                rx.alert_dialog.action(rx.button(confirm, color_scheme=color,
                                                 high_contrast=True, on_click=on_confirm,
                                                 class_name=confirm_class)),
                gap="12px",
                margin_top="16px",
                justify="end",
                wrap="wrap",
            ),
        ),
    )
