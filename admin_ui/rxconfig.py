"""Reflex configuration for the OpenBrain admin dashboard.

The dashboard is a client of the HTTP API (``OB_API_URL``); it never touches the table.
Telemetry is off and npm is used (``REFLEX_USE_NPM=1``) so nothing is downloaded at run time.
"""

import os

import reflex as rx

_port = int(os.environ.get("OB_TUNER_PORT", "3000"))

config = rx.Config(
    app_name="admin_ui",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    frontend_port=_port,
    backend_port=_port,
    backend_host=os.environ.get("OB_TUNER_HOST", "127.0.0.1"),
    api_url=os.environ.get("OB_TUNER_URL", f"http://127.0.0.1:{_port}"),
    # The state lives in memory: one process, no Redis.
    state_manager_mode=rx.constants.StateManagerMode.MEMORY,
    plugins=[
        rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="indigo", radius="medium"))
    ],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
