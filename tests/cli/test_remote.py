"""``ob serve`` in a subprocess, and ``ob`` / ``ob-chat`` talking to it in remote mode."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.api.live import free_port
from tests.cli.conftest import BIN, Cli


@pytest.fixture(name="server")
def fx_server(cli: Cli) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [str(BIN / "ob"), "serve", "--port", str(port)],
        env=cli.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"ob serve did not start: {process.communicate()[1][-2000:]}")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(15)


def test_remote_ob_and_ob_chat(cli: Cli, server: str) -> None:
    created = cli.run("ob-admin", "keys", "create", "--tenant", "demo", "--scope", "chat",
                      "--scope", "leads:read")
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip().splitlines()[-1]
    remote = ("--api-url", server, "--api-key", key)

    first = cli.run("ob", *remote, "--json", "Hi, I am Jane Doe, jane@example.com")
    assert first.returncode == 0, first.stderr
    reply = json.loads(first.stdout)
    assert reply["lead"]["email"] == "jane@example.com"

    chat = cli.run("ob-chat", *remote, stdin="Hello, my phone is 555-0199\n/lead\n/quit\n")
    assert chat.returncode == 0, chat.stderr
    assert "agent>" in chat.stdout

    bad_key = cli.run("ob", "--api-url", server, "--api-key", "ob_sk_demo_nope", "hello")
    assert bad_key.returncode == 1
    assert bad_key.stderr.startswith("error: ")
    assert len(bad_key.stderr.strip().splitlines()) == 1

    no_server = cli.run("ob", "--api-url", "http://127.0.0.1:9", "--api-key", key, "hello")
    assert no_server.returncode == 1
    assert "cannot reach the API" in no_server.stderr
