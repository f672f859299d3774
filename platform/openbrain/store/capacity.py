"""DynamoDB's capacity rules, applied to this store's items, and a meter that adds them up.

On-demand DynamoDB bills read and write request units (RRU, WRU); a partition serves at most
3,000 RCU and 1,000 WCU a second. The rules (AWS's "Read/write capacity mode" page):

* an item's size is the UTF-8 length of each attribute name plus its value (strings and
  binaries by length, numbers about one byte per two significant digits plus one);
* a write costs 1 WRU per started KB of the item (2 WRU inside a transaction); a write to an
  item listed in the index costs the index 1 WRU per started KB of the entry too (never
  doubled: index writes are not transactional);
* a strongly consistent read costs 1 RRU per started 4 KB (an eventually consistent one
  half: every index read is eventually consistent); a query sums the sizes of the items it
  returns before rounding; a read that finds nothing still costs the minimum.

:class:`~openbrain.store.metered.MeteredDriver` charges every call of any driver by these
rules and records it here; :class:`~openbrain.store.dynamodb.DynamoDBDriver` also records
what the endpoint itself reported (``ReturnConsumedCapacity``), which AWS computes exactly
and emulators like moto fill with constants.
"""

from __future__ import annotations

import math
import threading
from collections import defaultdict

import msgspec

from openbrain.store.driver import Item

WRITE_UNIT = 1024
READ_UNIT = 4096
TTL_NAME = "expiresAt"  # the attribute names the DynamoDB driver writes (see dynamodb.py)
COUNTER_PREFIX = "c_"


def number_size(value: int) -> int:
    """Bytes DynamoDB counts for a number: one per two significant digits, plus one."""
    digits = len(str(abs(value)).rstrip("0")) or 1
    return (digits + 1) // 2 + 1


def item_size(item: Item) -> int:
    """The size DynamoDB bills for ``item`` as the DynamoDB driver stores it."""
    size = 2 + len(item.pk.encode()) + 2 + len(item.sk.encode())
    size += len("version") + number_size(item.version)
    if item.data:
        size += len("data") + len(item.data)
    if item.gsi1pk is not None and item.gsi1sk is not None:
        size += 6 + len(item.gsi1pk.encode()) + 6 + len(item.gsi1sk.encode())
    if item.expires_at is not None:
        size += len(TTL_NAME) + number_size(item.expires_at)
    for name, value in item.counters.items():
        size += len(COUNTER_PREFIX + name) + number_size(value)
    return size


def write_units(size: int, *, transactional: bool = False) -> int:
    return max(1, math.ceil(size / WRITE_UNIT)) * (2 if transactional else 1)


def read_units(size: int, *, consistent: bool = True) -> float:
    units = max(1, math.ceil(size / READ_UNIT))
    return float(units) if consistent else units / 2


class Charge(msgspec.Struct, frozen=True, kw_only=True):
    """What one call cost, by the size rules. ``keys`` are the partitions it touched: each
    ``(kind, partition key, read units, write units)``, kind ``table`` or ``index``."""

    operation: str
    read: float = 0.0
    write: float = 0.0
    index_read: float = 0.0
    index_write: float = 0.0
    keys: tuple[tuple[str, str, float, float], ...] = ()


class Totals(msgspec.Struct, kw_only=True):
    calls: int = 0
    read: float = 0.0
    write: float = 0.0
    index_read: float = 0.0
    index_write: float = 0.0


class CapacityMeter:
    """Thread-safe sums of charges: per operation, per partition key, and what the endpoint
    reported (``reported``: operation -> capacity units)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.by_operation: dict[str, Totals] = defaultdict(Totals)
        self.by_key: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0])
        self.reported: dict[str, float] = defaultdict(float)

    def charge(self, charge: Charge) -> None:
        with self._lock:
            totals = self.by_operation[charge.operation]
            totals.calls += 1
            totals.read += charge.read
            totals.write += charge.write
            totals.index_read += charge.index_read
            totals.index_write += charge.index_write
            for kind, key, read, write in charge.keys:
                units = self.by_key[kind, key]
                units[0] += read
                units[1] += write

    def report(self, operation: str, units: float) -> None:
        with self._lock:
            self.reported[operation] += units

    def reset(self) -> None:
        with self._lock:
            self.by_operation.clear()
            self.by_key.clear()
            self.reported.clear()

    def total(self) -> Totals:
        with self._lock:
            out = Totals()
            for t in self.by_operation.values():
                out.calls += t.calls
                out.read += t.read
                out.write += t.write
                out.index_read += t.index_read
                out.index_write += t.index_write
            return out

    def hottest(self) -> tuple[tuple[str, str, float], tuple[str, str, float]]:
        """The partition key with the most read units and the one with the most write
        units: ``(kind, key, units)`` each."""
        with self._lock:
            rows = list(self.by_key.items())
        if not rows:
            return ("table", "", 0.0), ("table", "", 0.0)
        read = max(rows, key=lambda r: r[1][0])
        write = max(rows, key=lambda r: r[1][1])
        return (*read[0], read[1][0]), (*write[0], write[1][1])
