"""The driver keeps its connection to the table across calls, and the benchmarks' moto server
(``bench/moto_keepalive.py``) lets it, as DynamoDB does: moto's own server closes every
connection, so a benchmark against it would measure a TCP connect per call."""

from __future__ import annotations

import importlib.util
import uuid
from pathlib import Path
from types import ModuleType

import boto3
import pytest
import urllib3.connection

from openbrain.store.driver import Item
from openbrain.store.dynamodb import DynamoDBDriver, client_config

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _launcher() -> ModuleType:
    spec = importlib.util.spec_from_file_location("moto_keepalive", BENCH / "moto_keepalive.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(name="connects")
def fx_connects(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """TCP connections urllib3 opens from now on (one entry each)."""
    opened: list[int] = []
    connect = urllib3.connection.HTTPConnection.connect

    def counted(self: urllib3.connection.HTTPConnection) -> None:
        opened.append(1)
        connect(self)

    monkeypatch.setattr(urllib3.connection.HTTPConnection, "connect", counted)
    return opened


def _calls(endpoint: str) -> DynamoDBDriver:
    client = boto3.client("dynamodb", region_name="us-east-1", endpoint_url=endpoint,
                          aws_access_key_id="test", aws_secret_access_key="test",
                          config=client_config())
    driver = DynamoDBDriver(client, f"t-{uuid.uuid4().hex}")
    driver.setup()
    driver.put(Item(pk="p", sk="s", data=b"x"))
    return driver


def test_calls_share_one_connection_on_a_keep_alive_endpoint(connects: list[int]) -> None:
    with _launcher().moto_process() as endpoint:
        driver = _calls(endpoint)
        before = len(connects)
        for _ in range(20):
            assert driver.get("p", "s") is not None
        driver.increment("p", "c", {"n": 1})
        assert len(connects) - before == 0  # the connection setup opened is reused
        assert before == 1


def test_moto_server_itself_costs_a_connection_per_call(moto_endpoint: str,
                                                         connects: list[int]) -> None:
    """Why the benchmarks do not use ``moto_server`` (the store tests do: it is simpler)."""
    driver = _calls(moto_endpoint)
    before = len(connects)
    for _ in range(20):
        driver.get("p", "s")
    assert len(connects) - before == 20
