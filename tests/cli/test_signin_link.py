"""``ob-admin token --link``: a one-time sign-in link whose code the API redeems once."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from litestar.testing import TestClient

from openbrain.api.app import create_app
from openbrain.runtime import EMBEDDED, Runtime
from openbrain.settings import Settings
from tests.cli.conftest import Cli

LINK = re.compile(r"^http://x/\?code=(obc_demo_[A-Za-z0-9_-]{43,})$")


def server_settings(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The API's settings from the CLI's environment (same store, same local JWT secret)."""
    for name, value in cli.env.items():
        if name.startswith("OB_"):
            monkeypatch.setenv(name, value)
    monkeypatch.delenv("OB_JWT_SECRET", raising=False)
    return Settings()


def test_link_carries_a_one_time_code(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli.run("ob-admin", "tenants", "sync").returncode == 0
    result = cli.run("ob-admin", "token", "--tenant", "demo", "--role", "admin", "--ttl", "600",
                     "--link", "http://x")
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 1, result.stdout  # stdout is the link alone
    match = LINK.match(result.stdout.strip())
    assert match, result.stdout
    code = match[1]
    assert "eyJ" not in result.stdout, "no JWT in the link"
    assert "one-time" in result.stderr

    db = sqlite3.connect(Path(cli.data_dir) / "openbrain.db")
    stored = db.execute("SELECT sk, data FROM items WHERE sk LIKE 'SIGNIN#%'").fetchall()
    assert len(stored) == 1
    assert code not in stored[0][0]
    assert code.encode() not in stored[0][1]

    app = create_app(Runtime(server_settings(cli, monkeypatch), profile=EMBEDDED))
    with TestClient(app, raise_server_exceptions=False) as client:
        first = client.post("/v1/auth/exchange", json={"code": code})
        assert first.status_code == 200, first.text
        body = first.json()
        assert (body["clientId"], body["role"]) == ("demo", "admin")
        me = client.get("/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
        assert me.status_code == 200, me.text
        assert me.json()["clientId"] == "demo"
        again = client.post("/v1/auth/exchange", json={"code": code})
        assert again.status_code == 401, again.text
        assert "already been used" in again.json()["detail"]


def test_a_trailing_slash_and_https_are_kept(cli: Cli) -> None:
    cli.run("ob-admin", "tenants", "sync")
    result = cli.run("ob-admin", "token", "--tenant", "demo", "--link", "https://dash.example/")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("https://dash.example/?code=obc_demo_")


def test_link_errors_are_one_line(cli: Cli) -> None:
    cli.run("ob-admin", "tenants", "sync")
    for args, message in [
        (("--link", "http://x"), "a sign-in link needs --tenant"),
        (("--tenant", "nope", "--link", "http://x"), "tenant 'nope' does not exist"),
        (("--tenant", "demo", "--role", "god", "--link", "http://x"), "role must be one of"),
        (("--tenant", "demo", "--link", "javascript:alert(1)"), "--link must be"),
    ]:
        result = cli.run("ob-admin", "token", *args)
        assert result.returncode == 1, (args, result.stdout)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, (args, result.stderr)
        assert message in lines[0], (args, result.stderr)
        assert "code=" not in result.stdout
