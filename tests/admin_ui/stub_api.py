"""A tiny real HTTP server with canned answers, for the client's and states' error paths.

The happy paths run against the real API (browser tests); this serves the answers that are
hard to provoke there on demand: problem details with field errors, 401s, broken streams.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Canned:
    status: int
    body: Any = None
    content_type: str = "application/json"
    raw: bytes | None = None


@dataclass
class StubApi:
    """Routes are ``"METHOD /path"`` (or ``"METHOD /path?query"``, matched first) →
    :class:`Canned`; every request is recorded."""

    routes: dict[str, Canned] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""

    def answer(self, method: str, path: str, status: int, body: Any = None, **kw: Any) -> None:
        self.routes[f"{method} {path}"] = Canned(status, body, **kw)


def start_stub(stub: StubApi) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            return

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            path = self.path.split("?", 1)[0]
            stub.requests.append(
                {
                    "method": self.command,
                    "path": self.path,
                    "headers": dict(self.headers),
                    "json": json.loads(body) if body else None,
                }
            )
            # A route with its query string answers that query alone (pages of a list).
            canned = stub.routes.get(f"{self.command} {self.path}") or stub.routes.get(
                f"{self.command} {path}") or Canned(
                404, {"title": "Not Found", "status": 404, "detail": f"no route {path}"},
                content_type="application/problem+json",
            )
            payload = canned.raw if canned.raw is not None else json.dumps(canned.body).encode()
            self.send_response(canned.status)
            self.send_header("Content-Type", canned.content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        # http.server dispatches on these names.
        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle  # noqa: N815

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    stub.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    ).start()
    return server
