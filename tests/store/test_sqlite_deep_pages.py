"""A page deep in a long partition costs SQLite what a page near its start costs: the cursor
is a seek, not a filter over every row before it (a long session's turn window reads such a
page, so its cost must not grow with the session's length)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from openbrain.store.driver import Item, Page, Put, encode_cursor
from openbrain.store.sqlite import SQLiteDriver

ROWS = 6_000
PAGE = 20


def _row(seq: int) -> Item:
    return Item(pk="T#c#S#s", sk=f"M#{seq:010}", data=b"{}", gsi1pk="T#c#IX",
                gsi1sk=f"2026-{seq:010}")


@pytest.fixture
def driver(tmp_path: Path) -> Iterator[SQLiteDriver]:
    driver = SQLiteDriver.from_path(tmp_path / "deep.db")
    driver.setup()
    for start in range(0, ROWS, 100):
        driver.transact([
            Put(_row(i)) for i in range(start, start + 100)
        ])
    yield driver
    driver.close()


def _steps(driver: SQLiteDriver, read: Callable[[], Page]) -> int:
    """SQLite virtual-machine steps (in thousands) one read takes."""
    steps = 0

    def count() -> int:
        nonlocal steps
        steps += 1
        return 0

    driver._conn.set_progress_handler(count, 1_000)
    try:
        read()
    finally:
        driver._conn.set_progress_handler(None, 0)
    return steps


def _cursor_at(seq: int, *, index: bool) -> str:
    """The cursor of a page whose last row is row ``seq``."""
    return encode_cursor(_row(seq), index=index)


@pytest.mark.parametrize("index", [False, True], ids=["table", "index"])
@pytest.mark.parametrize("newest_first", [False, True], ids=["oldest-first", "newest-first"])
def test_a_deep_page_costs_what_a_shallow_one_costs(driver: SQLiteDriver, index: bool,
                                                   newest_first: bool) -> None:
    def page_after(cursor: str) -> Callable[[], Page]:
        if index:
            return lambda: driver.query_index("T#c#IX", "2026-", newest_first=newest_first,
                                              limit=PAGE, cursor=cursor)
        return lambda: driver.query("T#c#S#s", "M#", newest_first=newest_first, limit=PAGE,
                                    cursor=cursor)

    # "Deep" is far from where the query starts: the end for oldest first, the start for
    # newest first.
    near, far = (50, ROWS - 50) if not newest_first else (ROWS - 50, 50)
    shallow, deep = _cursor_at(near, index=index), _cursor_at(far, index=index)
    assert len(page_after(deep)().items) == PAGE
    # Before the fix the deep page stepped over every earlier row: ~100 thousand steps here.
    assert _steps(driver, page_after(deep)) <= _steps(driver, page_after(shallow)) + 2
