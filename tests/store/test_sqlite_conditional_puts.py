"""A conditional put on SQLite is one statement (a plain insert for "must not exist", an update
at the expected version for "version is"), not a read and then a write: the same rows and the
same refusals as checking first and then ``INSERT OR REPLACE``, and a turn-shaped
transaction runs four statements instead of six."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openbrain.store.driver import (
    ConditionFailedError,
    Item,
    MustExist,
    MustNotExist,
    Put,
    VersionIs,
)
from openbrain.store.sqlite import SQLiteDriver, _put_if

KEYS = [("T#c#S#s", "SESSION"), ("T#c#S#s", "M#1"), ("T#c#S#t", "SESSION")]
Condition = MustNotExist | MustExist | VersionIs | None


def _reference(conn: sqlite3.Connection, put: Put) -> None:
    """What the driver did before: read the version, then ``INSERT OR REPLACE``."""
    item, condition = put.item, put.condition
    row = conn.execute("SELECT version FROM items WHERE pk = ? AND sk = ?",
                       (item.pk, item.sk)).fetchone()
    if isinstance(condition, MustNotExist) and row is not None:
        raise ConditionFailedError("exists")
    if isinstance(condition, MustExist) and row is None:
        raise ConditionFailedError("missing")
    if isinstance(condition, VersionIs) and (row is None or row[0] != condition.version):
        raise ConditionFailedError("version")
    counters = '{"n":1}' if item.counters else None
    conn.execute("INSERT OR REPLACE INTO items (pk, sk, data, version, gsi1pk, gsi1sk, "
                 "expires_at, counters) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                 (item.pk, item.sk, item.data, item.version, item.gsi1pk, item.gsi1sk,
                  item.expires_at, counters))


@pytest.fixture
def drivers(tmp_path: Path) -> Iterator[tuple[SQLiteDriver, SQLiteDriver]]:
    ours, old = (SQLiteDriver.from_path(tmp_path / f"{name}.db") for name in ("ours", "old"))
    yield ours, old
    ours.close()
    old.close()


def _rows(driver: SQLiteDriver) -> list[tuple[object, ...]]:
    return driver._conn.execute("SELECT * FROM items ORDER BY pk, sk").fetchall()


_puts = st.builds(
    lambda key, version, data, index, condition: Put(
        Item(pk=key[0], sk=key[1], version=version, data=data,
             gsi1pk="T#c#IX" if index else None, gsi1sk=f"{version:04}" if index else None,
             expires_at=version * 10 if index else None, counters={"n": 1} if index else {}),
        condition),
    st.sampled_from(KEYS), st.integers(0, 3), st.sampled_from([b"", b"{}", b"x" * 300]),
    st.booleans(),
    st.sampled_from([None, MustNotExist(), MustExist(), VersionIs(0), VersionIs(1),
                     VersionIs(2)]),
)


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.lists(_puts, min_size=1, max_size=2), max_size=8))
def test_rows_and_refusals_equal_a_read_then_a_replace(
        drivers: tuple[SQLiteDriver, SQLiteDriver], steps: list[list[Put]]) -> None:
    ours, old = drivers
    for driver in drivers:
        driver._conn.execute("DELETE FROM items")
    for puts in steps:
        if len({(p.item.pk, p.item.sk) for p in puts}) < len(puts):
            continue  # one key twice in a transaction is refused before any statement
        try:
            ours.transact(puts)
            refused = False
        except ConditionFailedError:
            refused = True
        try:
            with old._transaction() as conn:
                for put in puts:
                    _reference(conn, put)
            expected = False
        except ConditionFailedError:
            expected = True
        assert refused == expected, puts
        assert _rows(ours) == _rows(old)


def test_a_turn_shaped_transaction_is_four_statements(
        drivers: tuple[SQLiteDriver, SQLiteDriver]) -> None:
    ours, _ = drivers
    ours.transact([Put(Item(pk="T#c#S#s", sk="SESSION", version=1))])
    statements: list[str] = []
    ours._conn.set_trace_callback(statements.append)
    ours.transact([Put(Item(pk="T#c#S#s", sk="M#1", version=1), MustNotExist()),
                   Put(Item(pk="T#c#S#s", sk="SESSION", version=2), VersionIs(1))])
    ours._conn.set_trace_callback(None)
    assert [s.split()[0] for s in statements] == ["BEGIN", "INSERT", "UPDATE", "COMMIT"]
    with pytest.raises(ConditionFailedError):  # the same turn again: refused, nothing written
        ours.transact([Put(Item(pk="T#c#S#s", sk="M#2", version=1), MustNotExist()),
                       Put(Item(pk="T#c#S#s", sk="SESSION", version=2), VersionIs(1))])
    assert [row[1] for row in _rows(ours)] == ["M#1", "SESSION"]


def test_other_constraint_errors_are_not_refusals(
        drivers: tuple[SQLiteDriver, SQLiteDriver]) -> None:
    """Only a row already under the key is a refusal (items that break the table's other
    constraints never pass the driver's checks; the statement alone is tried here)."""
    ours, _ = drivers
    broken = Item(pk="T#c#S#s", sk="M#1", data=None)  # type: ignore[arg-type]
    with pytest.raises(sqlite3.IntegrityError, match="NOT NULL"):
        _put_if(ours._conn, broken, MustNotExist())
