"""Fixtures of the fault-injection suite: one moto server, a :class:`FaultProxy` in front of
it (faults off until a test injects them), and clients and drivers that go through it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from moto.server import ThreadedMotoServer

from openbrain.store.dynamodb import DynamoDBDriver, client_config
from tests.faults.proxy import FaultProxy

pytestmark = pytest.mark.aws

@pytest.fixture(scope="session", name="fault_moto")
def fx_fault_moto() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()

@pytest.fixture(name="proxy")
def fx_proxy(fault_moto: str) -> Iterator[FaultProxy]:
    proxy = FaultProxy(fault_moto, seed=23).start()
    yield proxy
    proxy.stop()

def aws_client(service: str, url: str, config: Config | None = None) -> Any:
    return boto3.client(service, endpoint_url=url, region_name="us-east-1",  # type: ignore[call-overload]
                        config=config)

@pytest.fixture(name="dynamo")
def fx_dynamo(proxy: FaultProxy) -> Iterator[DynamoDBDriver]:
    """A fresh table, reached through the proxy with the driver's own client config."""
    driver = DynamoDBDriver(aws_client("dynamodb", proxy.url, client_config()),
                            f"f-{uuid.uuid4().hex}")
    driver.setup()
    yield driver
    proxy.clear()
    driver.drop()
