"""A driver wrapper that counts calls and items read: cost assertions in tests, benchmarks."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Sequence

from openbrain.store.driver import Condition, Item, Page, TableDriver, WriteOp


class CountingDriver(TableDriver):
    """Delegates every call to ``inner`` and counts it.

    ``calls`` counts calls per method; ``items_read`` the items returned by ``get`` and the
    queries; ``items_written`` the ops of puts, deletes and transactions. Costs in DynamoDB
    follow these counts, not the table's size.
    """

    def __init__(self, inner: TableDriver) -> None:
        self.inner = inner
        self.calls: Counter[str] = Counter()
        self.items_read = 0
        self.items_written = 0
        self._lock = threading.Lock()

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self.items_read = 0
            self.items_written = 0

    def _count(self, method: str, *, read: int = 0, written: int = 0) -> None:
        with self._lock:
            self.calls[method] += 1
            self.items_read += read
            self.items_written += written

    def setup(self) -> None:
        self.inner.setup()

    def close(self) -> None:
        self.inner.close()

    def get(self, pk: str, sk: str) -> Item | None:
        item = self.inner.get(pk, sk)
        self._count("get", read=1 if item else 0)
        return item

    def put(self, item: Item, condition: Condition | None = None) -> None:
        self._count("put", written=1)
        self.inner.put(item, condition)

    def delete(self, pk: str, sk: str, condition: Condition | None = None) -> None:
        self._count("delete", written=1)
        self.inner.delete(pk, sk, condition)

    def query(
        self,
        pk: str,
        prefix: str = "",
        *,
        newest_first: bool = False,
        limit: int = 100,
        cursor: str | None = None,
    ) -> Page:
        page = self.inner.query(
            pk, prefix, newest_first=newest_first, limit=limit, cursor=cursor
        )
        self._count("query", read=len(page.items))
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
        page = self.inner.query_index(
            gsi1pk, prefix, newest_first=newest_first, limit=limit, cursor=cursor
        )
        self._count("query_index", read=len(page.items))
        return page

    def query_range(self, pk: str, low: str, high: str, *, newest_first: bool = False,
                    limit: int = 100) -> list[Item]:
        items = self.inner.query_range(pk, low, high, newest_first=newest_first, limit=limit)
        self._count("query_range", read=len(items))
        return items

    def transact(self, ops: Sequence[WriteOp]) -> None:
        self._count("transact", written=len(ops))
        self.inner.transact(ops)

    def put_many(self, items: Sequence[Item]) -> None:
        self._count("put_many", written=len(items))
        self.inner.put_many(items)

    def increment(self, pk: str, sk: str, counters: dict[str, int]) -> dict[str, int]:
        self._count("increment", written=1)
        return self.inner.increment(pk, sk, counters)

    def add_capped(
        self, pk: str, sk: str, name: str, amount: int, *, at_most: int, expires_at: int
    ) -> int | None:
        self._count("add_capped", written=1)
        return self.inner.add_capped(pk, sk, name, amount, at_most=at_most,
                                     expires_at=expires_at)
