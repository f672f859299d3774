"""``ob-admin dlq list|show|redrive`` on the embedded store."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from openbrain.cli import admin_dlq
from openbrain.cli.admin_dlq import app
from openbrain.domain import Event
from openbrain.domain.delivery import DeadLetter
from openbrain.events import LocalDispatcher
from openbrain.runtime import ADMIN, Runtime
from openbrain.settings import get_settings
from openbrain.store.sqlite import SQLiteDriver
from openbrain.store.tenant_store import TenantStore
from tests.events.support import FAST, Receiver, commit_events, deliverer_for, make_event

SPEC = """
clientId = "acme"
name = "Acme"
[plan]
maxDeliveryAttempts = 2
[[routes]]
routeId = "hook"
url = "{url}"
eventTypes = ["lead.created"]
"""


@pytest.fixture(name="store")
def fx_store(tmp_path: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
             ) -> Iterator[Path]:
    tenants = tmp_path / "tenants"
    tenants.mkdir()
    (tenants / "acme.toml").write_text(SPEC.format(url=receiver.url))
    db = tmp_path / "ob.db"
    monkeypatch.setenv("OB_STORE", f"sqlite:///{db}")
    monkeypatch.setenv("OB_TENANTS_DIR", str(tenants))
    monkeypatch.setenv("OB_STAGE", "test")
    monkeypatch.delenv("OB_EVENT_BUS", raising=False)
    get_settings.cache_clear()
    yield db
    get_settings.cache_clear()


def _dead_letters(store: Path, receiver: Receiver) -> tuple[list[Event], list[DeadLetter]]:
    """Two events the stopped receiver never takes, so each becomes a dead letter."""
    receiver.stop()
    driver = SQLiteDriver.from_path(store)
    dispatcher = LocalDispatcher(driver, deliverer_for(driver, Runtime(profile=ADMIN).plan),
                                 backoff=FAST, sweep_interval=None).start()
    events = [make_event("acme") for _ in range(2)]
    commit_events(driver, *events)
    dispatcher.publish(events)
    assert dispatcher.drain(10)
    dispatcher.stop(1)
    letters, _ = TenantStore(driver, "acme").dead_letters.list()
    driver.close()
    assert len(letters) == 2
    return events, letters


def test_list_show_redrive(store: Path, receiver: Receiver) -> None:
    events, letters = _dead_letters(store, receiver)
    runner = CliRunner()

    listed = runner.invoke(app, ["list", "--tenant", "acme", "--json"])
    assert listed.exit_code == 0, listed.output
    assert {d["deadLetterId"] for d in json.loads(listed.output)} == {
        d.dead_letter_id for d in letters
    }
    assert runner.invoke(app, ["list"]).exit_code == 0  # the table

    shown = runner.invoke(app, ["show", letters[0].dead_letter_id])
    assert shown.exit_code == 0, shown.output
    detail = json.loads(shown.output)
    assert detail["deadLetter"]["eventId"] == letters[0].event_id
    assert detail["event"]["eventId"] == letters[0].event_id
    assert [a["outcome"] for a in detail["attempts"]] == ["dead", "retrying"]

    missing = runner.invoke(app, ["show", "nope"])
    assert missing.exit_code == 1
    assert "does not exist" in missing.output
    assert runner.invoke(app, ["redrive"]).exit_code == 1  # an ID or --all

    receiver.start()
    one = runner.invoke(app, ["redrive", letters[0].dead_letter_id])
    assert one.exit_code == 0, one.output
    assert receiver.delivered_ids() == [letters[0].event_id]
    rest = runner.invoke(app, ["redrive", "--all", "--tenant", "acme"])
    assert rest.exit_code == 0
    assert "redriven 1 dead letter(s)" in rest.output
    assert receiver.unique_ids() == {e.event_id for e in events}
    after = runner.invoke(app, ["list", "--json"])
    assert after.exit_code == 0
    assert json.loads(after.output) == []
    everything = runner.invoke(app, ["list", "--json", "--all"])
    assert {d["state"] for d in json.loads(everything.output)} == {"redriven"}


def test_the_list_fits_80_columns_and_never_cuts_an_id(
    store: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, letters = _dead_letters(store, receiver)
    monkeypatch.setattr(admin_dlq, "console", Console(width=80, highlight=False))
    table = CliRunner().invoke(app, ["list"]).stdout
    lines = table.splitlines()
    assert lines[0].rstrip() == "tenant acme"
    assert max(map(len, lines)) <= 80, table
    assert "…" not in table
    for letter in letters:
        assert letter.dead_letter_id in table
        assert letter.created_at.strftime("%Y-%m-%d %H:%M UTC") in table
    assert table.count("lead.created") == 2
