"""The store contract suite: every test takes ``driver`` and runs once per driver.

* ``sqlite``: a fresh database file in a temp dir.
* ``dynamodb``: a fresh table (unique name) on one moto server per test session, reached
  with real boto3 through :class:`DynamoDBDriver` on 127.0.0.1.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from openbrain.store.counting import CountingDriver
from openbrain.store.driver import TableDriver
from openbrain.store.dynamodb import DynamoDBDriver, client_config
from openbrain.store.sqlite import SQLiteDriver
from openbrain.store.tenant_store import TenantStore

DRIVERS = ("sqlite", "dynamodb")


class _Serialised:
    """One request at a time through moto.

    moto applies TransactWriteItems by snapshotting the table and restoring the snapshot on
    failure, with no lock: two concurrent requests can undo each other's commits, which
    DynamoDB never does. Serialising requests makes moto as atomic as the real service,
    so the concurrency tests test the driver, not moto's races.
    """

    def __init__(self, app: Callable[..., Any]) -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        with self._lock:
            return list(self._app(environ, start_response))


@pytest.fixture(scope="session", name="moto_endpoint")
def fx_moto_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    wsgi = server._server
    assert wsgi is not None
    wsgi.app = _Serialised(wsgi.app)  # type: ignore[method-assign]
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(scope="session", name="dynamodb_client")
def fx_dynamodb_client(moto_endpoint: str) -> Any:
    return boto3.client(
        "dynamodb", region_name="us-east-1", endpoint_url=moto_endpoint, config=client_config()
    )


@contextmanager
def open_driver(
    kind: str, directory: Path, request: pytest.FixtureRequest
) -> Iterator[TableDriver]:
    """A fresh, empty driver of ``kind``: a new SQLite file, or a new uniquely named table."""
    if kind == "sqlite":
        sqlite = SQLiteDriver.from_path(directory / f"store-{uuid.uuid4().hex}.db")
        yield sqlite
        sqlite.close()
        return
    client = request.getfixturevalue("dynamodb_client")
    dynamo = DynamoDBDriver(client, f"t-{uuid.uuid4().hex}")
    dynamo.setup()
    yield dynamo
    dynamo.drop()  # keeps moto's memory (and its per-transaction table copies) small


@pytest.fixture(name="raw_driver", params=DRIVERS)
def fx_raw_driver(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TableDriver]:
    with open_driver(request.param, tmp_path, request) as driver:
        yield driver


@pytest.fixture(name="driver")
def fx_driver(raw_driver: TableDriver) -> CountingDriver:
    """The driver under test, wrapped to count calls and items read."""
    return CountingDriver(raw_driver)


@pytest.fixture(name="store")
def fx_store(driver: TableDriver) -> TenantStore:
    return TenantStore(driver, "acme")
