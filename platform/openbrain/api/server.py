"""``ob serve``: the API on uvicorn in embedded mode (or against DynamoDB/EventBridge when the
settings point there)."""

from __future__ import annotations

import socket

import uvicorn

from openbrain.api.app import create_app
from openbrain.runtime import EMBEDDED, Runtime
from openbrain.settings import Settings, SettingsError, get_settings


def listen(host: str, port: int) -> socket.socket:
    """The server's listening socket, bound before anything is announced, so a busy port is
    one clear error rather than a banner followed by a failure.

    Raises:
        SettingsError: the address cannot be bound (in use, not local, no permission).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        reason = exc.strerror or str(exc)
        raise SettingsError(
            f"cannot listen on {host}:{port}: {reason.lower()} "
            "(choose another with --port or OB_PORT)"
        ) from None
    sock.set_inheritable(True)
    return sock


def serve(settings: Settings | None = None) -> None:
    """Run until interrupted. Prints the URL; logs go to stderr as JSON (redacted)."""
    settings = settings or get_settings()
    sock = listen(settings.host, settings.port)
    app = create_app(Runtime(settings, profile=EMBEDDED))
    url = f"http://{settings.host}:{settings.port}"
    print(f"OpenBrain API on {url}  (OpenAPI: {url}/schema, widget: {url}/widget.js)", flush=True)
    if settings.stage == "local":
        print(f"Chat in your browser: {url}/  (or: ob \"hello\", ob-chat)", flush=True)
    config = uvicorn.Config(
        app,
        access_log=False,  # our middleware logs requests without query strings
        log_config=None,
        proxy_headers=False,
        timeout_graceful_shutdown=10,
    )
    uvicorn.Server(config).run(sockets=[sock])
