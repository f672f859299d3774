"""A driver wrapper that charges every call by DynamoDB's capacity rules (any inner driver).

It sees the items a call sends and gets back, not the stored items a write replaces, so a
write is charged the size of the new item (DynamoDB charges the larger of old and new: this
store's writes replace an item by one of about its size) and a write that removes an item
from the index is not charged the index delete. See :mod:`openbrain.store.capacity`.
"""

from __future__ import annotations

from collections.abc import Sequence

from openbrain.store.capacity import (
    CapacityMeter,
    Charge,
    item_size,
    read_units,
    write_units,
)
from openbrain.store.driver import Check, Condition, Delete, Item, Page, Put, TableDriver, WriteOp

_CONDITION_CHECK_SIZE = 1  # a ConditionCheck bills like a write of at most 1 KB


Keys = list[tuple[str, str, float, float]]


def _write(item: Item, *, transactional: bool) -> tuple[float, float, Keys]:
    size = item_size(item)
    table = float(write_units(size, transactional=transactional))
    keys: Keys = [("table", item.pk, 0.0, table)]
    index = 0.0
    if item.gsi1pk is not None:
        index = float(write_units(size))
        keys.append(("index", item.gsi1pk, 0.0, index))
    return table, index, keys


def _counter_item(pk: str, sk: str, counters: dict[str, int], expires_at: int | None) -> Item:
    return Item(pk=pk, sk=sk, counters=counters, expires_at=expires_at)


class MeteredDriver(TableDriver):
    """Delegates every call to ``inner`` and charges it to ``meter``."""

    def __init__(self, inner: TableDriver, meter: CapacityMeter | None = None) -> None:
        self.inner = inner
        self.meter = meter or CapacityMeter()

    def setup(self) -> None:
        self.inner.setup()

    def close(self) -> None:
        self.inner.close()

    def get(self, pk: str, sk: str) -> Item | None:
        item = self.inner.get(pk, sk)
        units = read_units(item_size(item) if item else 0)
        self.meter.charge(Charge(operation="GetItem", read=units,
                                 keys=(("table", pk, units, 0.0),)))
        return item

    def put(self, item: Item, condition: Condition | None = None) -> None:
        self.inner.put(item, condition)
        table, index, keys = _write(item, transactional=False)
        self.meter.charge(Charge(operation="PutItem", write=table, index_write=index,
                                 keys=tuple(keys)))

    def delete(self, pk: str, sk: str, condition: Condition | None = None) -> None:
        self.inner.delete(pk, sk, condition)
        self.meter.charge(Charge(operation="DeleteItem", write=1.0,
                                 keys=(("table", pk, 0.0, 1.0),)))

    def query(
        self,
        pk: str,
        prefix: str = "",
        *,
        newest_first: bool = False,
        limit: int = 100,
        cursor: str | None = None,
    ) -> Page:
        page = self.inner.query(pk, prefix, newest_first=newest_first, limit=limit,
                                cursor=cursor)
        units = read_units(sum(item_size(i) for i in page.items))
        self.meter.charge(Charge(operation="Query", read=units,
                                 keys=(("table", pk, units, 0.0),)))
        return page

    def query_index(
        self,
        gsi1pk: str,
        prefix: str = "",
        *,
        newest_first: bool = False,
        limit: int = 100,
        cursor: str | None = None,
    ) -> Page:
        page = self.inner.query_index(gsi1pk, prefix, newest_first=newest_first, limit=limit,
                                      cursor=cursor)
        units = read_units(sum(item_size(i) for i in page.items), consistent=False)
        self.meter.charge(Charge(operation="Query (index)", index_read=units,
                                 keys=(("index", gsi1pk, units, 0.0),)))
        return page

    def query_range(self, pk: str, low: str, high: str, *, newest_first: bool = False,
                    limit: int = 100) -> list[Item]:
        items = self.inner.query_range(pk, low, high, newest_first=newest_first, limit=limit)
        units = read_units(sum(item_size(i) for i in items))
        self.meter.charge(Charge(operation="Query", read=units,
                                 keys=(("table", pk, units, 0.0),)))
        return items

    def transact(self, ops: Sequence[WriteOp]) -> None:
        self.inner.transact(ops)
        if not ops:
            return
        table = index = 0.0
        keys: Keys = []
        for op in ops:
            if isinstance(op, Put):
                t, i, k = _write(op.item, transactional=True)
                table, index = table + t, index + i
                keys.extend(k)
            else:
                assert isinstance(op, Delete | Check)
                units = float(write_units(_CONDITION_CHECK_SIZE, transactional=True))
                table += units
                keys.append(("table", op.pk, 0.0, units))
        self.meter.charge(Charge(operation="TransactWriteItems", write=table,
                                 index_write=index, keys=tuple(keys)))

    def put_many(self, items: Sequence[Item]) -> None:
        self.inner.put_many(items)
        keys: Keys = []
        table = index = 0.0
        for item in items:
            t, i, k = _write(item, transactional=False)
            table, index = table + t, index + i
            keys.extend(k)
        self.meter.charge(Charge(operation="BatchWriteItem", write=table, index_write=index,
                                 keys=tuple(keys)))

    def increment(self, pk: str, sk: str, counters: dict[str, int]) -> dict[str, int]:
        totals = self.inner.increment(pk, sk, counters)
        units = float(write_units(item_size(_counter_item(pk, sk, totals, None))))
        self.meter.charge(Charge(operation="UpdateItem", write=units,
                                 keys=(("table", pk, 0.0, units),)))
        return totals

    def add_capped(
        self, pk: str, sk: str, name: str, amount: int, *, at_most: int, expires_at: int
    ) -> int | None:
        total = self.inner.add_capped(pk, sk, name, amount, at_most=at_most,
                                      expires_at=expires_at)
        # A refused conditional update still costs its write unit.
        item = _counter_item(pk, sk, {name: total if total is not None else at_most},
                             expires_at)
        units = float(write_units(item_size(item)))
        self.meter.charge(Charge(operation="UpdateItem (capped)", write=units,
                                 keys=(("table", pk, 0.0, units),)))
        return total
