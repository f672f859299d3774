"""``ob-admin``: tenants, keys (token shown once, only a hash stored), local JWTs."""

from __future__ import annotations

import json
import sqlite3

import pytest

from openbrain.auth import JwtVerifier, hash_token
from openbrain.settings import Settings
from tests.cli.conftest import Cli


def test_keys_create_list_revoke(cli: Cli) -> None:
    assert cli.run("ob-admin", "tenants", "sync").returncode == 0
    created = cli.run("ob-admin", "keys", "create", "--tenant", "demo", "--name", "backend")
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip().splitlines()[-1]
    assert token.startswith("ob_sk_demo_")

    db = sqlite3.connect(cli.data_dir / "openbrain.db")
    stored = [row[0] for row in db.execute("SELECT data FROM items WHERE sk LIKE 'KEY#%'")]
    assert len(stored) == 1
    assert token.encode() not in stored[0], "the token itself is never stored"
    key = json.loads(stored[0])
    assert key["secretHash"] == hash_token(token)

    listed = cli.run("ob-admin", "keys", "list", "--tenant", "demo")
    assert "backend" in listed.stdout
    assert token not in listed.stdout

    revoked = cli.run("ob-admin", "keys", "revoke", "--tenant", "demo", key["keyId"])
    assert revoked.returncode == 0, revoked.stderr
    after = json.loads(next(db.execute("SELECT data FROM items WHERE sk LIKE 'KEY#%'"))[0])
    assert after["revokedAt"] is not None


def test_bad_admin_input_is_one_line(cli: Cli) -> None:
    cli.run("ob-admin", "tenants", "sync")
    for args, message in [
        (("keys", "create", "--tenant", "nope"), "tenant 'nope' does not exist"),
        (("keys", "create", "--tenant", "demo", "--scope", "bogus"),
         "--scope 'bogus' is not a scope; the scopes are chat, "),
        (("keys", "create", "--tenant", "demo", "--kind", "weird"), "--kind must be"),
        (("token", "--tenant", "demo", "--role", "god"), "role must be one of"),
    ]:
        result = cli.run("ob-admin", *args)
        assert result.returncode == 1, args
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, (args, result.stderr)
        assert message in lines[0], (args, result.stderr)


def test_local_token_verifies_with_the_server_settings(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The local stage's secret is shared through the data dir: the server accepts the token."""
    assert cli.run("ob-admin", "tenants", "sync").returncode == 0
    result = cli.run("ob-admin", "token", "--tenant", "demo", "--role", "admin")
    assert result.returncode == 0, result.stderr
    monkeypatch.setenv("OB_DATA_DIR", cli.env["OB_DATA_DIR"])
    monkeypatch.delenv("OB_JWT_SECRET", raising=False)
    claims = JwtVerifier(Settings()).verify(result.stdout.strip())
    assert claims.client_id == "demo"
    assert "keys:manage" in claims.scopes


def test_keys_list_json_and_token_needs_a_real_tenant(cli: Cli) -> None:
    cli.run("ob-admin", "tenants", "sync")
    created = cli.run("ob-admin", "keys", "create", "--tenant", "demo", "--name", "k1")
    token = created.stdout.strip().splitlines()[-1]
    listed = cli.run("ob-admin", "keys", "list", "--tenant", "demo", "--json")
    assert listed.returncode == 0, listed.stderr
    (key,) = json.loads(listed.stdout)
    assert key["name"] == "k1"
    assert "secretHash" not in key
    assert hash_token(token) not in listed.stdout
    missing = cli.run("ob-admin", "token", "--tenant", "nosuch")
    assert missing.returncode == 1
    assert "tenant 'nosuch' does not exist" in missing.stderr


def test_stage_onboard_is_for_a_deployed_stage_and_needs_an_email(cli: Cli) -> None:
    """The onboarding command of docs/deploy.md (run whole by the stage rehearsal) refuses,
    in one line and before touching AWS, what it cannot do."""
    for args, message in [
        (("--admin-email", "ops", "--user-pool-id", "p"), "--admin-email must be an e-mail"),
        (("--admin-email", "ops@example.com", "--user-pool-id", "p"), "OB_STAGE is local"),
    ]:
        result = cli.run("ob-admin", "stage", "onboard", *args)
        assert result.returncode == 1, args
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, (args, result.stderr)
        assert message in lines[0], (args, result.stderr)
