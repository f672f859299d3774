"""DynamoDB specifics beyond the shared contract: table layout, settings, errors."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from openbrain.settings import Settings
from openbrain.store.driver import Item
from openbrain.store.dynamodb import DynamoDBDriver, StoreUnavailableError
from openbrain.store.factory import open_driver


@pytest.fixture(name="settings")
def fx_settings(moto_endpoint: str) -> Settings:
    return Settings(
        store=f"dynamodb://t-{uuid.uuid4().hex}",
        dynamodb_endpoint=moto_endpoint,
        aws_region="us-east-1",
    )


def test_open_driver_and_idempotent_setup(settings: Settings, dynamodb_client: Any) -> None:
    """``OB_STORE=dynamodb://TABLE`` opens the driver; ``setup`` creates an on-demand table
    with the ``gsi1`` index (projection ALL) and TTL on ``expiresAt``, and may run again."""
    driver = open_driver(settings)
    assert isinstance(driver, DynamoDBDriver)
    driver.setup()
    driver.setup()
    table = dynamodb_client.describe_table(TableName=driver.table_name)["Table"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    [index] = table["GlobalSecondaryIndexes"]
    assert index["IndexName"] == "gsi1"
    assert index["Projection"]["ProjectionType"] == "ALL"
    ttl = dynamodb_client.describe_time_to_live(TableName=driver.table_name)
    assert ttl["TimeToLiveDescription"]["AttributeName"] == "expiresAt"
    driver.drop()


def test_item_attributes(settings: Settings, dynamodb_client: Any) -> None:
    """Items are stored as documented in docs/data-model.md: binary ``data``, numeric
    ``version``, ``expiresAt`` and one ``c_<name>`` attribute per counter."""
    driver = DynamoDBDriver.from_settings(settings, table_name=f"t-{uuid.uuid4().hex}")
    driver.setup()
    driver.put(Item(pk="T#x", sk="a", data=b"{}", version=2, expires_at=1_900_000_000))
    driver.increment("T#x", "a", {"turns": 3})
    raw = dynamodb_client.get_item(
        TableName=driver.table_name, Key={"pk": {"S": "T#x"}, "sk": {"S": "a"}}
    )["Item"]
    assert raw["data"] == {"B": b"{}"}
    assert raw["version"] == {"N": "2"}
    assert raw["expiresAt"] == {"N": "1900000000"}
    assert raw["c_turns"] == {"N": "3"}
    driver.drop()


def test_missing_table_is_a_clear_error(settings: Settings) -> None:
    """Using a table that does not exist says so (and how to fix it)."""
    driver = DynamoDBDriver.from_settings(settings, table_name="never-created")
    with pytest.raises(StoreUnavailableError, match="does not exist"):
        driver.get("T#x", "a")
