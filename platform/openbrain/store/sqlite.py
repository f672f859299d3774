"""The embedded driver: one SQLite file in WAL mode, the same keys and conditions as DynamoDB."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import msgspec

from openbrain.store.driver import (
    Check,
    Condition,
    ConditionFailedError,
    Delete,
    Item,
    MustExist,
    MustNotExist,
    Page,
    Put,
    TableDriver,
    VersionIs,
    WriteOp,
    check_capped,
    check_counters,
    check_cursor,
    check_key,
    check_limit,
    check_range,
    check_transaction,
    encode_cursor,
)

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS items (
        pk TEXT NOT NULL, sk TEXT NOT NULL, data BLOB NOT NULL, version INTEGER NOT NULL,
        gsi1pk TEXT, gsi1sk TEXT, expires_at INTEGER, counters TEXT,
        PRIMARY KEY (pk, sk)) WITHOUT ROWID""",
    """CREATE INDEX IF NOT EXISTS gsi1 ON items (gsi1pk, gsi1sk, pk, sk)
        WHERE gsi1pk IS NOT NULL""",
)
_COLUMNS = "pk, sk, data, version, gsi1pk, gsi1sk, expires_at, counters"
_RANGE = f"SELECT {_COLUMNS} FROM items WHERE pk = ? AND sk BETWEEN ? AND ? ORDER BY sk"  # noqa: S608 - constants only
_RANGE_ASC, _RANGE_DESC = f"{_RANGE} ASC LIMIT ?", f"{_RANGE} DESC LIMIT ?"
_TOP = "\U0010ffff"  # sorts after every character: the exclusive upper bound of a prefix
_counters_decoder = msgspec.json.Decoder(dict[str, int])


def _row_to_item(row: tuple[Any, ...]) -> Item:
    pk, sk, data, version, gsi1pk, gsi1sk, expires_at, counters = row
    return Item(
        pk=pk,
        sk=sk,
        data=bytes(data),
        version=version,
        gsi1pk=gsi1pk,
        gsi1sk=gsi1sk,
        expires_at=expires_at,
        counters=_counters_decoder.decode(counters) if counters else {},
    )


class SQLiteDriver(TableDriver):
    """Thread-safe: one connection, serialised by a lock (SQLite has one writer anyway).

    Durability: WAL with ``synchronous=NORMAL`` survives a process kill (a committed
    transaction is in the WAL); only an OS crash may lose the last commits.
    """

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._conn = connection
        self._lock = threading.Lock()

    @classmethod
    def from_path(cls, path: str | Path) -> SQLiteDriver:
        """Open (creating if needed) the database at ``path``; ``":memory:"`` for a scratch one."""
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA busy_timeout=10000")
        driver = cls(conn)
        driver.setup()
        return driver

    def setup(self) -> None:
        with self._lock:
            for statement in _SCHEMA:
                self._conn.execute(statement)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def get(self, pk: str, sk: str) -> Item | None:
        with self._lock:
            row = self._conn.execute(
                f"SELECT {_COLUMNS} FROM items WHERE pk = ? AND sk = ?",  # noqa: S608
                (pk, sk),
            ).fetchone()
        return _row_to_item(row) if row else None

    def put(self, item: Item, condition: Condition | None = None) -> None:
        self.transact([Put(item, condition)])

    def delete(self, pk: str, sk: str, condition: Condition | None = None) -> None:
        self.transact([Delete(pk, sk, condition)])

    def query(
        self,
        pk: str,
        prefix: str = "",
        *,
        newest_first: bool = False,
        limit: int = 100,
        cursor: str | None = None,
    ) -> Page:
        check_limit(limit)
        where, args = ["pk = ?"], [pk]
        # The cursor replaces the prefix's bound on its side (it lies inside the prefix): with
        # two lower (or upper) bounds SQLite seeks by one and filters by the other, so a page
        # deep in a long partition would scan every row before it.
        after = check_cursor(cursor, partition=pk, prefix=prefix, index=False) if cursor else None
        if prefix and (after is None or newest_first):
            where.append("sk >= ?")
            args.append(prefix)
        if prefix and (after is None or not newest_first):
            where.append("sk < ?")
            args.append(prefix + _TOP)
        if after is not None:
            where.append("sk < ?" if newest_first else "sk > ?")
            args.append(after.sk)
        order = "DESC" if newest_first else "ASC"
        sql = (
            f"SELECT {_COLUMNS} FROM items WHERE {' AND '.join(where)} "  # noqa: S608
            f"ORDER BY sk {order} LIMIT ?"
        )
        return self._page(sql, [*args, limit + 1], limit, index=False)

    def query_index(
        self,
        gsi1pk: str,
        prefix: str = "",
        *,
        newest_first: bool = False,
        limit: int = 100,
        cursor: str | None = None,
    ) -> Page:
        check_limit(limit)
        where, args = ["gsi1pk = ?"], [gsi1pk]
        # As in ``query``: the cursor replaces the prefix's bound on its side.
        after = check_cursor(cursor, partition=gsi1pk, prefix=prefix, index=True) if cursor \
            else None
        if prefix and (after is None or newest_first):
            where.append("gsi1sk >= ?")
            args.append(prefix)
        if prefix and (after is None or not newest_first):
            where.append("gsi1sk < ?")
            args.append(prefix + _TOP)
        if after is not None:
            where.append("(gsi1sk, pk, sk) < (?, ?, ?)" if newest_first else
                         "(gsi1sk, pk, sk) > (?, ?, ?)")
            args += [after.gsi1sk or "", after.pk, after.sk]
        order = "DESC" if newest_first else "ASC"
        sql = (
            f"SELECT {_COLUMNS} FROM items WHERE {' AND '.join(where)} "  # noqa: S608
            f"ORDER BY gsi1sk {order}, pk {order}, sk {order} LIMIT ?"
        )
        return self._page(sql, [*args, limit + 1], limit, index=True)

    def query_range(self, pk: str, low: str, high: str, *, newest_first: bool = False,
                    limit: int = 100) -> list[Item]:
        check_limit(limit)
        check_range(low, high)
        sql = _RANGE_DESC if newest_first else _RANGE_ASC
        with self._lock:
            rows = self._conn.execute(sql, (pk, low, high, limit)).fetchall()
        return [_row_to_item(r) for r in rows]

    def _page(self, sql: str, args: list[Any], limit: int, *, index: bool) -> Page:
        with self._lock:
            rows = self._conn.execute(sql, args).fetchall()
        items = [_row_to_item(r) for r in rows[:limit]]
        more = len(rows) > limit
        return Page(items, encode_cursor(items[-1], index=index) if more else None)

    def transact(self, ops: Sequence[WriteOp]) -> None:
        check_transaction(ops)
        if not ops:
            return
        with self._transaction() as conn:
            for op in ops:
                if isinstance(op, Put) and isinstance(op.condition, MustNotExist | VersionIs):
                    _put_if(conn, op.item, op.condition)
                    continue
                key = (op.item.pk, op.item.sk) if isinstance(op, Put) else (op.pk, op.sk)
                if op.condition is not None:
                    _check(conn, key, op.condition)
                if isinstance(op, Put):
                    conn.execute(
                        f"INSERT OR REPLACE INTO items ({_COLUMNS}) "  # noqa: S608
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", _row(op.item))
                elif isinstance(op, Delete):
                    conn.execute("DELETE FROM items WHERE pk = ? AND sk = ?", key)
                else:
                    assert isinstance(op, Check)

    def increment(self, pk: str, sk: str, counters: dict[str, int]) -> dict[str, int]:
        check_key(pk, sk)
        check_counters(counters)
        with self._transaction() as conn:
            row = conn.execute(
                "SELECT counters FROM items WHERE pk = ? AND sk = ?", (pk, sk)
            ).fetchone()
            totals: dict[str, int] = {}
            if row is not None and row[0]:
                totals = _counters_decoder.decode(row[0])
            for name, amount in counters.items():
                totals[name] = totals.get(name, 0) + amount
            encoded = msgspec.json.encode(totals).decode()
            if row is None:
                conn.execute(
                    "INSERT INTO items (pk, sk, data, version, counters) VALUES (?, ?, ?, 0, ?)",
                    (pk, sk, b"", encoded),
                )
            else:
                conn.execute(
                    "UPDATE items SET counters = ? WHERE pk = ? AND sk = ?", (encoded, pk, sk)
                )
        return totals

    def add_capped(
        self, pk: str, sk: str, name: str, amount: int, *, at_most: int, expires_at: int
    ) -> int | None:
        check_capped(pk, sk, name, amount)
        if at_most < 0:
            return None
        # BEGIN IMMEDIATE takes SQLite's write lock first: processes sharing the file
        # serialise here, so the read and the conditional write are one atomic step.
        with self._transaction() as conn:
            row = conn.execute(
                "SELECT counters FROM items WHERE pk = ? AND sk = ?", (pk, sk)
            ).fetchone()
            totals: dict[str, int] = {}
            if row is not None and row[0]:
                totals = _counters_decoder.decode(row[0])
            if totals.get(name, 0) > at_most:
                return None
            totals[name] = totals.get(name, 0) + amount
            encoded = msgspec.json.encode(totals).decode()
            if row is None:
                # No TTL sweeper here: a new window clears its partition's expired ones.
                conn.execute("DELETE FROM items WHERE pk = ? AND expires_at < ?",
                              (pk, int(time.time())))
                conn.execute(
                    "INSERT INTO items (pk, sk, data, version, expires_at, counters) "
                    "VALUES (?, ?, ?, 0, ?, ?)",
                    (pk, sk, b"", expires_at, encoded),
                )
            else:
                conn.execute(
                    "UPDATE items SET counters = ?, expires_at = ? WHERE pk = ? AND sk = ?",
                    (encoded, expires_at, pk, sk),
                )
        return totals[name]


def _row(item: Item) -> tuple[Any, ...]:
    counters = msgspec.json.encode(item.counters).decode() if item.counters else None
    return (item.pk, item.sk, item.data, item.version, item.gsi1pk, item.gsi1sk,
            item.expires_at, counters)


def _put_if(conn: sqlite3.Connection, item: Item, condition: MustNotExist | VersionIs) -> None:
    """A put whose condition is its own statement's (one statement, not a read then a write;
    a turn's two puts are both conditional): a plain insert fails on the key of a row that
    exists, an update of the whole row finds none at another version. The row written is the
    one ``INSERT OR REPLACE`` writes (tests/store/test_sqlite_conditional_puts.py)."""
    if isinstance(condition, MustNotExist):
        try:
            conn.execute(f"INSERT INTO items ({_COLUMNS}) "  # noqa: S608
                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", _row(item))
        except sqlite3.IntegrityError as exc:
            if exc.sqlite_errorcode != sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
                raise
            raise ConditionFailedError("the record changed since it was read; retry") from None
        return
    pk, sk, data, version, gsi1pk, gsi1sk, expires_at, counters = _row(item)
    updated = conn.execute(
        "UPDATE items SET data = ?, version = ?, gsi1pk = ?, gsi1sk = ?, expires_at = ?, "
        "counters = ? WHERE pk = ? AND sk = ? AND version = ?",
        (data, version, gsi1pk, gsi1sk, expires_at, counters, pk, sk, condition.version))
    if updated.rowcount != 1:
        raise ConditionFailedError("the record changed since it was read; retry")


def _check(conn: sqlite3.Connection, key: tuple[str, str], condition: Condition) -> None:
    row = conn.execute("SELECT version FROM items WHERE pk = ? AND sk = ?", key).fetchone()
    if isinstance(condition, MustNotExist):
        ok = row is None
    elif isinstance(condition, MustExist):
        ok = row is not None
    else:
        assert isinstance(condition, VersionIs)
        ok = row is not None and row[0] == condition.version
    if not ok:
        raise ConditionFailedError("the record changed since it was read; retry")
