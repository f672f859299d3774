"""The driver primitives: every driver keeps the same contract (``openbrain.store.driver``)."""

from __future__ import annotations

import pytest

from openbrain.domain.errors import ConflictError
from openbrain.store.driver import (
    Check,
    ConditionFailedError,
    Delete,
    Item,
    MustExist,
    MustNotExist,
    Put,
    TableDriver,
    VersionIs,
)


def _item(sk: str = "a", *, data: bytes = b"{}", version: int = 0, **extra: object) -> Item:
    return Item(pk="T#x", sk=sk, data=data, version=version, **extra)  # type: ignore[arg-type]


def test_get_missing_is_none(driver: TableDriver) -> None:
    """``get`` of an absent key returns ``None``, not an error."""
    assert driver.get("T#x", "nothing") is None


def test_put_then_get_round_trips_every_attribute(driver: TableDriver) -> None:
    """Every field of an item comes back exactly as written."""
    item = Item(
        pk="T#x",
        sk="S#1",
        data=b'{"a":1}',
        version=3,
        gsi1pk="T#x#IDX",
        gsi1sk="2025#1",
        expires_at=1_900_000_000,
        counters={"turns": 2},
    )
    driver.put(item)
    assert driver.get("T#x", "S#1") == item


def test_empty_data_round_trips(driver: TableDriver) -> None:
    """An item without data reads back with ``data == b""``."""
    driver.put(_item(data=b""))
    got = driver.get("T#x", "a")
    assert got is not None
    assert got.data == b""


def test_put_replaces_whole_item(driver: TableDriver) -> None:
    """A put overwrites every attribute: nothing of the old item survives."""
    driver.put(_item(data=b"1", gsi1pk="I", gsi1sk="1", counters={"n": 1}))
    driver.put(_item(data=b"2"))
    assert driver.get("T#x", "a") == _item(data=b"2")
    assert driver.query_index("I").items == []


def test_must_not_exist(driver: TableDriver) -> None:
    """``MustNotExist`` creates once, then refuses with ``ConditionFailedError`` (a 409)."""
    driver.put(_item(data=b"1"), MustNotExist())
    with pytest.raises(ConditionFailedError):
        driver.put(_item(data=b"1"), MustNotExist())
    assert issubclass(ConditionFailedError, ConflictError)
    assert driver.get("T#x", "a") == _item(data=b"1")


def test_must_exist(driver: TableDriver) -> None:
    """``MustExist`` refuses to create, and allows replacing."""
    with pytest.raises(ConditionFailedError):
        driver.put(_item(), MustExist())
    assert driver.get("T#x", "a") is None
    driver.put(_item(data=b"1"))
    driver.put(_item(data=b"2"), MustExist())
    assert driver.get("T#x", "a") == _item(data=b"2")


def test_version_is(driver: TableDriver) -> None:
    """``VersionIs(n)`` passes only when the stored item exists with version ``n``."""
    with pytest.raises(ConditionFailedError):
        driver.put(_item(version=1), VersionIs(0))
    driver.put(_item(version=1), MustNotExist())
    driver.put(_item(version=2), VersionIs(1))
    with pytest.raises(ConditionFailedError):
        driver.put(_item(version=3, data=b"lost"), VersionIs(1))
    assert driver.get("T#x", "a") == _item(version=2)


def test_delete(driver: TableDriver) -> None:
    """Deleting an absent item is no error unless ``MustExist``; a version check guards it."""
    driver.delete("T#x", "a")
    with pytest.raises(ConditionFailedError):
        driver.delete("T#x", "a", MustExist())
    driver.put(_item(version=1))
    with pytest.raises(ConditionFailedError):
        driver.delete("T#x", "a", VersionIs(2))
    assert driver.get("T#x", "a") is not None
    driver.delete("T#x", "a", VersionIs(1))
    assert driver.get("T#x", "a") is None


def test_transact_applies_all(driver: TableDriver) -> None:
    """A transaction with passing conditions applies every put and delete."""
    driver.put(_item("old", version=1))
    driver.transact(
        [
            Put(_item("new"), MustNotExist()),
            Delete("T#x", "old", VersionIs(1)),
            Put(_item("other")),
        ]
    )
    assert driver.get("T#x", "new") is not None
    assert driver.get("T#x", "other") is not None
    assert driver.get("T#x", "old") is None


def test_transact_is_all_or_nothing(driver: TableDriver) -> None:
    """One failing condition (even a ``Check`` on an unwritten item) cancels every op."""
    driver.put(_item("guard", version=5))
    driver.put(_item("keep", data=b"before"))
    driver.put(_item("gone"))
    with pytest.raises(ConditionFailedError):
        driver.transact(
            [
                Put(_item("new")),
                Put(_item("keep", data=b"after")),
                Delete("T#x", "gone"),
                Check("T#x", "guard", VersionIs(4)),
            ]
        )
    with pytest.raises(ConditionFailedError):
        driver.transact([Put(_item("new")), Put(_item("keep", data=b"after"), MustNotExist())])
    assert driver.get("T#x", "new") is None
    assert driver.get("T#x", "keep") == _item("keep", data=b"before")
    assert driver.get("T#x", "guard") is not None
    assert driver.get("T#x", "gone") is not None


def test_transact_check_passes(driver: TableDriver) -> None:
    """A passing ``Check`` lets the transaction through without writing its item."""
    driver.put(_item("guard", version=2))
    driver.transact([Check("T#x", "guard", VersionIs(2)), Put(_item("new"))])
    assert driver.get("T#x", "new") is not None
    assert driver.get("T#x", "guard") == _item("guard", version=2)


def test_empty_transaction_is_a_no_op(driver: TableDriver) -> None:
    """``transact([])`` writes nothing and does not fail."""
    driver.transact([])


def test_increment_creates_and_adds(driver: TableDriver) -> None:
    """Counters start at zero, add atomically, and return every total of the item."""
    assert driver.increment("T#x", "u", {"turns": 1, "tokens": 10}) == {"turns": 1, "tokens": 10}
    assert driver.increment("T#x", "u", {"turns": 2}) == {"turns": 3, "tokens": 10}
    item = driver.get("T#x", "u")
    assert item is not None
    assert item.counters == {"turns": 3, "tokens": 10}
    assert item.version == 0
    assert item.data == b""


def test_increment_keeps_data(driver: TableDriver) -> None:
    """Incrementing an existing item leaves its data and version alone."""
    driver.put(_item("u", data=b"x", version=4))
    driver.increment("T#x", "u", {"n": -2})
    assert driver.get("T#x", "u") == _item("u", data=b"x", version=4, counters={"n": -2})


def test_put_many(driver: TableDriver) -> None:
    """A bulk load writes every item (more than one batch)."""
    items = [_item(f"M#{i:04d}") for i in range(130)]
    driver.put_many(items)
    page = driver.query("T#x", "M#", limit=1000)
    assert page.items == items
