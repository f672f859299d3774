"""The sign-in page: on a stage, the Cognito hosted UI; everywhere, paste a JWT, or arrive through
a one-time sign-in link (``/?code=``, from ``ob-admin token --link`` or ``ob-tuner``), which the
page exchanges with the API once."""

from __future__ import annotations

import reflex as rx

from admin_ui.auth import AuthState
from admin_ui.layout import heading, labelled


def signin_page() -> rx.Component:
    return rx.el.main(
        rx.card(
            rx.vstack(
                heading("OpenBrain admin", 1),
                rx.cond(
                    AuthState.signin_message != "",
                    rx.callout(AuthState.signin_message, icon="info", id="signin-message"),
                ),
                rx.cond(
                    AuthState.hosted_ui,
                    rx.vstack(
                        rx.button("Sign in with your admin account",
                                  on_click=AuthState.sign_in_with_cognito,
                                  loading=AuthState.signing_in, id="cognito-sign-in",
                                  width="100%"),
                        rx.text("Or, for operators:", size="2"),
                        width="100%",
                    ),
                ),
                rx.text(
                    "Paste a token from your identity provider, or one from "
                    "`ob-admin token --tenant ID --role admin`; "
                    "`--link URL` prints a one-time sign-in link instead.",
                    size="2",
                ),
                labelled(
                    "Token",
                    "token-input",
                    rx.text_area(
                        placeholder="eyJ…",
                        value=AuthState.token_input,
                        on_change=AuthState.set_token_input,
                        id="token-input",
                        rows="4",
                        width="100%",
                    ),
                    width="100%",
                ),
                rx.cond(
                    AuthState.signin_error != "",
                    rx.callout(AuthState.signin_error, icon="triangle_alert", color_scheme="red",
                               role="alert", id="signin-error"),
                ),
                rx.button("Sign in", on_click=AuthState.sign_in, loading=AuthState.signing_in,
                          id="sign-in", width="100%"),
                width="100%",
            ),
            width="100%",
            max_width="420px",
        ),
        display="flex",
        justify_content="center",
        align_items="center",
        min_height="80vh",
        padding="16px",
    )
