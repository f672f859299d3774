"""``ob`` and ``ob-chat`` in embedded mode, from a fresh store, with zero configuration."""

from __future__ import annotations

import json
import socket
import sqlite3
import time
from dataclasses import replace
from pathlib import Path

import pytest

from openbrain.domain.agent_config import AgentSettings
from openbrain.settings import Settings
from openbrain.store import TenantStore, open_driver
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
             db.execute("SELECT data FROM items WHERE pk LIKE 'T#demo#LEADS#%'")]
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
    # The demo profile names an LLM; with none configured the operator is told on stderr,
    # and the answer itself (what a visitor would see) carries no notice.
    assert "Offline mode" in result.stderr
    assert "offline mode" not in result.stdout.lower()

    db = sqlite3.connect(cli.data_dir / "openbrain.db")
    events = [json.loads(row[0]) for row in
              db.execute("SELECT data FROM items WHERE pk LIKE 'T#demo#EVENTS#%'")]
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
        "error: message must have at most 16000 characters"
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


def test_serve_on_a_busy_port_is_one_line_and_announces_nothing(cli: Cli) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = cli.run("ob", "serve", "--port", str(port), timeout=60)
    assert result.returncode == 1
    assert result.stdout == ""  # no "OpenBrain API on …" banner for a server that never ran
    assert result.stderr.strip() == (
        f"error: cannot listen on 127.0.0.1:{port}: address already in use "
        "(choose another with --port or OB_PORT)"
    )


@pytest.mark.parametrize(("variable", "value", "line"), [
    ("OB_LOG_LEVEL", "LOUD",
     "error: OB_LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL, not 'LOUD'"),
    ("OB_PORT", "eighty", "error: OB_PORT must be a whole number, not 'eighty'"),
])
def test_a_bad_setting_is_one_line_naming_the_variable(cli: Cli, variable: str, value: str,
                                                       line: str) -> None:
    for command in (("ob", "hello"), ("ob", "serve")):
        result = Cli(env=cli.env | {variable: value}, data_dir=cli.data_dir).run(*command)
        assert result.returncode == 1, command
        assert result.stderr.strip() == line, command


def test_override_and_context_reach_the_new_session(cli: Cli) -> None:
    first = cli.run("ob", "hello")  # creates the store, the tenant and its default profile
    assert first.returncode == 0, first.stderr
    settings = replace(Settings(), store=cli.env["OB_STORE"], data_dir=cli.data_dir)
    driver = open_driver(settings)
    try:
        TenantStore(driver, "demo").configs.save("tuned", AgentSettings(
            model="offline", overridable=["temperature", "systemMessage"]))
    finally:
        driver.close()

    result = cli.run("ob", "--json", "-p", "tuned", "-o", "temperature=0.7",
                     "--override", "systemMessage=Be brief.", "-c", "plan=gold",
                     "--context", 'tags=["a", "b"]', "hi")
    assert result.returncode == 0, result.stderr
    session_id = json.loads(result.stdout)["sessionId"]
    driver = open_driver(settings)
    try:
        config = TenantStore(driver, "demo").sessions.require(session_id).config
    finally:
        driver.close()
    assert (config.temperature, config.system_message) == (0.7, "Be brief.")


@pytest.mark.parametrize(("args", "line"), [
    (("-o", "temperature=0.2", "hi"),
     "error: profile 'default' does not allow overriding 'temperature'"),
    (("--override", "temperature", "hi"), "error: --override takes KEY=VALUE, not 'temperature'"),
    (("-c", "=x", "hi"), "error: --context takes KEY=VALUE, not '=x'"),
    (("-s", "S1", "-o", "temperature=0.2", "hi"),
     "error: --override applies when a session starts: leave out --session"),
])
def test_bad_override_or_context_is_one_line(cli: Cli, args: tuple[str, ...], line: str) -> None:
    result = cli.run("ob", *args)
    assert result.returncode == 1
    assert result.stderr.strip() == line


def test_sessions_started_by_the_cli_are_listed_as_cli(cli: Cli) -> None:
    assert cli.run("ob", "--json", "Hello there").returncode == 0
    assert cli.run("ob-chat", stdin="Hi again\n/quit\n").returncode == 0
    db = sqlite3.connect(cli.data_dir / "openbrain.db")
    sessions = [json.loads(row[0]) for row in
                db.execute("SELECT data FROM items WHERE sk = 'SESSION'")]
    assert len(sessions) == 2
    assert {s["channel"] for s in sessions} == {"cli"}
    assert {s.get("preview") for s in sessions} == {"Hello there", "Hi again"}


def test_ob_chat_memory_shows_the_summary(cli: Cli, tmp_path: Path) -> None:
    """``/memory`` shows the policy and the summary in force; the first turn's name is
    recalled after it left the window."""
    assert cli.run("ob-admin", "tenants", "sync").returncode == 0
    profiles = tmp_path / "profiles.json"
    profiles.write_text(json.dumps({"profiles": {"recall": {
        "model": "offline", "tools": [], "memoryPolicy": "summary", "memoryWindow": 2,
        "summaryThreshold": 2}}}))
    imported = cli.run("ob-admin", "profiles", "import", str(profiles), "--tenant", "demo")
    assert imported.returncode == 0, imported.stderr
    script = ["/memory", "My name is Robert Paulson",
              *[f"Tell me about plan {i}" for i in range(8)], "/memory", "What is my name?",
              "/quit"]
    result = cli.run("ob-chat", "--profile", "recall", stdin="\n".join(script) + "\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "policy: summary, window: 2 messages, session: 1 messages" in out
    assert "no summary yet" in out
    assert "summary of messages 1 to " in out
    assert "- Full name: Robert Paulson" in out
    assert "Your name is Robert Paulson." in out
