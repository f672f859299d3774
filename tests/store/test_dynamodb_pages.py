"""DynamoDB ends a query's page at 1 MB whatever its ``Limit``: the driver's reads follow the
pages to the items asked for (moto's server applies the same 1 MB cut)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from openbrain.store.driver import MAX_DATA_BYTES, Item, TableDriver
from tests.store.conftest import open_driver

ITEMS = 5  # at MAX_DATA_BYTES each, two fit in a 1 MB page


@pytest.fixture(name="dynamo")
def fx_dynamo(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TableDriver]:
    with open_driver("dynamodb", tmp_path, request) as driver:
        driver.put_many([Item(pk="p", sk=f"M#{n}", data=bytes([65 + n]) * MAX_DATA_BYTES)
                         for n in range(ITEMS)])
        yield driver


@pytest.fixture(name="queries")
def fx_queries(dynamo: TableDriver, request: pytest.FixtureRequest) -> Iterator[list[int]]:
    """The ``Limit`` of every Query request sent."""
    sent: list[int] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        sent.append(params["Limit"])

    events = request.getfixturevalue("dynamodb_client").meta.events
    events.register("provide-client-params.dynamodb.Query", record)
    yield sent
    events.unregister("provide-client-params.dynamodb.Query", record)


def test_a_range_read_follows_pages_to_its_limit(dynamo: TableDriver,
                                                 queries: list[int]) -> None:
    found = dynamo.query_range("p", "M#", "M#9", newest_first=True, limit=ITEMS)
    assert [i.sk for i in found] == [f"M#{n}" for n in reversed(range(ITEMS))]
    assert all(len(i.data) == MAX_DATA_BYTES for i in found)
    assert queries == [5, 3, 1]  # each request asks only for the items still missing


def test_a_range_read_stops_at_its_limit_across_pages(dynamo: TableDriver,
                                                      queries: list[int]) -> None:
    found = dynamo.query_range("p", "M#", "M#9", limit=3)
    assert [i.sk for i in found] == ["M#0", "M#1", "M#2"]
    assert queries == [3, 1]


def test_a_page_follows_pages_and_keeps_its_cursor(dynamo: TableDriver,
                                                   queries: list[int]) -> None:
    page = dynamo.query("p", "M#", limit=3)
    assert [i.sk for i in page.items] == ["M#0", "M#1", "M#2"]
    assert page.cursor is not None  # the fourth item was read: a next page exists
    rest = dynamo.query("p", "M#", limit=3, cursor=page.cursor)
    assert [i.sk for i in rest.items] == ["M#3", "M#4"]
    assert rest.cursor is None
    assert queries == [4, 2, 4]  # a page reads one item more than it returns
