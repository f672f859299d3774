"""The table driver interface: the few primitives every repository is written against.

One table, keyed ``pk``/``sk``, with one sparse secondary index ``gsi1pk``/``gsi1sk``. A record
is stored as an opaque ``data`` blob (msgspec JSON) beside its keys, a ``version`` used by
optimistic conditions, an optional ``expires_at`` (epoch seconds, the TTL attribute), and
``counters`` that :meth:`TableDriver.increment` adds to atomically.

Drivers: :mod:`openbrain.store.sqlite` (embedded) and :mod:`openbrain.store.dynamodb`
(production). Both pass the same contract suite in ``tests/store/``.
"""

from __future__ import annotations

import base64
from abc import ABC, abstractmethod
from collections.abc import Sequence

import msgspec

from openbrain.domain.errors import ConflictError, InvalidError

MAX_QUERY_LIMIT = 1000
MAX_TRANSACT_ITEMS = 100  # DynamoDB's TransactWriteItems cap
MAX_DATA_BYTES = 350_000  # DynamoDB caps a whole item at 400 KB; room is left for the keys
MAX_PK_BYTES = 2048  # DynamoDB's partition key cap
MAX_SK_BYTES = 1024  # DynamoDB's sort key cap


class Item(msgspec.Struct, frozen=True, kw_only=True):
    """One row of the table."""

    pk: str
    sk: str
    data: bytes = b""
    version: int = 0
    gsi1pk: str | None = None
    gsi1sk: str | None = None
    expires_at: int | None = None
    counters: dict[str, int] = msgspec.field(default_factory=dict)


class MustNotExist(msgspec.Struct, frozen=True):
    """The write succeeds only if no item has this key."""


class MustExist(msgspec.Struct, frozen=True):
    """The write succeeds only if an item has this key."""


class VersionIs(msgspec.Struct, frozen=True):
    """The write succeeds only if the stored item exists with exactly this version."""

    version: int


Condition = MustNotExist | MustExist | VersionIs


class Put(msgspec.Struct, frozen=True):
    item: Item
    condition: Condition | None = None


class Delete(msgspec.Struct, frozen=True):
    pk: str
    sk: str
    condition: Condition | None = None


class Check(msgspec.Struct, frozen=True):
    """A condition on an item the transaction does not write."""

    pk: str
    sk: str
    condition: Condition


WriteOp = Put | Delete | Check


class Page(msgspec.Struct, frozen=True):
    """A page of a query; ``cursor`` is ``None`` on the last page."""

    items: list[Item]
    cursor: str | None = None


class ConditionFailedError(ConflictError):
    """A conditional write or transaction found the table not as expected."""


class _CursorKey(msgspec.Struct, frozen=True, array_like=True):
    pk: str
    sk: str
    gsi1sk: str | None = None


def encode_cursor(item: Item, *, index: bool) -> str:
    """An opaque cursor pointing just after ``item`` (the same format for every driver)."""
    key = _CursorKey(item.pk, item.sk, item.gsi1sk if index else None)
    return base64.urlsafe_b64encode(msgspec.json.encode(key)).decode().rstrip("=")


def decode_cursor(cursor: str) -> _CursorKey:
    """The key a cursor points after. Raises :class:`InvalidError` on a forged or broken one."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        return msgspec.json.decode(raw, type=_CursorKey)
    except (ValueError, msgspec.DecodeError) as exc:
        raise InvalidError("cursor is not valid") from exc


def check_cursor(cursor: str, *, partition: str, prefix: str, index: bool) -> _CursorKey:
    """Decode ``cursor`` and check it was made by the same query (same partition and prefix).

    Both drivers refuse the same forged cursors, and DynamoDB never sees a start key outside
    the key condition. Raises :class:`InvalidError`.
    """
    key = decode_cursor(cursor)
    if index:
        ok = key.gsi1sk is not None and key.gsi1sk.startswith(prefix)
    else:
        ok = key.pk == partition and key.sk.startswith(prefix)
    if not ok:
        raise InvalidError("cursor does not belong to this listing")
    return key


def check_range(low: str, high: str) -> None:
    """A range's bounds are sort keys in order (both drivers refuse the same)."""
    if not low or low > high:
        raise InvalidError("a key range needs a non-empty low bound at most its high bound")


def check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_QUERY_LIMIT:
        raise InvalidError(f"limit must be between 1 and {MAX_QUERY_LIMIT}")
    return limit


class TableDriver(ABC):
    """Primitives over the single table. Implementations are safe to share between threads."""

    @abstractmethod
    def setup(self) -> None:
        """Create the table and index if missing. Idempotent."""

    @abstractmethod
    def get(self, pk: str, sk: str) -> Item | None:
        """The item with this key (strongly consistent), or ``None``."""

    @abstractmethod
    def put(self, item: Item, condition: Condition | None = None) -> None:
        """Write ``item`` whole. Raises :class:`ConditionFailedError` if ``condition`` fails."""

    @abstractmethod
    def delete(self, pk: str, sk: str, condition: Condition | None = None) -> None:
        """Delete one item (no error if absent, unless ``condition`` says it must exist)."""

    @abstractmethod
    def query(
        self,
        pk: str,
        prefix: str = "",
        *,
        newest_first: bool = False,
        limit: int = 100,
        cursor: str | None = None,
    ) -> Page:
        """Items of partition ``pk`` whose ``sk`` starts with ``prefix``, in ``sk`` order."""

    @abstractmethod
    def query_index(
        self,
        gsi1pk: str,
        prefix: str = "",
        *,
        newest_first: bool = False,
        limit: int = 100,
        cursor: str | None = None,
    ) -> Page:
        """Items whose ``gsi1pk`` is given and ``gsi1sk`` starts with ``prefix``, in order."""

    @abstractmethod
    def query_range(self, pk: str, low: str, high: str, *, newest_first: bool = False,
                    limit: int = 100) -> list[Item]:
        """Up to ``limit`` items of partition ``pk`` with ``low <= sk <= high``, in ``sk``
        order (strongly consistent); fewer only when the range holds no more. Unlike
        :meth:`query` it reads nothing past the ``limit``-th item (no look-ahead for a
        cursor): a caller that bounds its read by what it needs pays for no more.
        """

    @abstractmethod
    def transact(self, ops: Sequence[WriteOp]) -> None:
        """Apply every op or none. Raises :class:`ConditionFailedError` if any condition fails.

        At most :data:`MAX_TRANSACT_ITEMS` ops, each on a distinct key.
        """

    @abstractmethod
    def increment(self, pk: str, sk: str, counters: dict[str, int]) -> dict[str, int]:
        """Add to named counters of an item (created if missing); the new totals."""

    @abstractmethod
    def add_capped(
        self, pk: str, sk: str, name: str, amount: int, *, at_most: int, expires_at: int
    ) -> int | None:
        """Add ``amount`` to counter ``name`` only if it now holds at most ``at_most`` (a
        missing item or counter holds 0), in one atomic step; the item (created if missing)
        expires at ``expires_at`` (epoch seconds). The new total, or ``None`` when refused
        (nothing written). Shared limits and budgets are built on this.
        """

    def get_many(self, keys: Sequence[tuple[str, str]]) -> list[Item | None]:
        """The items with these keys (strongly consistent), in the order asked, ``None`` for
        a missing one. One ``get`` each: the API's role grants no batch read (a driver may
        read them in batches where its grants allow)."""
        return [self.get(pk, sk) for pk, sk in keys]

    def put_many(self, items: Sequence[Item]) -> None:
        """Write many items unconditionally, in batches (bulk loads: imports, benchmarks).

        Each batch is applied whole; the load as a whole is not atomic.
        """
        for start in range(0, len(items), MAX_TRANSACT_ITEMS):
            self.transact([Put(item) for item in items[start : start + MAX_TRANSACT_ITEMS]])

    def close(self) -> None:  # noqa: B027 - optional hook, most drivers hold nothing to close
        """Release connections."""


def check_key(pk: str, sk: str) -> None:
    """Keys are non-empty and within DynamoDB's size caps (both drivers refuse the same)."""
    if not pk or not sk:
        raise InvalidError("an item needs a non-empty pk and sk")
    if len(pk.encode()) > MAX_PK_BYTES or len(sk.encode()) > MAX_SK_BYTES:
        raise InvalidError(f"keys are capped at {MAX_PK_BYTES} (pk) and {MAX_SK_BYTES} (sk) bytes")


def check_item(item: Item) -> None:
    """An item both drivers can store the same way."""
    check_key(item.pk, item.sk)
    if (item.gsi1pk is None) != (item.gsi1sk is None) or "" in (item.gsi1pk, item.gsi1sk):
        raise InvalidError("gsi1pk and gsi1sk are set together, and never empty")
    if len(item.data) > MAX_DATA_BYTES:
        raise InvalidError(f"a record holds at most {MAX_DATA_BYTES} bytes")
    if item.version < 0:
        raise InvalidError("version may not be negative")
    check_counters(item.counters)


def check_counters(counters: dict[str, int]) -> None:
    for name in counters:
        if not name or len(name) > 64:
            raise InvalidError("a counter name has 1 to 64 characters")


def check_capped(pk: str, sk: str, name: str, amount: int) -> None:
    check_key(pk, sk)
    check_counters({name: amount})
    if amount < 1:
        raise InvalidError("a capped addition adds at least 1")


def check_transaction(ops: Sequence[WriteOp]) -> None:
    """Shared validation of a transaction's shape, so both drivers refuse the same things."""
    if not ops:
        return
    if len(ops) > MAX_TRANSACT_ITEMS:
        raise InvalidError(f"a transaction holds at most {MAX_TRANSACT_ITEMS} items")
    keys = [(op.item.pk, op.item.sk) if isinstance(op, Put) else (op.pk, op.sk) for op in ops]
    if len(set(keys)) != len(keys):
        raise InvalidError("a transaction may touch each item only once")
    for op in ops:
        if isinstance(op, Put):
            check_item(op.item)
        else:
            check_key(op.pk, op.sk)
