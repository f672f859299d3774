"""``ob-admin inbox`` on the embedded store: an operator lists hand-offs, takes one (a second
operator is refused in one line), answers the visitor, and hands it back to the agent."""

from __future__ import annotations

import json

import msgspec

from openbrain.settings import Settings
from openbrain.store import TenantStore, open_driver
from openbrain.store.sessions import TurnCommit
from tests.cli.conftest import Cli
from tests.cli.test_remote import fx_server  # noqa: F401 - the ``server`` fixture
from tests.store.store_builders import new_session, next_turn


def _waiting_session(cli: Cli) -> str:
    """A demo session whose visitor asked for a human (as the agent's turn leaves it)."""
    driver = open_driver(Settings(store=cli.env["OB_STORE"]))
    try:
        turn = next_turn(new_session("demo"))
        waiting = msgspec.structs.replace(turn.session, control="waiting",
                                          handoff_at=turn.session.updated_at)
        TenantStore(driver, "demo").sessions.commit_turn(
            TurnCommit(session=waiting, messages=turn.messages, control_changed=True))
        return waiting.session_id
    finally:
        driver.close()


def test_list_take_reply_release(cli: Cli) -> None:
    assert cli.run("ob-admin", "tenants", "sync").returncode == 0
    session_id = _waiting_session(cli)

    listed = cli.run("ob-admin", "inbox", "list", "--tenant", "demo")
    assert listed.returncode == 0, listed.stderr
    assert session_id in listed.stdout
    assert "waiting" in listed.stdout

    taken = cli.run("ob-admin", "inbox", "take", session_id, "--tenant", "demo", "--as", "alice")
    assert taken.returncode == 0, taken.stderr
    assert "by alice" in taken.stdout
    refused = cli.run("ob-admin", "inbox", "take", session_id, "--tenant", "demo", "--as", "bob")
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines() == [
        f"error: session {session_id!r} is already taken by another operator"]

    said = cli.run("ob-admin", "inbox", "reply", session_id, "Hello, Alice here.",
                   "--tenant", "demo", "--as", "alice")
    assert said.returncode == 0, said.stderr
    rows = json.loads(cli.run("ob-admin", "inbox", "list", "--tenant", "demo",
                              "--json").stdout)
    assert [(r["session"]["control"], r["session"]["operator"]) for r in rows] == [
        ("human", "alice")]

    released = cli.run("ob-admin", "inbox", "release", session_id, "--tenant", "demo",
                       "--as", "alice")
    assert released.returncode == 0, released.stderr
    assert "no hand-offs" in cli.run("ob-admin", "inbox", "list", "--tenant", "demo").stdout
    driver = open_driver(Settings(store=cli.env["OB_STORE"]))
    try:
        last = TenantStore(driver, "demo").sessions.window(session_id, 1)[-1]
    finally:
        driver.close()
    assert (last.role, last.content, last.operator) == ("human_agent", "Hello, Alice here.",
                                                         "alice")


def test_unknown_session_and_remote_mode_without_a_key_are_one_line(cli: Cli) -> None:
    cli.run("ob-admin", "tenants", "sync")
    missing = cli.run("ob-admin", "inbox", "take", "01NOSUCHSESSION0000000000", "--tenant",
                      "demo")
    assert missing.returncode == 1
    assert "does not exist" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1
    remote = cli.run("ob-admin", "inbox", "list", "--api-url", "http://127.0.0.1:9")
    assert remote.returncode == 1
    assert "--api-key" in remote.stderr


def test_remote_operators_through_the_api(cli: Cli, server: str) -> None:
    """``--api-url``: each API key holding ``handoff`` is an operator; the second to take a
    session is refused (the API's 409, one line)."""
    keys = []
    for _ in range(2):
        created = cli.run("ob-admin", "keys", "create", "--tenant", "demo", "--scope",
                          "handoff")
        assert created.returncode == 0, created.stderr
        keys.append(created.stdout.strip().splitlines()[-1])
    session_id = _waiting_session(cli)
    first, second = (("--api-url", server, "--api-key", key) for key in keys)

    listed = cli.run("ob-admin", "inbox", "list", *first)
    assert session_id in listed.stdout, listed.stderr
    assert cli.run("ob-admin", "inbox", "take", session_id, *first).returncode == 0
    refused = cli.run("ob-admin", "inbox", "take", session_id, *second)
    assert refused.returncode == 1
    assert "already taken by another operator" in refused.stderr
    said = cli.run("ob-admin", "inbox", "reply", session_id, "On it.", *first)
    assert said.returncode == 0, said.stderr
    assert cli.run("ob-admin", "inbox", "close", session_id, *first).returncode == 0
    assert "no hand-offs" in cli.run("ob-admin", "inbox", "list", *first).stdout


def test_ob_chat_says_when_a_message_is_kept_for_a_person(cli: Cli) -> None:
    """The offline model hands off when asked for a human: the next message gets no answer
    from the model, and ob-chat says why instead of printing an empty reply."""
    script = "Can I talk to a human?\nHello, anyone?\n/quit\n"
    result = cli.run("ob-chat", stdin=script)
    assert result.returncode == 0, result.stderr
    assert "waits for a team member; `ob-admin inbox` answers it" in result.stdout
