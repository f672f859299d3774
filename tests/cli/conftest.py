"""CLI tests run the real console scripts in subprocesses against a fresh embedded store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


@dataclass
class Receiver:
    """A webhook receiver on 127.0.0.1 that records what it is sent."""

    url: str
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)

    def bodies(self) -> list[dict[str, object]]:
        return [json.loads(body) for _, body in self.requests]


@pytest.fixture(name="receiver")
def fx_receiver() -> Iterator[Receiver]:
    received: list[tuple[dict[str, str], bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            received.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    yield Receiver(url=f"http://{host}:{port}/hook", requests=received)
    server.shutdown()


@dataclass
class Cli:
    env: dict[str, str]
    data_dir: Path

    def run(self, *args: str, stdin: str | None = None, timeout: float = 60) -> (
        subprocess.CompletedProcess[str]
    ):
        command = [str(BIN / args[0]), *args[1:]]
        return subprocess.run(
            command, input=stdin, capture_output=True, text=True, env=self.env,
            timeout=timeout, check=False,
        )


@pytest.fixture(name="cli")
def fx_cli(tmp_path: Path, receiver: Receiver) -> Cli:
    tenants = tmp_path / "tenants"
    tenants.mkdir()
    (tenants / "demo.toml").write_text(
        'clientId = "demo"\nname = "Demo"\n'
        "[[routes]]\n"
        f'routeId = "hook"\nkind = "webhook"\nurl = "{receiver.url}"\n'
        'eventTypes = ["lead.created", "lead.updated"]\n'
    )
    env = {
        key: value for key, value in os.environ.items()
        if not key.startswith(("OB_", "OPENAI_"))
    }
    env |= {
        "OB_DATA_DIR": str(tmp_path / "data"),
        "OB_STORE": f"sqlite:///{tmp_path / 'data' / 'openbrain.db'}",
        "OB_TENANTS_DIR": str(tenants),
        "OB_LOG_LEVEL": "WARNING",
        "COLUMNS": "200",
    }
    return Cli(env=env, data_dir=tmp_path / "data")
