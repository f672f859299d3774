"""``ob serve``: the API on uvicorn in embedded mode (or against DynamoDB/EventBridge when the
settings point there)."""

from __future__ import annotations

import uvicorn

from openbrain.api.app import create_app
from openbrain.runtime import EMBEDDED, Runtime
from openbrain.settings import Settings, get_settings


def serve(settings: Settings | None = None) -> None:
    """Run until interrupted. Prints the URL; logs go to stderr as JSON (redacted)."""
    settings = settings or get_settings()
    app = create_app(Runtime(settings, profile=EMBEDDED))
    url = f"http://{settings.host}:{settings.port}"
    print(f"OpenBrain API on {url}  (OpenAPI: {url}/schema, widget: {url}/widget.js)", flush=True)
    if settings.stage == "local":
        print(f"Chat in your browser: {url}/  (or: ob \"hello\", ob-chat)", flush=True)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        access_log=False,  # our middleware logs requests without query strings
        log_config=None,
        proxy_headers=False,
        timeout_graceful_shutdown=10,
    )
