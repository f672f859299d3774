"""An HTTP proxy in front of moto, one per function: every AWS request a function makes goes
through its own port (``AWS_ENDPOINT_URL``), so each call is attributed to that function's
role whatever process makes it. Requests reach moto one at a time (threaded moto loses
concurrent transactions), and a service can be made unreachable to play an outage."""

from __future__ import annotations

import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from tests.rehearsal.iam_check import IamRequest, decode_body, iam_requests

MOTO_LOCK = threading.Lock()


class Recorder:
    def __init__(self, name: str, moto_url: str) -> None:
        self.name = name
        self.requests: list[IamRequest] = []
        self.unreachable: set[str] = set()
        """``X-Amz-Target`` prefixes answered with 503 (e.g. ``AWSEvents``)."""
        self._moto = urlsplit(moto_url)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _forward(self, method: str, path: str, headers: dict[str, str],
                 body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        with MOTO_LOCK:
            conn = http.client.HTTPConnection(self._moto.hostname or "", self._moto.port,
                                              timeout=30)
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                return response.status, response.getheaders(), response.read()
            finally:
                conn.close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                target = self.headers.get("x-amz-target", "")
                if not target:
                    raise AssertionError(f"{recorder.name}: a request without X-Amz-Target")
                recorder.requests.extend(iam_requests(target, decode_body(body)))
                if target.split(".", 1)[0] in recorder.unreachable:
                    self._answer(503, [("content-type", "application/x-amz-json-1.1")],
                                 b'{"__type": "ServiceUnavailableException"}')
                    return
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                status, out_headers, out = recorder._forward("POST", self.path, headers, body)
                self._answer(status, out_headers, out)

            def _answer(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
                self.send_response(status)
                skip = {"content-length", "transfer-encoding", "connection", "server", "date"}
                for key, value in headers:
                    if key.lower() not in skip:
                        self.send_header(key, value)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler
