"""Two instances on one store enforce one rate limit and one token budget: two ``ob serve``
processes on one SQLite file, and two API instances on one DynamoDB table (moto's server,
requests serialised as the store suite does)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar.testing import TestClient

from openbrain.api.app import create_app
from openbrain.runtime import EMBEDDED, Runtime
from openbrain.settings import Settings
from openbrain.store.dynamodb import DynamoDBDriver
from openbrain.store.sqlite import SQLiteDriver
from tests.api.live import free_port
from tests.multiprocess.shared import (
    assert_one_budget,
    assert_one_rate_limit,
    prepare,
    write_spec,
)

OB = Path(sys.executable).parent / "ob"
JWT_SECRET = "multiprocess-jwt-secret-0123456789abcdef0123"


def _wait_healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    # Generous: a start takes about a second, but two cores shared with a loaded suite can
    # stretch it well past 30 s; a process that dies is reported at once.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"ob serve exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError("ob serve did not become healthy")


@pytest.fixture
def two_servers(tmp_path: Path, fresh_window: None) -> Iterator[tuple[list[httpx.Client], Path]]:
    db = tmp_path / "shared.db"
    env = {**os.environ, "OB_STORE": f"sqlite:///{db}", "OB_DATA_DIR": str(tmp_path),
           "OB_TENANTS_DIR": str(write_spec(tmp_path / "tenants")),
           "OB_JWT_SECRET": JWT_SECRET, "OB_LOG_LEVEL": "WARNING"}
    with ExitStack() as stack:
        clients = []
        for _ in range(2):
            port = free_port()
            process = subprocess.Popen([str(OB), "serve", "--port", str(port)], env=env,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            stack.callback(process.wait, 10)
            stack.callback(process.terminate)
            url = f"http://127.0.0.1:{port}"
            _wait_healthy(url, process)
            clients.append(stack.enter_context(httpx.Client(base_url=url, timeout=30)))
        yield clients, db


def test_two_ob_serve_processes_share_one_rate_limit_and_one_budget(
    two_servers: tuple[list[httpx.Client], Path],
) -> None:
    clients, db = two_servers
    driver = SQLiteDriver.from_path(db)
    try:
        prepare(driver)
        assert_one_rate_limit(clients, driver)
        assert_one_budget(clients, driver)
    finally:
        driver.close()


@pytest.mark.aws
@pytest.mark.usefixtures("fresh_window")
def test_two_instances_on_dynamodb_share_one_rate_limit_and_one_budget(
    tmp_path: Path, moto_endpoint: str, dynamodb_client: Any,
) -> None:
    table = f"t-{uuid.uuid4().hex}"
    driver = DynamoDBDriver(dynamodb_client, table)
    driver.setup()
    settings = Settings(store=f"dynamodb://{table}", dynamodb_endpoint=moto_endpoint,
                        aws_region="us-east-1", tenants_dir=write_spec(tmp_path / "tenants"),
                        data_dir=tmp_path, jwt_secret=JWT_SECRET, openai_api_key=None,
                        openai_base_url=None)
    try:
        with ExitStack() as stack:
            instances = [stack.enter_context(TestClient(create_app(
                Runtime(settings, profile=EMBEDDED)))) for _ in range(2)]
            prepare(driver)
            assert_one_rate_limit(instances, driver)
            assert_one_budget(instances, driver)
    finally:
        driver.drop()
