"""The tuner's conversation as the widget shows one: the visitor's bubbles on the right, the
assistant's on the left, and each tool call folded (a ``<details>``, opened by click or key)
with its arguments and result. Rows come from :func:`admin_ui.helpers.chat_rows`."""

from __future__ import annotations

from typing import Any, cast

import reflex as rx

_BUBBLE: dict[str, Any] = {
    "padding": "8px 11px",
    "max_width": "85%",
    "white_space": "pre-wrap",
    "overflow_wrap": "anywhere",
    "font_size": "var(--font-size-2)",
}


def _user(m: Any) -> rx.Component:
    return rx.box(
        rx.el.span("You: ", class_name="sr-only"),
        m["text"],
        class_name="chat-user",
        align_self="flex-end",
        background="var(--accent-9)",
        color="var(--accent-contrast)",
        border_radius="12px 12px 4px 12px",
        **_BUBBLE,
    )


def _assistant(m: Any) -> rx.Component:
    return rx.box(
        rx.el.span("Assistant: ", class_name="sr-only"),
        m["text"],
        class_name="chat-assistant",
        align_self="flex-start",
        background="var(--color-panel-solid)",
        border="1px solid var(--gray-6)",
        border_radius="12px 12px 12px 4px",
        **_BUBBLE,
    )


def _tool(m: Any) -> rx.Component:
    return rx.el.details(
        rx.el.summary(rx.text("Tool call ", rx.code(m["name"]), size="1", as_="span"),
                      cursor="pointer"),
        rx.cond(m["args"] != "", rx.el.pre(m["args"], class_name="chat-tool-args",
                                            font_size="12px", margin="4px 0",
                                            white_space="pre-wrap")),
        rx.cond(m["result"] != "", rx.text("→ ", m["result"], size="1",
                                            class_name="chat-tool-result")),
        class_name="chat-tool",
        align_self="flex-start",
        max_width="85%",
        padding="4px 8px",
        border_left="3px solid var(--gray-7)",
        color="var(--gray-12)",
    )


def chat_row(m: Any) -> rx.Component:
    """One row of the log: a bubble, or a folded tool call."""
    # rx.match over components is a component (its stubs also allow a Var).
    return cast(rx.Component,
                rx.match(m["role"], ("user", _user(m)), ("tool", _tool(m)), _assistant(m)))


def streaming_bubble(text: rx.Var[str]) -> rx.Component:
    """The answer as it streams in; not announced token by token (the finished answer joins
    the log, which is)."""
    return rx.box(text, "▍", id="chat-partial", aria_hidden="true", align_self="flex-start",
                  background="var(--color-panel-solid)", border="1px dashed var(--gray-7)",
                  border_radius="12px 12px 12px 4px", **_BUBBLE)
