"""Capacity accounting: DynamoDB's size rules, the metered driver, and what the endpoint reports."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from openbrain.store.capacity import (
    CapacityMeter,
    item_size,
    number_size,
    read_units,
    write_units,
)
from openbrain.store.driver import Item, MustNotExist, Put, TableDriver
from openbrain.store.dynamodb import DynamoDBDriver
from openbrain.store.metered import MeteredDriver


def test_item_size_follows_dynamodbs_rules() -> None:
    item = Item(pk="T#a", sk="S", data=b"x" * 10, version=12, expires_at=1_700_000_000,
                counters={"n": 5})
    # names + values: pk 2+3, sk 2+1, version 7+2, data 4+10, expiresAt 9+6 (17 digits -> 1.7e9
    # has 2 significant digits), c_n 3+2
    assert number_size(12) == 2
    assert number_size(1_700_000_000) == 2
    assert number_size(123_456_789) == 6
    assert item_size(item) == 5 + 3 + 9 + 14 + 9 + 2 + 5
    indexed = Item(pk="p", sk="s", gsi1pk="G", gsi1sk="x")
    assert item_size(indexed) == item_size(Item(pk="p", sk="s")) + 7 + 7


def test_units_round_up_per_kb_and_per_4kb() -> None:
    assert write_units(1) == 1
    assert write_units(1024) == 1
    assert write_units(1025) == 2
    assert write_units(1025, transactional=True) == 4
    assert read_units(0) == 1.0  # a miss still costs the minimum
    assert read_units(4096) == 1.0
    assert read_units(4097) == 2.0
    assert read_units(4097, consistent=False) == 1.0


def test_a_transaction_costs_double_and_an_indexed_item_writes_the_index(
    raw_driver: TableDriver,
) -> None:
    meter = CapacityMeter()
    driver = MeteredDriver(raw_driver, meter)
    big = Item(pk="T#a#S#1", sk="M#1", data=b"x" * 1500)
    listed = Item(pk="T#a#S#1", sk="SESSION", data=b"y" * 100, gsi1pk="T#a#X", gsi1sk="1")
    driver.transact([Put(big, MustNotExist()), Put(listed)])
    totals = meter.by_operation["TransactWriteItems"]
    assert (totals.write, totals.index_write) == (2 * 2 + 2 * 1, 1.0)
    assert meter.by_key["index", "T#a#X"] == [0.0, 1.0]

    meter.reset()
    driver.query("T#a#S#1")  # 1.6 KB in all: one unit, rounded once
    driver.get("T#a#S#1", "missing")
    driver.query_index("T#a#X")
    assert meter.by_operation["Query"].read == 1.0
    assert meter.by_operation["GetItem"].read == 1.0
    assert meter.by_operation["Query (index)"].index_read == 0.5
    assert meter.total().calls == 3


def test_the_dynamodb_driver_records_what_the_endpoint_reports(dynamodb_client: Any) -> None:
    meter = CapacityMeter()
    driver = DynamoDBDriver(dynamodb_client, f"t-{uuid.uuid4().hex}", meter=meter)
    driver.setup()
    try:
        driver.put(Item(pk="p", sk="s"))
        driver.get("p", "s")
        driver.increment("p", "c", {"n": 1})
    finally:
        driver.drop()
    assert set(meter.reported) == {"put_item", "get_item", "update_item"}
    assert all(units > 0 for units in meter.reported.values())


@pytest.mark.parametrize("amount", [1, 3])
def test_capped_additions_are_charged_whether_admitted_or_not(
    raw_driver: TableDriver, amount: int
) -> None:
    meter = CapacityMeter()
    driver = MeteredDriver(raw_driver, meter)
    assert driver.add_capped("T#a#COUNTERS#t", "W#1", "n", amount, at_most=1,
                             expires_at=2_000_000_000) == amount
    assert driver.add_capped("T#a#COUNTERS#t", "W#1", "n", 5, at_most=0,
                             expires_at=2_000_000_000) is None
    assert meter.by_operation["UpdateItem (capped)"].write == 2.0
