"""The Lambda entry points as deployed: ``openbrain.event_targets.handler.lambda_handler`` and
``openbrain.event_targets.sweeper.lambda_handler`` build their runtime from the environment (the
store, the packaged tenant specs, JSON logs) and reuse it across invocations."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec
import pytest

from openbrain.event_targets import handler, sweeper
from openbrain.event_targets.runtime import lambda_runtime
from openbrain.runtime import Runtime
from openbrain.settings import get_settings
from tests.events.support import Receiver, commit_events, make_event
from tests.events.test_sqs_handler import eventbridge_body, sqs_record

SPEC = """clientId = "acme"
name = "Acme"
[[routes]]
routeId = "hook"
url = "{url}"
eventTypes = ["lead.created"]
"""


@pytest.fixture(name="deployed")
def fx_deployed(tmp_path: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
                ) -> Iterator[None]:
    """The environment ``deploy/functions.py`` gives a function (SQLite for DynamoDB)."""
    tenants = tmp_path / "tenants"
    tenants.mkdir()
    (tenants / "acme.toml").write_text(SPEC.format(url=receiver.url))
    for name, value in {"OB_STORE": f"sqlite:///{tmp_path / 'ob.db'}", "OB_STAGE": "test",
                        "OB_TENANTS_DIR": str(tenants), "OB_LOG_JSON": "1",
                        "OB_LOG_LEVEL": "INFO", "OB_AWS_MODE": "0"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("OB_EVENT_BUS", raising=False)
    get_settings.cache_clear()
    lambda_runtime.cache_clear()
    yield
    lambda_runtime().close()
    lambda_runtime.cache_clear()
    get_settings.cache_clear()


def test_the_handler_delivers_over_one_runtime_and_logs_json(
    deployed: None, receiver: Receiver, capsys: pytest.CaptureFixture[str]
) -> None:
    event = make_event("acme")
    batch = {"Records": [sqs_record("m-good", eventbridge_body(event)),
                         sqs_record("m-bad", "{not json")]}
    assert handler.lambda_handler(batch, None) == {
        "batchItemFailures": [{"itemIdentifier": "m-bad"}]
    }
    assert receiver.delivered_ids() == [event.event_id]
    runtime = lambda_runtime()
    assert isinstance(runtime, Runtime)
    handler.lambda_handler({"Records": []}, None)
    assert lambda_runtime() is runtime, "built once per container"
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()
             if line.startswith("{")]
    failed = [line for line in lines if line["event"] == "event_targets.record_failed"]
    assert [line["message_id"] for line in failed] == ["m-bad"]


def test_the_sweeper_republishes_what_is_pending(deployed: None) -> None:
    old = msgspec.structs.replace(make_event("acme"),
                                  occurred_at=datetime.now(UTC) - timedelta(minutes=5))
    fresh = make_event("acme")
    commit_events(lambda_runtime().driver, old, fresh)
    assert sweeper.lambda_handler({}, None) == {"published": 1}, "the fresh one is left alone"
