"""``ob`` and ``ob-chat`` in embedded mode, from a fresh store, with zero configuration."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

from tests.cli.conftest import Cli, Receiver


def wait_for(predicate: object, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


def test_ob_captures_a_lead_and_delivers_lead_created(cli: Cli, receiver: Receiver) -> None:
    """The issue's acceptance line: one command, a lead saved, its event at the tenant's route."""
    result = cli.run("ob", "Hi, I am Jane Doe, jane@example.com, 555-0100")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip(), "an answer is printed"
    assert "session:" in result.stderr

    db = sqlite3.connect(cli.data_dir / "openbrain.db")
    leads = [json.loads(row[0]) for row in
             db.execute("SELECT data FROM items WHERE pk = 'T#demo#LEADS'")]
    assert len(leads) == 1
    assert leads[0]["email"] == "jane@example.com"
    assert leads[0]["fullName"] == "Jane Doe"

    assert wait_for(lambda: receiver.requests), "lead.created reached the webhook route"
    envelope = receiver.bodies()[0]
    assert envelope["detail-type"] == "lead.created"
    assert envelope["detail"]["clientId"] == "demo"  # type: ignore[index]
    assert envelope["detail"]["objectId"] == leads[0]["leadId"]  # type: ignore[index]


def test_ob_continues_a_session_and_prints_json(cli: Cli) -> None:
    first = cli.run("ob", "--json", "Hello there")
    assert first.returncode == 0, first.stderr
    reply = json.loads(first.stdout)
    second = cli.run("ob", "--json", "--session", reply["sessionId"], "My name is Ann Lee")
    assert second.returncode == 0, second.stderr
    assert json.loads(second.stdout)["sessionId"] == reply["sessionId"]


def test_ob_errors_are_one_line(cli: Cli) -> None:
    unknown = cli.run("ob", "--profile", "nope", "hello")
    assert unknown.returncode == 1
    assert unknown.stderr.strip().splitlines() == ["error: agent profile 'nope' does not exist"]

    missing = cli.run("ob", "--session", "NOSUCHSESSION", "hello")
    assert missing.returncode == 1
    assert "session 'NOSUCHSESSION' does not exist" in missing.stderr
    assert "Traceback" not in missing.stderr

    empty = cli.run("ob", "   ")
    assert empty.returncode != 0
    assert "empty" in empty.stderr
    assert "Traceback" not in empty.stderr


def test_ob_chat_interactive(cli: Cli) -> None:
    script = "\n".join(
        ["/help", "Hi, I am Jane Doe, jane@example.com", "/lead", "/profile nope", "/reset",
         "/quit"]
    )
    result = cli.run("ob-chat", stdin=script + "\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "/reset" in out, "help is shown"
    assert "e-mail: jane@example.com" in out, "/lead shows the captured lead"
    assert "agent profile 'nope' does not exist" in out, "errors are readable, the loop goes on"
    assert out.count("does not exist") == 1, "/reset after a bad /profile keeps the old profile"
    assert "Traceback" not in out + result.stderr


def test_ob_with_the_shipped_demo_tenant_logs_delivery(cli: Cli) -> None:
    """Zero configuration: the repository's tenants/demo.toml routes lead.created to its
    ``log-all`` route, and the delivery log records it delivered."""
    env = {k: v for k, v in cli.env.items() if k != "OB_TENANTS_DIR"}
    shipped = Cli(env=env, data_dir=cli.data_dir)
    result = shipped.run("ob", "Hi, I am Jane Doe, jane@example.com, 555-0100")
    assert result.returncode == 0, result.stderr

    db = sqlite3.connect(cli.data_dir / "openbrain.db")
    events = [json.loads(row[0]) for row in
              db.execute("SELECT data FROM items WHERE pk = 'T#demo#EVENTS'")]
    assert [e["detailType"] for e in events] == ["lead.created"]
    attempts = [json.loads(row[0]) for row in
                db.execute("SELECT data FROM items WHERE pk = 'T#demo#DELIVERIES' "
                           "AND sk LIKE 'A#%'")]
    assert [(a["eventId"], a["routeId"], a["outcome"]) for a in attempts] == [
        (events[0]["eventId"], "log-all", "delivered")
    ]
    assert events[0]["publishedAt"] is not None, "the outbox entry is marked published"


def test_ob_refuses_what_the_api_refuses(cli: Cli) -> None:
    long = cli.run("ob", "x" * 16_001)
    assert long.returncode == 1
    assert long.stderr.strip() == (
        "error: invalid value: Expected `str` of length <= 16000 - at `$.message`"
    )


def test_a_missing_tenants_folder_is_one_clear_line(cli: Cli, tmp_path: Path) -> None:
    """An OB_TENANTS_DIR that does not exist stops the command at start (no silent tenants)."""
    missing = tmp_path / "nowhere"
    result = Cli(env=cli.env | {"OB_TENANTS_DIR": str(missing)}, data_dir=cli.data_dir).run(
        "ob", "hello"
    )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"error: OB_TENANTS_DIR: tenant spec directory {str(missing)!r} does not exist"
    )
