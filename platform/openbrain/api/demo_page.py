"""The local stage's front page: the chat widget of the first tenant, ready to use.

``ob serve`` on a laptop should be ready to chat in a browser with no setup. This page embeds
the widget with a publishable key of the first tenant spec (``demo`` in the repository). The
key is issued once and its token kept (mode 0600) in the data directory: a publishable key is
public by design (every page that embeds the widget shows it), and it can only chat, only from
the tenant's widget origins.
"""

from __future__ import annotations

import html
import os
import threading
from pathlib import Path

from openbrain.auth.api_keys import hash_token, parse_key
from openbrain.auth.issuing import issue_key
from openbrain.domain.agent_config import DEFAULT_PROFILE
from openbrain.settings import Settings
from openbrain.store import TableDriver, TenantRepository, TenantStore

_lock = threading.Lock()


def _key_file(settings: Settings, client_id: str) -> Path:
    return settings.data_dir / f"widget-key-{client_id}"


def demo_widget_key(driver: TableDriver, settings: Settings, client_id: str) -> str | None:
    """The token of the local demo page's publishable key, issued on first use (and again if
    it was revoked, the store was reset or the tenant's widget origins changed since: a key
    keeps the origins it was issued with, so a new origin in the spec needs a new key).
    ``None`` if the tenant has no widget origins."""
    with _lock:
        path = _key_file(settings, client_id)
        store = TenantStore(driver, client_id)
        tenant = TenantRepository(driver).get(client_id)
        if tenant is None or not tenant.widget_origins:
            return None
        if path.is_file():
            token = path.read_text().strip()
            parsed = parse_key(token)
            key = store.api_keys.get(parsed.key_id) if parsed else None
            if key is not None and key.active and key.secret_hash == hash_token(token):
                if sorted(key.allowed_origins) == sorted(tenant.widget_origins):
                    return token
                # Retire the stale key so the page never shows two working keys.
                store.api_keys.revoke(key.key_id)
        _, token = issue_key(
            store, tenant, kind="publishable", name="local demo page",
            allowed_origins=tenant.widget_origins, profiles=[DEFAULT_PROFILE],
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(token)
        return token


def render_page(*, tenant_name: str, token: str | None, origins: list[str]) -> str:
    """The HTML of the page (every interpolated value escaped)."""
    if token is None:
        body = "<p>This tenant has no widget origins, so the chat widget cannot run here.</p>"
        script = ""
    else:
        allowed = ", ".join(f"<code>{html.escape(o)}</code>" for o in origins)
        body = (
            "<p>The chat bubble at the bottom right is the embeddable widget, talking to this "
            "server with a publishable key. Try: <em>Hi, I am Jane Doe, jane@example.com, "
            "555-0100</em> &mdash; the agent captures the lead and the tenant's routes "
            "receive <code>lead.created</code>.</p>"
            f"<p>The widget runs only from the tenant's widget origins: {allowed}.</p>"
        )
        script = (
            f'<script src="/widget.js" data-key="{html.escape(token)}" '
            f'data-profile="{DEFAULT_PROFILE}" async></script>'
        )
    return (
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>OpenBrain &mdash; {html.escape(tenant_name)}</title>"
        "<style>body{font:16px/1.5 system-ui,sans-serif;max-width:44rem;margin:3rem auto;"
        "padding:0 1rem;color:#1f2933}code{background:#f0f2f5;padding:0 .25rem}</style>"
        f"</head><body><h1>OpenBrain</h1><p>Tenant: <strong>{html.escape(tenant_name)}</strong>"
        " (local stage). The API is at <code>/v1</code>: "
        "<a href=\"/schema/swagger\">Interactive API docs</a> (<em>Authorize</em> with a key "
        "from <code>ob-admin keys create</code> to try it out), the OpenAPI document at "
        "<a href=\"/schema/openapi.json\"><code>/schema/openapi.json</code></a>.</p>"
        f"{body}{script}</body></html>"
    )
