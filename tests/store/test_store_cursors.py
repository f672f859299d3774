"""Listings: order, limits and cursors that page through everything exactly once."""

from __future__ import annotations

import pytest

from openbrain.domain.errors import InvalidError
from openbrain.store.driver import MAX_QUERY_LIMIT, Item, Page, TableDriver, encode_cursor

N = 23


@pytest.fixture(name="filled")
def fx_filled(driver: TableDriver) -> TableDriver:
    """Partition ``P`` holds ``A#00..A#22`` plus noise under other prefixes; the index
    ``IDX`` lists the same items under keys that order differently from their ``sk``,
    with ties in ``gsi1sk`` to page through."""
    items = [
        Item(pk="P", sk=f"A#{i:02d}", data=b"%d" % i, gsi1pk="IDX", gsi1sk=f"K#{(N - i) // 2:02d}")
        for i in range(N)
    ]
    items += [Item(pk="P", sk="B#1"), Item(pk="P", sk="A"), Item(pk="Q", sk="A#01")]
    items += [Item(pk="R", sk="x", gsi1pk="IDX", gsi1sk="L#1"), Item(pk="S", sk="y",
                                                                    gsi1pk="IDY", gsi1sk="K#1")]
    driver.put_many(items)
    return driver


def _all_pages(fetch: object, limit: int) -> list[Page]:
    pages: list[Page] = []
    cursor: str | None = None
    while True:
        page = fetch(limit=limit, cursor=cursor)  # type: ignore[operator]
        pages.append(page)
        assert len(page.items) <= limit
        cursor = page.cursor
        if cursor is None:
            return pages
        assert len(pages) < 100


@pytest.mark.parametrize("newest_first", [False, True])
@pytest.mark.parametrize("limit", [1, 5, N, N + 1, MAX_QUERY_LIMIT])
def test_query_pages_exactly_once(filled: TableDriver, limit: int, newest_first: bool) -> None:
    """Following cursors yields every matching item once, in ``sk`` order (or reversed), and
    the last page (and only it) has no cursor, even when it is exactly full."""
    pages = _all_pages(
        lambda **kw: filled.query("P", "A#", newest_first=newest_first, **kw), limit
    )
    sks = [i.sk for p in pages for i in p.items]
    expected = [f"A#{i:02d}" for i in range(N)]
    assert sks == (expected[::-1] if newest_first else expected)
    assert len(pages) == max(1, -(-N // limit))
    assert all(len(p.items) == limit for p in pages[:-1])


@pytest.mark.parametrize("newest_first", [False, True])
@pytest.mark.parametrize("limit", [1, 2, 5, N + 1])
def test_query_index_pages_exactly_once(
    filled: TableDriver, limit: int, newest_first: bool
) -> None:
    """Index listings page through every item once, ordered by ``gsi1sk`` (ties included)."""
    pages = _all_pages(
        lambda **kw: filled.query_index("IDX", "K#", newest_first=newest_first, **kw), limit
    )
    items = [i for p in pages for i in p.items]
    assert sorted(i.sk for i in items) == [f"A#{i:02d}" for i in range(N)]
    keys = [i.gsi1sk or "" for i in items]
    assert keys == sorted(keys, reverse=newest_first)


def test_query_without_prefix_lists_whole_partition(filled: TableDriver) -> None:
    """No prefix: the whole partition, and nothing of other partitions."""
    page = filled.query("P", limit=100)
    assert [i.sk for i in page.items] == ["A", *[f"A#{i:02d}" for i in range(N)], "B#1"]
    assert page.cursor is None


def test_empty_listing(driver: TableDriver) -> None:
    """An empty partition gives an empty page with no cursor."""
    assert driver.query("nothing") == Page([], None)
    assert driver.query_index("nothing") == Page([], None)


@pytest.mark.parametrize("cursor", ["%%%", "bm90LWpzb24", "WzEsMl0", "W10", "e30"])
def test_broken_cursor_is_invalid(filled: TableDriver, cursor: str) -> None:
    """A cursor that does not decode is refused with ``InvalidError``."""
    with pytest.raises(InvalidError):
        filled.query("P", "A#", cursor=cursor)
    with pytest.raises(InvalidError):
        filled.query_index("IDX", "K#", cursor=cursor)


def test_foreign_cursor_is_invalid(filled: TableDriver) -> None:
    """A cursor made by another listing (other partition or prefix) is refused."""
    other = encode_cursor(Item(pk="Q", sk="A#01"), index=False)
    with pytest.raises(InvalidError):
        filled.query("P", "A#", cursor=other)
    wrong_prefix = encode_cursor(Item(pk="P", sk="B#1"), index=False)
    with pytest.raises(InvalidError):
        filled.query("P", "A#", cursor=wrong_prefix)
    table_cursor = filled.query("P", "A#", limit=1).cursor
    assert table_cursor is not None
    with pytest.raises(InvalidError):
        filled.query_index("IDX", "K#", cursor=table_cursor)


@pytest.mark.parametrize("limit", [0, -1, MAX_QUERY_LIMIT + 1])
def test_limit_out_of_range_is_invalid(driver: TableDriver, limit: int) -> None:
    """Limits outside ``1..MAX_QUERY_LIMIT`` are refused."""
    with pytest.raises(InvalidError):
        driver.query("P", limit=limit)
    with pytest.raises(InvalidError):
        driver.query_index("IDX", limit=limit)
