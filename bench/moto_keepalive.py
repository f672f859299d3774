"""moto's AWS server behind an HTTP/1.1 keep-alive front end, for benchmarks of our clients.

``moto_server`` runs moto's WSGI app on werkzeug's development server, which answers every
request with ``Connection: close`` whatever its protocol version (werkzeug 3), so every boto
call through it pays a TCP connect (and urllib3 a new connection object) that DynamoDB's
keep-alive never costs: a benchmark of the driver against it measures moto's sockets. Here
the same app runs on uvicorn (its WSGI interface: HTTP/1.1, connections kept), one request at
a time, as the tests serialise moto (its transactions are not atomic under concurrency).

Run: ``.venv/bin/python bench/moto_keepalive.py PORT [HOST]``; other benchmarks start it
with :func:`moto_process`.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"


class Serialised:
    """One request at a time through moto's app (see tests/store/conftest.py)."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> list[bytes]:
        with self._lock:
            return list(self._app(environ, start_response))


def moto_app() -> Serialised:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    return Serialised(DomainDispatcherApplication(create_backend_app))


@contextmanager
def moto_process(kind: str = "keepalive") -> Iterator[str]:
    """moto's server in a process of its own, its URL: ``keepalive`` (this module) or
    ``werkzeug`` (``moto_server`` itself, a connection per request)."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        port = int(s.getsockname()[1])
    command = ([sys.executable, __file__, str(port)] if kind == "keepalive"
               else [str(Path(sys.executable).parent / "moto_server"), "-H", HOST,
                     "-p", str(port)])
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection((HOST, port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise SystemExit(f"moto's server did not start on port {port}") from None
                time.sleep(0.05)
        yield f"http://{HOST}:{port}"
    finally:
        proc.terminate()
        proc.wait(10)


def main() -> None:
    import uvicorn

    port = int(sys.argv[1])
    host = sys.argv[2] if len(sys.argv) > 2 else HOST
    # uvicorn's own WSGI adapter is deprecated in favour of a2wsgi, not a dependency here.
    warnings.simplefilter("ignore", DeprecationWarning)
    uvicorn.run(moto_app(), host=host, port=port, interface="wsgi", log_level="warning",
                access_log=False, timeout_keep_alive=300)


if __name__ == "__main__":
    main()
